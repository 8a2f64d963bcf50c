"""What the household page reads: the team's facts at once, and names and contact details by an
indexed key of their delivered row — the same names as the plain join of signals and contacts."""

from __future__ import annotations

import html

import duckdb

from portal import reads
from tests.conftest import TINY_AS_OF
from tests.portal.conftest import OWN_TEAM

PLAIN_JOIN = """
    select distinct p.voorletters, p.tussenvoegsel, p.achternaam, p.telefoon, p.email
    from int_signal__linked as s
    inner join pii_contact as p using (delivery_id, line_no)
    where s.address_key = ? and s.known_date <= ?
      and (p.achternaam is not null or p.telefoon is not null or p.email is not null)
"""


def _households(wh) -> list[tuple[str, str]]:
    return wh.execute(
        "select household_id, address_key from fct_list_entry where as_of_date = ? and wijkteam = ? "
        "order by rank",
        [TINY_AS_OF, OWN_TEAM],
    ).fetchall()


def test_names_by_row_key_are_those_of_the_plain_join(portal_workspace):
    wh = duckdb.connect(str(portal_workspace.warehouse), read_only=True)
    try:
        signals = reads.team_signals(wh, OWN_TEAM, TINY_AS_OF)
        with_names = 0
        for _, address in _households(wh):
            expected = {tuple(r) for r in wh.execute(PLAIN_JOIN, [address, TINY_AS_OF]).fetchall()}
            found = reads.contact_names(wh, signals.get(address, []))
            assert {tuple(n.values()) for n in found} == expected, address
            assert len(found) == len(expected)
            with_names += bool(expected)
        assert with_names >= 5, "the tiny region delivers names for some of the team's households"
    finally:
        wh.close()


def test_the_team_signals_are_every_signal_known_at_each_address(portal_workspace):
    wh = duckdb.connect(str(portal_workspace.warehouse), read_only=True)
    try:
        signals = reads.team_signals(wh, OWN_TEAM, TINY_AS_OF)
        for _, address in _households(wh):
            (expected,) = wh.execute(
                "select count(*) from int_signal__linked where address_key = ? and known_date <= ?",
                [address, TINY_AS_OF],
            ).fetchall()[0]
            assert len(signals.get(address, [])) == expected, address
    finally:
        wh.close()


def test_the_contact_lookup_is_an_index_scan(portal_workspace):
    wh = duckdb.connect(str(portal_workspace.warehouse), read_only=True)
    try:
        keys = [k for (k,) in wh.execute("select row_key from pii_contact limit 3").fetchall()]
        plan = wh.execute(
            "explain analyze select * from pii_contact where row_key in (?::ubigint, ?::ubigint, ?::ubigint)",
            keys,
        ).fetchall()[0][1]
        assert "Index Scan" in plan, plan
        (stale,) = wh.execute(
            "select count(*) from pii_contact "
            "where row_key is distinct from contact_row_key(delivery_id, line_no)"
        ).fetchall()[0]
        assert stale == 0, "every contact row carries the key of its delivered row"
    finally:
        wh.close()


def test_the_household_page_shows_the_names_delivered_at_its_address(portal_workspace, as_user):
    client = as_user("coord-own")
    wh = duckdb.connect(str(portal_workspace.warehouse), read_only=True)
    try:
        households = _households(wh)
        named = [
            (household, rows)
            for household, address in households
            if (rows := wh.execute(PLAIN_JOIN, [address, TINY_AS_OF]).fetchall())
        ]
    finally:
        wh.close()
    household, rows = named[0]
    text = html.unescape(client.get(f"/teams/{OWN_TEAM}/huishoudens/{household}").text)
    for _, _, achternaam, telefoon, email in rows:
        for value in (achternaam, telefoon, email):
            assert value is None or value in text


def test_names_are_found_in_a_warehouse_the_nightly_has_not_migrated_yet(portal_workspace, tmp_path):
    """After an upgrade the portal may read a warehouse without pii_contact.row_key until the next
    nightly: the names are then found by delivery (a scan), the same ones."""
    import shutil

    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(portal_workspace.warehouse, db)
    wh = duckdb.connect(str(db))
    try:
        wh.execute("drop index pii_contact_row_key")
        wh.execute("alter table pii_contact drop column row_key")
        signals = reads.team_signals(wh, OWN_TEAM, TINY_AS_OF)
        assert all(s["contact_key"] is None for rows in signals.values() for s in rows)
        for _, address in _households(wh):
            expected = {tuple(r) for r in wh.execute(PLAIN_JOIN, [address, TINY_AS_OF]).fetchall()}
            assert {tuple(n.values()) for n in reads.contact_names(wh, signals.get(address, []))} == expected
    finally:
        wh.close()
