"""A new region configured from its own reference data, as delivered, without the DDAS schema.

The tiny region is rewritten the way another region would deliver it: team codes like `ST970101`,
supplier codes with capitals and spaces, wijk names as the municipality writes them, other file
names, its own config folder (VROEG_CONFIG_DIR), and no DDAS schema installed. The real nightly
flow must publish a list for every team under the team's safe id, reject a DDAS delivery with one
Dutch reason, and the portal and the export must use the safe ids too.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from tests.conftest import TINY_AS_OF, history_manifest

pytestmark = pytest.mark.flow

CONFIG = Path(__file__).resolve().parents[2] / "config"
SUPPLIERS = {
    "zaanoever": "ZO Wonen",
    "molenwonen": "Molen Wonen NV",
    "wormerhof": "WormerHof",
    "dwnk": "DWNK Water",
    "ggd_zw": "GGD Zaan-Waterland",
}
PASSWORD = "een-lang-test-wachtwoord"


def _clear_caches() -> None:
    from indicators.config import indicator_config
    from indicators.ddas import ddas_config
    from signals.registry import suppliers, teams
    from signals.retention import retention

    for loader in (suppliers, teams, retention, indicator_config, ddas_config):
        loader.cache_clear()


def _region(source: Path, root: Path) -> dict[str, str]:
    """The tiny region as another region delivers it; returns {demo team code: this region's code}."""
    config = yaml.safe_load((CONFIG / "teams.yaml").read_text(encoding="utf-8"))
    team_codes = {t["code"]: f"ST9701{i:02d}" for i, t in enumerate(config["teams"], start=1)}
    for team in config["teams"]:
        team["code"] = team_codes[team["code"]]
    shutil.copytree(CONFIG, root / "config")
    (root / "config" / "teams.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    config = yaml.safe_load((CONFIG / "suppliers.yaml").read_text(encoding="utf-8"))
    for supplier in config["suppliers"]:
        supplier["code"] = SUPPLIERS[supplier["code"]]
    (root / "config" / "suppliers.yaml").write_text(
        yaml.safe_dump(config, allow_unicode=True), encoding="utf-8"
    )

    buurten = pl.read_csv(source / "reference" / "buurten.csv", infer_schema=False)
    wijken = {w: f"Wijk {i:02d} {w.upper()}" for i, w in enumerate(sorted(set(buurten["wijk"])), start=1)}
    (root / "reference").mkdir()
    for name in ("adressen.csv", "buurten.csv"):
        frame = pl.read_csv(source / "reference" / name, infer_schema=False)
        frame.with_columns(
            pl.col("wijk").replace_strict(wijken), pl.col("wijkteam").replace_strict(team_codes)
        ).write_csv(root / "reference" / name)
    (root / "registraties").mkdir()
    for name in ("contactpogingen.csv", "resultaten.csv"):
        frame = pl.read_csv(source / "registraties" / name, infer_schema=False)
        frame.with_columns(pl.col("wijkteam").replace_strict(team_codes)).write_csv(
            root / "registraties" / name
        )

    # The drop folders are the suppliers' safe ids; the files have this region's own names.
    from signals.registry import safe_id

    manifest = pl.read_csv(source / "inbox" / "manifest.csv", infer_schema=False)
    renamed = []
    for i, (path, received_at) in enumerate(manifest.iter_rows()):
        supplier, feed, name = path.split("/")
        target = Path(safe_id(SUPPLIERS[supplier])) / feed / f"Export {i:04d}{Path(name).suffix}"
        (root / "inbox" / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / "inbox" / path, root / "inbox" / target)
        renamed.append((target.as_posix(), received_at))
    pl.DataFrame(renamed, schema=["path", "received_at"], orient="row").write_csv(
        root / "inbox" / "manifest.csv"
    )
    ddas = root / "inbox" / safe_id(SUPPLIERS["zaanoever"]) / "ddas" / "Vroegsignalen oktober.json"
    ddas.parent.mkdir(parents=True, exist_ok=True)
    ddas.write_text(json.dumps({"leveringen": []}), encoding="utf-8")
    return team_codes


def test_a_region_with_its_own_codes_and_no_ddas_schema_gets_its_lists(
    prefect_server, tiny_region, tmp_path, monkeypatch
):
    from fastapi.testclient import TestClient

    from flows.nightly import nightly
    from indicators.ddas import DdasExportRefused, ddas_export
    from portal import state
    from portal.app import create_app
    from portal.security import hash_password
    from signals.ddas import SCHEMA_MISSING_EXPORT_NL, SCHEMA_MISSING_NL, SCHEMA_MISSING_RUN_NL
    from signals.registry import safe_id
    from signals.retention import retention
    from tests.portal.conftest import login

    team_codes = _region(tiny_region, tmp_path)
    monkeypatch.setenv("VROEG_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("VROEG_DDAS_STANDARDS", str(tmp_path / "geen-standaarden"))
    _clear_caches()
    try:
        summary = nightly(str(tmp_path), TINY_AS_OF, history_manifest=history_manifest(tmp_path))

        # The night ran: one Dutch warning about the schema, the DDAS delivery rejected with one reason.
        assert summary["status"] == "partial", summary.get("status_reason")
        assert SCHEMA_MISSING_RUN_NL in summary["warnings"]
        con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
        try:
            deliveries = con.execute(
                "select supplier_code, feed, status, rejection_reason from raw_delivery"
            ).fetchall()
            wijken = {
                a
                for (a,) in con.execute(
                    "select distinct area from agg_indicator where level = 'wijk'"
                ).fetchall()
            }
            listed = {t for (t,) in con.execute("select distinct wijkteam from fct_list_entry").fetchall()}
        finally:
            con.close()
        rejected = [(s, f, r) for s, f, status, r in deliveries if status == "afgewezen"]
        assert rejected == [("ZO Wonen", "ddas", SCHEMA_MISSING_NL)]
        assert {s for s, *_ in deliveries} == set(SUPPLIERS.values())
        assert wijken and all(w.startswith("Wijk ") for w in wijken)
        assert listed and listed <= set(team_codes.values())

        # A list file for every team, named by the team's safe id; the codes as written inside.
        lists = Path(summary["lists_dir"])
        assert sorted(p.name for p in lists.glob("*.csv")) == sorted(
            f"st9701{i:02d}.csv" for i in range(1, 14)
        )
        manifest = json.loads((lists / "manifest.json").read_text(encoding="utf-8"))
        assert set(manifest["entries_per_team"]) == set(team_codes.values())
        assert sum(manifest["entries_per_team"].values()) > 50

        # The export says in one Dutch sentence why it cannot be made.
        con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
        try:
            with pytest.raises(DdasExportRefused) as refused:
                ddas_export(con, "Zaanstad", TINY_AS_OF.replace(day=1), TINY_AS_OF, retention())
        finally:
            con.close()
        assert str(refused.value) == SCHEMA_MISSING_EXPORT_NL
        reports = sorted(p.name for p in (tmp_path / "reports").glob("*.html"))
        assert any("_zo-wonen_ddas_" in name for name in reports)
        assert not [name for name in reports if " " in name or any(c.isupper() for c in name)]

        # The portal: URLs and the download's file name use the safe ids.
        team = team_codes["zaanstad-poelenburg"]
        portal = state.open_state(tmp_path / "portal.sqlite")
        password_hash = hash_password(PASSWORD)
        state.add_account(portal, "coord", "coordinator", password_hash, team_code=team, supplier_code=None)
        state.add_account(portal, "lev", "supplier", password_hash, team_code=None, supplier_code="ZO Wonen")
        portal.close()
        client = TestClient(create_app(tmp_path, secure_cookie=False), follow_redirects=False)
        assert login(client, "coord", PASSWORD).status_code == 303
        assert client.get("/").headers["location"] == f"/teams/{safe_id(team)}/lijst"
        page = client.get(f"/teams/{safe_id(team)}/lijst")
        assert page.status_code == 200
        assert f'href="/teams/{safe_id(team)}/lijst.xlsx"' in page.text
        assert client.get(f"/teams/{team}/lijst").status_code == 403  # the code itself is no URL
        download = client.get(f"/teams/{safe_id(team)}/lijst.xlsx")
        assert download.status_code == 200
        assert (
            f'filename="vroegsignalering_{safe_id(team)}_{TINY_AS_OF}.xlsx"'
            in download.headers["content-disposition"]
        )
        supplier = TestClient(create_app(tmp_path, secure_cookie=False), follow_redirects=False)
        assert login(supplier, "lev", PASSWORD).status_code == 303
        assert supplier.get("/").headers["location"] == "/leveranciers/zo-wonen/leveringen"
        page = supplier.get("/leveranciers/zo-wonen/leveringen")
        assert page.status_code == 200
        assert 'action="/leveranciers/zo-wonen/leveringen/huurachterstand"' in page.text
    finally:
        monkeypatch.undo()
        _clear_caches()
