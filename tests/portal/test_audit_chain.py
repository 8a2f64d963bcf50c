"""The audit log's hash chain: whole after many writers, broken by a change outside the portal, and
started at the first new line in a file from before it existed."""

from __future__ import annotations

import sqlite3
import threading

from typer.testing import CliRunner

from portal import state

OLD_AUDIT_LOG = """
create table audit_log (
    audit_id integer primary key autoincrement, at text not null, username text, role text,
    action text not null, team_code text, household_id text, supplier_code text, as_of_date text,
    run_id text, detail text, ip text
);
create trigger audit_log_no_update before update on audit_log
begin select raise(abort, 'audit_log is append-only'); end;
insert into audit_log (at, username, action) values ('2026-11-01T08:00:00+00:00', 'coen', 'ingelogd');
insert into audit_log (at, username, action) values ('2026-11-01T08:01:00+00:00', 'coen', 'lijst_bekeken');
"""


def _write(path, n: int) -> None:
    con = state.open_state(path)
    try:
        for i in range(n):
            state.audit(con, "huishouden_bekeken", username=f"u{i}", household_id=f"h{i}")
    finally:
        con.close()


def test_every_line_has_actor_result_object_and_a_chained_hash(tmp_path):
    con = state.open_state(tmp_path / "portal.sqlite")
    state.audit(con, "inloggen_mislukt", username="iemand", ip="10.0.0.1")
    state.audit(con, "auditlog_bekeken", username="admin", role="administrator")
    state.audit(con, "niet_gevonden")
    rows = [dict(r) for r in con.execute("select * from audit_log order by audit_id")]
    assert [r["result"] for r in rows] == ["geweigerd", "toegestaan", "toegestaan"]
    assert rows[2]["username"] == "anoniem"
    assert all(r["object"] == "(opdrachtregel)" and len(r["row_hash"]) == 64 for r in rows)
    assert len({r["row_hash"] for r in rows}) == 3
    assert state.verify_audit_chain(con) is None
    con.close()


def test_many_writers_at_once_never_fork_the_chain(tmp_path):
    path = tmp_path / "portal.sqlite"
    state.open_state(path).close()
    threads = [threading.Thread(target=_write, args=(path, 25)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    con = state.open_state(path)
    assert con.execute("select count(*) from audit_log").fetchone()[0] == 150
    assert state.verify_audit_chain(con) is None
    con.close()


def test_a_line_changed_outside_the_portal_breaks_the_chain_there(tmp_path):
    path = tmp_path / "portal.sqlite"
    _write(path, 5)
    # An attacker with the file: drops the triggers and changes the third line.
    raw = sqlite3.connect(path)
    raw.execute("drop trigger audit_log_no_update")
    raw.execute("drop trigger audit_log_no_delete")
    raw.execute("update audit_log set household_id = 'h-anders' where audit_id = 3")
    raw.commit()
    raw.close()
    con = state.open_state(path)  # makes the triggers again; the chain stays broken
    assert state.verify_audit_chain(con) == 3
    assert state.chain_status(con)["broken_at"] == 3
    con.close()


def test_a_removed_line_breaks_the_chain_at_the_line_after_it(tmp_path):
    path = tmp_path / "portal.sqlite"
    _write(path, 5)
    raw = sqlite3.connect(path)
    raw.execute("drop trigger audit_log_no_delete")
    raw.execute("delete from audit_log where audit_id = 2")
    raw.commit()
    raw.close()
    con = state.open_state(path)
    assert state.verify_audit_chain(con) == 3
    con.close()


def test_a_file_from_before_the_chain_is_migrated_and_chained_from_its_first_new_line(tmp_path):
    path = tmp_path / "portal.sqlite"
    old = sqlite3.connect(path)
    old.executescript(OLD_AUDIT_LOG)
    old.close()
    con = state.open_state(path)
    state.audit(con, "ingelogd", username="admin")
    rows = [dict(r) for r in con.execute("select * from audit_log order by audit_id")]
    assert [r["username"] for r in rows] == ["coen", "coen", "admin"]
    assert rows[0]["row_hash"] is None and rows[2]["row_hash"] is not None
    status = state.chain_status(con)
    assert status["broken_at"] is None and status["unchained"] == 2 and status["lines"] == 3
    # still append-only after the rebuild, and still indexed
    try:
        con.execute("update audit_log set username = 'x' where audit_id = 1")
        raise AssertionError("update allowed")
    except sqlite3.IntegrityError:
        pass
    names = {r[0] for r in con.execute("select name from sqlite_master where type = 'index'")}
    assert {"audit_log_by_action", "audit_log_by_household"} <= names
    con.close()


def test_the_audit_check_command_says_whether_the_chain_is_whole(tmp_path):
    from cli.main import app

    path = tmp_path / "portal.sqlite"
    _write(path, 3)
    runner = CliRunner()
    ok = runner.invoke(app, ["portal", "audit-check", "--workspace", str(tmp_path)])
    assert ok.exit_code == 0 and "in orde" in ok.output
    raw = sqlite3.connect(path)
    raw.execute("drop trigger audit_log_no_update")
    raw.execute("update audit_log set action = 'ingelogd' where audit_id = 2")
    raw.commit()
    raw.close()
    broken = runner.invoke(app, ["portal", "audit-check", "--workspace", str(tmp_path)])
    assert broken.exit_code == 1 and "regel 2" in broken.output


def test_the_audit_page_shows_the_result_of_the_check(tmp_path):
    from portal.security import hash_password
    from tests.portal.conftest import PASSWORD, login, make_client

    path = tmp_path / "portal.sqlite"
    con = state.open_state(path)
    state.add_account(con, "admin", "administrator", hash_password(PASSWORD))
    con.close()
    _write(path, 3)
    client = make_client(tmp_path)
    login(client, "admin")
    page = client.get("/beheer/audit").text
    assert "Controle op wijzigingen: in orde" in page and "Resultaat" in page and "/beheer/audit" in page
    raw = sqlite3.connect(path)
    raw.execute("drop trigger audit_log_no_update")
    raw.execute("update audit_log set username = 'iemand anders' where audit_id = 2")
    raw.commit()
    raw.close()
    page = client.get("/beheer/audit").text
    assert "aangepast buiten het portaal om" in page and "Vanaf regel 2" in page
