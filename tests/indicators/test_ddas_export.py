"""The DDAS export (v1.2, and v0.9 for the transition) of a real nightly run on the tiny region
(with a v0.9 DDAS levering taken in), per gemeente: valid against the official schema of its
version, the same signals and counts as the staging tables, each household's registrations in its
vroegsignaalzaak, the client as the address in v1.2 and empty in v0.9, no other personal data or
warehouse key; made on the command line only by an administrator, audited, written 0600."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from indicators.ddas import ddas_config, ddas_export
from signals.ddas_labels import renamed
from signals.retention import retention
from tests.conftest import TINY_AS_OF, history_manifest
from tests.indicators.ddas_checks import beyond_the_address_in, personal_data_in, validator

pytestmark = pytest.mark.flow

PERIOD = (date(2026, 1, 1), date(2026, 6, 30))
VERSIONS = ("1.2", "0.9")
ADMIN, COORDINATOR, PASSWORD = "beheer-cbs", "coordinator-cbs", "Gr0te-Export-Controle-2026"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


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
    exports = {}
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from stg_ddas").fetchall() == [(3,)]
        for entry in ddas_config().gemeenten:
            for version in VERSIONS:
                exports[entry.gemeente, version] = ddas_export(
                    con, entry.gemeentecode, *PERIOD, retention(), version=version
                )
    finally:
        con.close()
    return tiny_region, workspace, exports, bsns


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
                   l.address_key, l.signal_date, l.bedrag,
                   a.postcode, a.house_number::varchar as huisnummer, a.house_number_suffix as toevoeging
               from latest as l inner join ref_address as a using (address_key)
               where a.gemeente = $gemeente and l.signal_date between $van and $tot
               order by signal_date, feed, supplier_code, source_ref""",
            params={"as_of": TINY_AS_OF, "gemeente": gemeente, "van": PERIOD[0], "tot": PERIOD[1]},
        ).pl()
    finally:
        con.close()


def test_every_export_validates_against_the_official_schema_of_its_version(ddas_run):
    _, _, exports, _ = ddas_run
    # small numbers are not suppressed in this record-level delivery: every gemeente is exported
    assert set(exports) == {(g.gemeente, v) for g in ddas_config().gemeenten for v in VERSIONS}
    for (_, version), export in exports.items():
        assert export.version == version
        assert list(validator(version).iter_errors(export.document)) == []
    levering = exports["Zaanstad", "1.2"].document["leveringen"][0]
    assert "aanleverendeOrganisatie" in levering and "contactpersonen" in levering["aanleverendeOrganisatie"]
    assert "aanleverende_organisatie" in exports["Zaanstad", "0.9"].document["leveringen"][0]


def test_the_vroegsignalen_and_counts_equal_an_independent_count_of_the_staged_rows(ddas_run):
    _, workspace, exports, _ = ddas_run
    for (gemeente, version), export in exports.items():
        expected = _independent_signals(workspace, gemeente)
        signals = export.document["leveringen"][0]["vroegsignalen"]
        assert len(signals) == expected.height == export.counts["vroegsignalen"]
        assert [(s["ID"], s["signaaldatum"], s["bedrag"]) for s in signals] == [
            (r["id"], r["signal_date"].isoformat(), r["bedrag"]) for r in expected.iter_rows(named=True)
        ]
        if version == "1.2":  # the client is the signal's address, as the reference register writes it
            assert [s["client"] for s in signals] == [
                {"postcode": r["postcode"], "huisnummer": r["huisnummer"]}
                | ({"huisnummertoevoeging": r["toevoeging"]} if r["toevoeging"] else {})
                for r in expected.iter_rows(named=True)
            ]
        else:
            assert all(s["client"] == {} for s in signals)
        cases = export.document["leveringen"][0]["vroegsignaalzaken"]
        assert export.counts["vroegsignaalzaken"] == len(cases)
        assert export.counts["contactpogingen"] == sum(len(c.get("contactpogingen", [])) for c in cases)
    assert exports["Zaanstad", "1.2"].counts["vroegsignalen"] > 50


def test_the_ddas_levering_taken_in_comes_out_with_its_partner_and_its_address_never_its_bsn(ddas_run):
    _, _, exports, bsns = ddas_run
    for version in VERSIONS:
        document = exports["Zaanstad", version].document
        signals = {s["bedrag"]: s for s in document["leveringen"][0]["vroegsignalen"]}
        assert (
            signals[4321]["signaalpartner"] == {"type": "Energie"} and signals[4321]["crisissignaal"] is True
        )
        assert signals[4322]["signaalpartner"] == {"type": "CAK Zorgverzekeringen"}
        assert signals[4322]["warmeOverdracht"] is True
        assert signals[4323]["signaalpartner"] == {"type": "Water"}
        if version == "1.2":
            assert all(set(signals[b]["client"]) >= {"postcode", "huisnummer"} for b in (4321, 4322, 4323))
        else:
            assert all(signals[b]["client"] == {} for b in (4321, 4322, 4323))
        text = json.dumps(document)
        assert bsns and not any(bsn in text for bsn in bsns)


def test_no_personal_field_beyond_the_address_and_no_warehouse_key_in_any_export(ddas_run):
    region, workspace, exports, _ = ddas_run
    truth = region / "ground_truth"
    persons = pl.read_parquet(truth / "persons.parquet")
    households = pl.read_parquet(truth / "households.parquet")

    def values_of(columns: list[tuple[pl.DataFrame, list[str]]]) -> set[str]:
        return {
            v
            for frame, cols in columns
            for c in cols
            for v in frame[c].drop_nulls().cast(pl.String).to_list()
        }

    names = [
        (persons, ["achternaam", "voorletters", "telefoon", "email"]),
        (households, ["straat", "woonplaats"]),
    ]
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
    with_postcodes = values_of([*names, (households, ["postcode"])])
    assert len(keys) > 100 and len(with_postcodes) > 100
    for (_, version), export in exports.items():
        text = json.dumps(export.document, ensure_ascii=False)
        assert not any(bsn in text for bsn in persons["bsn"].to_list())
        if version == "0.9":
            assert personal_data_in(export.document, with_postcodes, keys) == []
        else:
            assert beyond_the_address_in(export.document, values_of(names), keys) == []


def test_each_households_registrations_are_in_its_vroegsignaalzaak(ddas_run):
    _, workspace, exports, _ = ddas_run
    for version in VERSIONS:
        _registrations_in_cases(workspace, exports["Zaanstad", version], version)


def _registrations_in_cases(workspace: Path, export, version: str) -> None:
    # the warehouse holds the current words; a v0.9 file writes the renamed ones back
    older = {new: old for old, new in renamed("EnumEindresultaat").items()} if version == "0.9" else {}
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
            if version == "1.2":
                assert {status[i] for i in ids} <= {"Opgepakt", *(r for (r,) in result)}
            case = case_of[next(iter(ids))]
            assert {ref["ID"] for ref in case["vroegsignalen"]} == ids
            got = [(p["soort"], p["bereikt"], p["datum"], p.get("dagdeel")) for p in case["contactpogingen"]]
            assert sorted(got, key=str) == attempts
            assert case.get("resultaat") == (older.get(result[0][0], result[0][0]) if result else None)
            with_attempts += bool(attempts)
    finally:
        con.close()
    assert checked > 20 and with_attempts >= 5
    assert export.counts["vroegsignaalzaken"] == len(levering["vroegsignaalzaken"])


def _accounts(workspace: Path) -> None:
    from portal import accounts, state

    con = state.open_state(workspace / "portal.sqlite")
    try:
        for name, role, team in (
            (ADMIN, "administrator", None),
            (COORDINATOR, "coordinator", "zaanstad-assendelft"),
        ):
            if state.account_by_name(con, name) is None:
                accounts.create_account(con, name, role, PASSWORD, team=team, by="test")
            state.set_totp_secret(con, state.account_by_name(con, name).account_id, TOTP_SECRET)
    finally:
        con.close()


def _cli(workspace: Path, user: str, code: str, out: Path, *extra: str):
    from cli.main import app

    arguments = ["ddas", "-w", str(workspace), "--gemeente", "0479", "--van", "2026-01-01"]
    arguments += ["--tot", "2026-06-30", "--gebruiker", user, "--code", code, "--out", str(out), *extra]
    return CliRunner().invoke(app, arguments, env={"VROEG_PORTAL_PASSWORD": PASSWORD})


def _audit(workspace: Path, action: str) -> list[dict]:
    from portal import state

    con = state.open_state(workspace / "portal.sqlite")
    try:
        return [e for e in reversed(state.audit_entries(con, limit=1000)) if e["action"] == action]
    finally:
        con.close()


def test_only_an_administrator_makes_the_export_audited_and_private(ddas_run, tmp_path):
    import pyotp

    _, workspace, exports, _ = ddas_run
    _accounts(workspace)
    now = pyotp.TOTP(TOTP_SECRET)
    # a coordinator, and an administrator with a wrong code, are refused and audited; no file
    refused = _cli(workspace, COORDINATOR, now.now(), tmp_path / "nee.json")
    wrong = _cli(workspace, ADMIN, "000000" if now.now() != "000000" else "111111", tmp_path / "nee.json")
    for attempt in (refused, wrong):
        assert attempt.exit_code == 1 and "alleen een beheerder" in " ".join(attempt.output.split())
    assert not (tmp_path / "nee.json").exists()
    refusals = _audit(workspace, "ddas_export_geweigerd")
    assert [(r["username"], r["result"], r["detail"]) for r in refusals[-2:]] == [
        (COORDINATOR, "geweigerd", "rol niet toegestaan"),
        (ADMIN, "geweigerd", "code onjuist"),
    ]

    out = tmp_path / "levering.json"
    result = _cli(workspace, ADMIN, now.now(), out)
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert list(validator("1.2").iter_errors(document)) == []
    assert out.stat().st_mode & 0o777 == 0o600
    counts = exports["Zaanstad", "1.2"].counts
    log = [
        json.loads(line) for line in (workspace / "exports" / "ddas_exports.jsonl").read_text().splitlines()
    ]
    assert log[-1]["gemeentecode"] == "0479" and log[-1]["file"] == out.name and log[-1]["versie"] == "1.2"
    assert log[-1]["counts"] == counts  # no suppression: the file itself holds every record
    made = _audit(workspace, "ddas_export")[-1]
    assert made["username"] == ADMIN and made["result"] == "toegestaan"
    assert f"vroegsignalen {counts['vroegsignalen']}" in made["detail"] and "versie 1.2" in made["detail"]
    assert f"{counts['vroegsignalen']} vroegsignalen" in " ".join(result.output.split())
    assert "adressen van inwoners" in " ".join(result.output.split())


def test_a_v1_2_export_is_taken_in_again_as_the_same_signals_at_the_same_addresses(ddas_run, tmp_path):
    """Our own v1.2 levering through the intake of another installation: every vroegsignaal loaded,
    linked to the address the file names, with its partner and amount."""
    from signals.addresses import load_reference
    from signals.intake import IncomingFile, ingest_files
    from signals.pseudonymise import pseudonym_key
    from warehouse.store import write_session

    region, _, exports, _ = ddas_run
    document = exports["Zaanstad", "1.2"].document
    path = tmp_path / "levering.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    incoming = [IncomingFile(path, "zaanoever", "ddas", datetime(2026, 11, 1, 8, tzinfo=UTC))]
    with write_session(tmp_path / "w.duckdb") as con:
        load_reference(con, region / "reference")
        records = ingest_files(con, incoming, tmp_path / "archive", pseudonym_key())
        staged = con.execute(
            "select source_ref, address_key, amount_eur, partner_type from stg_ddas order by source_ref"
        ).fetchall()
    signals = document["leveringen"][0]["vroegsignalen"]
    assert records[0].status == "geaccepteerd" and records[0].rows_loaded == len(signals) > 50

    def address_key(client: dict) -> str:
        parts = [client["postcode"], client["huisnummer"], client.get("huisnummertoevoeging")]
        return "-".join(p for p in parts if p)

    expected = [
        (
            s["ID"],
            address_key(s["client"]),
            s["bedrag"],
            s["signaalpartner"]["type"].lower().replace(" ", "_"),
        )
        for s in signals
    ]
    assert sorted(staged) == sorted(expected)
