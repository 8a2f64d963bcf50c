"""The DDAS v0.9 export of a real nightly run on the tiny region (with a DDAS levering taken in),
per gemeente: valid against the official schema, the same signals as the staging tables, each
household's registrations in its vroegsignaalzaak, and no personal data or warehouse key."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from indicators.ddas import DdasExportRefused, ddas_config, ddas_export
from tests.conftest import TINY_AS_OF, history_manifest
from tests.indicators.ddas_checks import personal_data_in, validator
from warehouse.retention import retention

pytestmark = pytest.mark.flow

MIN_CELL = 5
PERIOD = (date(2026, 1, 1), date(2026, 6, 30))


def _ddas_levering(region: Path) -> tuple[dict, set[str]]:
    """A DDAS levering for three generated residents of Zaanstad; returns it and their BSNs."""
    households = pl.read_parquet(region / "ground_truth" / "households.parquet").filter(
        pl.col("gemeente") == "Zaanstad", ~pl.col("moved"), pl.col("moved_out_date").is_null()
    )
    persons = pl.read_parquet(region / "ground_truth" / "persons.parquet")
    # one person of each of the first three households (persons are in order within a household)
    chosen = persons.join(households, on="household_id").unique(
        "household_id", keep="first", maintain_order=True
    )
    chosen = chosen.sort("household_id").head(3)
    partners = [
        ("Energie", True, False, None),
        ("CAK Zorgverzekeringen", False, True, None),
        ("Water", False, False, "Niet opgepakt: herhaalde melding"),
    ]
    signals = []
    for i, (person, (partner, crisis, warm, status)) in enumerate(
        zip(chosen.iter_rows(named=True), partners, strict=True)
    ):
        client = {
            "Burgerservicenummer": person["bsn"],
            "Voorletters": person["voorletters"],
            "Achternaam": person["achternaam"],
            "Straatnaam": person["straat"],
            "Postcode": person["postcode"],
            "Huisnummer": str(person["huisnummer"]),
            "Plaatsnaam": person["woonplaats"],
        }
        if person["huisnummer_toevoeging"]:
            client["Huisnummertoevoeging"] = person["huisnummer_toevoeging"]
        signal = {
            "ID": f"EXT-{i}",
            "crisissignaal": crisis,
            "warmeOverdracht": warm,
            "bedrag": 4321 + i,
            "signaaldatum": f"2026-03-1{i}",
            "signaalpartner": {"type": partner},
            "client": client,
        }
        if status:
            signal["status"] = status
        signals.append(signal)
    document = {
        "startdatumLevering": "2026-03-01",
        "einddatumLevering": "2026-03-31",
        "aanleverdatumEnTijd": "2026-04-01T08:00:00Z",
        "codeGegevensleverancier": "TEST",
        "leveringen": [
            {
                "teller": 1,
                "gemeentecode": "0479",
                "aanleverende_organisatie": {"naam": "Zaanoever"},
                "vroegsignalen": signals,
            }
        ],
    }
    return document, set(chosen["bsn"])


@pytest.fixture(scope="module")
def ddas_run(prefect_server, tiny_region, tmp_path_factory):
    from flows.nightly import nightly

    workspace = tmp_path_factory.mktemp("ddas-ws")
    for part in ("inbox", "reference", "registraties"):
        shutil.copytree(tiny_region / part, workspace / part)
    levering, bsns = _ddas_levering(tiny_region)
    path = workspace / "inbox" / "zaanoever" / "ddas" / "vroegsignalen-2026-03.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(levering), encoding="utf-8")
    # received on 1 April 2026: one more line of the history import's manifest
    with Path(history_manifest(workspace)).open("a", encoding="utf-8") as manifest:
        received = datetime(2026, 4, 1, 8, tzinfo=UTC)
        manifest.write(f"{path.relative_to(workspace / 'inbox').as_posix()},{received.isoformat()}\n")
    summary = nightly(str(workspace), TINY_AS_OF, history_manifest=history_manifest(workspace))
    assert summary["status"] == "ok", summary.get("status_reason")
    exports, refused = {}, {}
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from stg_ddas").fetchall() == [(3,)]
        for entry in ddas_config().gemeenten:
            try:
                exports[entry.gemeente] = ddas_export(con, entry.gemeentecode, *PERIOD, MIN_CELL, retention())
            except DdasExportRefused as exc:
                refused[entry.gemeente] = str(exc)
    finally:
        con.close()
    return tiny_region, workspace, exports, refused, bsns


def _independent_signals(workspace: Path, gemeente: str) -> pl.DataFrame:
    """The gemeente's financial signals in PERIOD straight from the stg tables (latest version known on
    the as-of date), numbered the way DEFINITIONS.md says the export numbers them."""
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        return con.sql(
            """with rows as (
                   select 'huurachterstand' as feed, supplier_code, source_ref, known_at, delivery_id,
                          line_no, known_date, address_key, signal_date, round(arrears_eur)::integer as bedrag
                   from stg_huurachterstand
                   union all
                   select 'waterafsluiting', supplier_code, source_ref, known_at, delivery_id, line_no,
                          known_date, address_key, signal_date, round(arrears_eur)::integer
                   from stg_waterafsluiting
                   union all
                   select 'ddas', supplier_code, source_ref, known_at, delivery_id, line_no,
                          known_date, address_key, signal_date, amount_eur
                   from stg_ddas
               ),
               latest as (
                   select * from rows where known_date <= $as_of and signal_date <= $as_of
                   qualify row_number() over (partition by feed, supplier_code, source_ref
                                              order by known_at desc, delivery_id desc, line_no desc) = 1
               )
               select
                   'VS-' || row_number() over (order by signal_date, feed, supplier_code, source_ref) as id,
                   l.address_key, l.signal_date, l.bedrag
               from latest as l inner join ref_address as a using (address_key)
               where a.gemeente = $gemeente and l.signal_date between $van and $tot
               order by signal_date, feed, supplier_code, source_ref""",
            params={"as_of": TINY_AS_OF, "gemeente": gemeente, "van": PERIOD[0], "tot": PERIOD[1]},
        ).pl()
    finally:
        con.close()


def test_every_export_validates_against_the_official_schema(ddas_run):
    _, _, exports, refused, _ = ddas_run
    assert "Zaanstad" in exports
    assert set(exports) | set(refused) == {g.gemeente for g in ddas_config().gemeenten}
    for export in exports.values():
        assert list(validator().iter_errors(export.document)) == []


def test_the_vroegsignalen_are_the_financial_signals_of_the_gemeente_and_period(ddas_run):
    _, workspace, exports, refused, _ = ddas_run
    for gemeente, export in exports.items():
        expected = _independent_signals(workspace, gemeente)
        signals = export.document["leveringen"][0]["vroegsignalen"]
        assert len(signals) == expected.height == export.counts["vroegsignalen"]
        assert [(s["ID"], s["signaaldatum"], s["bedrag"]) for s in signals] == [
            (r["id"], r["signal_date"].isoformat(), r["bedrag"]) for r in expected.iter_rows(named=True)
        ]
    for gemeente in refused:  # households >= addresses: so few addresses means so few households
        assert _independent_signals(workspace, gemeente)["address_key"].n_unique() < MIN_CELL


def test_the_ddas_levering_taken_in_comes_out_with_its_partner_and_without_its_client(ddas_run):
    _, _, exports, _, bsns = ddas_run
    signals = {s["bedrag"]: s for s in exports["Zaanstad"].document["leveringen"][0]["vroegsignalen"]}
    assert signals[4321]["signaalpartner"] == {"type": "Energie"} and signals[4321]["crisissignaal"] is True
    assert signals[4322]["signaalpartner"] == {"type": "CAK Zorgverzekeringen"}
    assert signals[4322]["warmeOverdracht"] is True
    assert signals[4323]["signaalpartner"] == {"type": "Water"}
    assert all(signals[b]["client"] == {} for b in (4321, 4322, 4323))
    text = json.dumps(exports["Zaanstad"].document)
    assert bsns and not any(bsn in text for bsn in bsns)


def test_no_personal_field_or_warehouse_key_in_any_export(ddas_run):
    region, workspace, exports, refused, _ = ddas_run
    truth = region / "ground_truth"
    persons = pl.read_parquet(truth / "persons.parquet")
    households = pl.read_parquet(truth / "households.parquet")
    values = {
        v
        for frame, cols in [
            (persons, ["achternaam", "voorletters", "telefoon", "email"]),
            (households, ["straat", "woonplaats", "postcode"]),
        ]
        for c in cols
        for v in frame[c].drop_nulls().cast(pl.String).to_list()
    }
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        keys = {
            k
            for (k,) in con.execute(
                """select distinct k from (
                   select unnest([household_id, address_key]) as k from fct_list_entry
                   union all
                   select unnest([person_pseudonym, source_ref, contract_id, address_key, delivery_id])
                   from int_signal__linked)
               where k is not null"""
            ).fetchall()
        }
    finally:
        con.close()
    assert len(keys) > 100 and len(values) > 100
    for export in exports.values():
        text = json.dumps(export.document, ensure_ascii=False)
        assert personal_data_in(export.document, values, keys) == []
        assert not any(bsn in text for bsn in persons["bsn"].to_list())
        assert all(s["client"] == {} for s in export.document["leveringen"][0]["vroegsignalen"])
    assert all(
        re.search(r"\d+", re.sub(r"\d{4}-\d{2}-\d{2}", "", m)).group() == "5" for m in refused.values()
    )


def test_each_households_registrations_are_in_its_vroegsignaalzaak(ddas_run):
    _, workspace, exports, _, _ = ddas_run
    export = exports["Zaanstad"]
    levering = export.document["leveringen"][0]
    case_of = {ref["ID"]: case for case in levering["vroegsignaalzaken"] for ref in case["vroegsignalen"]}
    status = {s["ID"]: s.get("status") for s in levering["vroegsignalen"]}
    signals = _independent_signals(workspace, "Zaanstad")
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    checked = with_attempts = 0
    try:
        shared = {
            a
            for (a,) in con.execute(
                "select address_key from int_signal__linked"
                " group by 1 having count(distinct person_pseudonym) > 1"
            ).fetchall()
        }
        for (address,), group in signals.group_by("address_key"):
            if address in shared:
                continue  # two persons at one address are two households: not comparable by address
            first, ids = group["signal_date"].min(), set(group["id"])
            window = [address, first, TINY_AS_OF]
            attempts = sorted(
                con.execute(
                    "select soort, is_reached, contact_date::varchar, dagdeel from reg_contact_attempt"
                    " where address_key = ? and contact_date between ? and ?",
                    window,
                ).fetchall(),
                key=str,
            )
            result = con.execute(
                "select eindresultaat from reg_case_result"
                " where address_key = ? and result_date between ? and ?"
                " order by result_date desc, source, eindresultaat limit 1",
                window,
            ).fetchall()
            checked += 1
            if not attempts and not result:
                assert not ids & set(case_of)
                assert {status[i] for i in ids} <= {"Nog niet opgepakt", "Niet opgepakt: herhaalde melding"}
                continue
            case = case_of[next(iter(ids))]
            assert {ref["ID"] for ref in case["vroegsignalen"]} == ids
            got = [(p["soort"], p["bereikt"], p["datum"], p.get("dagdeel")) for p in case["contactpogingen"]]
            assert sorted(got, key=str) == attempts
            assert case.get("resultaat") == (result[0][0] if result else None)
            with_attempts += bool(attempts)
    finally:
        con.close()
    assert checked > 20 and with_attempts >= MIN_CELL
    assert export.counts["vroegsignaalzaken"] == len(levering["vroegsignaalzaken"])


def test_the_cli_writes_the_file_and_logs_counts_never_below_min_cell(ddas_run, tmp_path):
    from cli.main import app

    _, workspace, _, refused, _ = ddas_run
    out = tmp_path / "levering.json"
    result = CliRunner().invoke(
        app,
        [
            "ddas",
            "-w",
            str(workspace),
            "--gemeente",
            "0479",
            "--van",
            "2026-01-01",
            "--tot",
            "2026-06-30",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert list(validator().iter_errors(json.loads(out.read_text(encoding="utf-8")))) == []
    log = [
        json.loads(line) for line in (workspace / "exports" / "ddas_exports.jsonl").read_text().splitlines()
    ]
    assert log[-1]["gemeentecode"] == "0479" and log[-1]["file"] == out.name
    counts = log[-1]["counts"]
    assert set(counts) >= {"vroegsignalen", "vroegsignaalzaken", "contactpogingen"}
    assert all(v == f"<{MIN_CELL}" or v == "0" or int(v) >= MIN_CELL for v in counts.values())
    assert f"{counts['vroegsignalen']} vroegsignalen" in " ".join(result.output.split())
    if refused:
        gemeente = next(iter(refused))
        refusal = CliRunner().invoke(
            app,
            [
                "ddas",
                "-w",
                str(workspace),
                "--gemeente",
                gemeente,
                "--van",
                "2026-01-01",
                "--tot",
                "2026-06-30",
            ],
        )
        assert refusal.exit_code == 1 and "minder dan 5 huishoudens" in " ".join(refusal.output.split())
