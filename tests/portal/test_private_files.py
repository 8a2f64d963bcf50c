"""Every file the pipeline and the portal write is the owner's alone (0600, folders 0700).

A demo-like flow on the tiny region, started with the usual umask 022: the nightly run, an upload
through the portal, the list exported, the audit log written. Afterwards every file and folder under
the workspace that was not placed there beforehand is checked. The exception: what others placed
(the inbox deliveries and the reference tables copied in before the run) keeps its own mode.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from tests.portal.conftest import OWN_SUPPLIER, OWN_TEAM, PASSWORD, csrf_of, login, make_client, run_nightly


def _modes(root: Path) -> dict[Path, int]:
    return {p: stat.S_IMODE(p.lstat().st_mode) for p in root.rglob("*")}


def test_every_file_written_is_0600_and_every_folder_0700(prefect_server, tiny_region, tmp_path):
    root = tmp_path / "ws"
    before = os.umask(0o022)
    try:
        root.mkdir(mode=0o700)
        for part in ("inbox", "reference", "registraties"):
            shutil.copytree(tiny_region / part, root / part)
        placed = set(_modes(root))
        run_nightly(root, history=True)

        from portal import state
        from portal.security import hash_password

        os.umask(0o022)  # as if another process had started the portal
        client = make_client(root)
        con = state.open_state(root / "portal.sqlite")
        for name, role, team, supplier in (
            ("coord", "coordinator", OWN_TEAM, None),
            ("lev", "supplier", None, OWN_SUPPLIER),
        ):
            state.add_account(
                con, name, role, hash_password(PASSWORD), team_code=team, supplier_code=supplier
            )
        con.close()
        login(client, "lev")
        token = csrf_of(client, f"/leveranciers/{OWN_SUPPLIER}/leveringen")
        upload = client.post(
            f"/leveranciers/{OWN_SUPPLIER}/leveringen/overlast",
            data={"csrf_token": token},
            files={"bestand": ("overlast.csv", b"postcode;huisnummer\n1501AB;1\n", "text/csv")},
        )
        assert upload.status_code in (303, 422)
        coord = make_client(root)
        login(coord, "coord")
        assert coord.get(f"/teams/{OWN_TEAM}/lijst.xlsx").status_code == 200
    finally:
        os.umask(before)

    written = {p: m for p, m in _modes(root).items() if p not in placed}
    assert len(written) > 20, "the flow wrote too little to prove anything"
    for kind in ("warehouse.duckdb", "portal.sqlite"):  # -wal/-shm take the mode of the file (SQLite)
        assert root / kind in written, kind
    assert any("archive" in p.parts for p in written), "the archive of taken-in deliveries"
    assert any(root / "inbox" in p.parents and p.suffix == ".csv" for p in written), "an upload in the inbox"
    wrong = {
        str(p.relative_to(root)): oct(m)
        for p, m in written.items()
        if (p.is_dir() and m != 0o700) or (not p.is_dir() and m & 0o077)
    }
    assert not wrong, f"files or folders others may read: {wrong}"
