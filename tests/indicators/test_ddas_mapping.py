"""The DDAS export on a few inline rows, in v0.9 and v1.2: which signals are vroegsignalen, how each
field maps, what a vroegsignaalzaak holds, which requests are refused, how values new in v1.2 go
into a v0.9 file, and that the privacy check can fail."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import duckdb
import polars as pl
import pytest

from indicators.ddas import Contactpersoon, DdasConfig, DdasExportRefused, Gemeente, Organisatie, ddas_export
from signals.features import link_signals
from signals.retention import retention
from tests.indicators.ddas_checks import personal_data_in, validator
from warehouse.migrate import migrate

AS_OF = date(2026, 6, 30)
CONFIG = DdasConfig(
    version="test",
    code_gegevensleverancier="TEST",
    signaalpartner_per_feed={"huurachterstand": "Huur", "waterafsluiting": "Water"},
    gemeenten=(
        Gemeente(
            gemeente="Aadorp",
            gemeentecode="9999",
            aanleverende_organisatie=Organisatie(
                naam="Gemeente Aadorp",
                contactpersonen=(Contactpersoon(naam="Team", email="t@aadorp.example"),),
            ),
        ),
    ),
)


def _rows(con, table: str, rows: list[dict]) -> None:
    frame = pl.DataFrame(rows)
    con.register("_rows", frame)
    con.execute(f"insert into {table} by name select * from _rows")  # noqa: S608 - table from the test
    con.unregister("_rows")


def _signal(
    ref: str, address: str, person: str | None, signal: date, known: date | None = None, **own
) -> dict:
    """A stg_ row; `signal` is its event date (signal_date unless `own` names the column)."""
    known = known or signal
    return {
        "delivery_id": f"d-{ref}-{known}",
        "line_no": 1,
        "supplier_code": "corp",
        "source_ref": ref,
        "known_at": datetime(known.year, known.month, known.day, tzinfo=UTC),
        "known_date": known,
        "address_key": address,
        "person_pseudonym": person,
        **({"signal_date": signal} if "report_date" not in own else {}),
        **own,
    }


def _huur(ref, address, person, signal, arrears, known=None) -> dict:
    return _signal(
        ref,
        address,
        person,
        signal,
        known,
        contract_id=f"C-{address}",
        monthly_rent_eur=700,
        arrears_eur=arrears,
        arrears_months=2,
        arrears_since_date=date(2025, 11, 1),
    )


@pytest.fixture
def con():
    con = duckdb.connect()
    migrate(con)
    for key, gemeente in [(f"1000AA-{i}", "Aadorp") for i in range(1, 7)] + [("2000BB-1", "Beestad")]:
        con.execute(
            "insert into ref_address values (?, ?, 1, null, 'Dorpsstraat', 'Aadorp', ?, 'W', 'B', 'team')",
            [key, key[:6], gemeente],
        )
    con.execute(
        "insert into meta_run (run_id, as_of_date, started_at, status, code_version, rules_version,"
        " config_version) values ('r', ?, now(), 'ok', 'c', 'r', 'c')",
        [AS_OF],
    )
    _rows(
        con,
        "stg_huurachterstand",
        [
            _huur("h1", "1000AA-1", "p1", date(2026, 1, 10), 1234.5),
            _huur("h1", "1000AA-1", "p1", date(2026, 1, 10), 1300.4, known=date(2026, 1, 20)),  # correction
            _huur("h2", "1000AA-2", "p2", date(2026, 1, 15), 500),
            _huur("h6", "1000AA-6", "p6", date(2026, 3, 31), 800),  # last day of the period
            _huur("h7", "1000AA-2", "p2", date(2025, 12, 31), 400),  # before the period
            _huur("h8", "1000AA-2", "p2", date(2026, 4, 1), 400),  # after the period
            _huur("h9", "2000BB-1", "p9", date(2026, 2, 1), 400),  # another gemeente
            _huur("h10", "1000AA-6", "p6", date(2026, 3, 15), 400, known=date(2026, 7, 2)),  # not yet known
        ],
    )
    water = {"customer_id": "K", "stage": "herinnering", "stage_date": date(2026, 1, 1)}
    _rows(
        con,
        "stg_waterafsluiting",
        [
            _signal("w1", "1000AA-1", "p1", date(2026, 2, 1), arrears_eur=99.49, **water),
            _signal("w5", "1000AA-5", "p5", date(2026, 3, 20), arrears_eur=60, **water),
        ],
    )
    _rows(
        con,
        "stg_ddas",
        [
            _signal(
                "D1",
                "1000AA-3",
                "p3",
                date(2026, 2, 10),
                partner_type="cak_zorgverzekeringen",
                amount_eur=300,
                origin_date=date(2026, 1, 1),
                is_crisis=True,
                is_warm_handover=False,
                partner_status="herhaalde_melding",
            ),
            _signal(
                "D2",
                "1000AA-4",
                "p4",
                date(2026, 3, 1),
                partner_type="energie",
                amount_eur=75,
                partner_status="nog_niet_opgepakt",
            ),
        ],
    )
    _rows(
        con,
        "stg_overlast",
        [_signal("o1", "1000AA-1", "p1", date(2026, 2, 2), category="geluid", report_date=date(2026, 2, 2))],
    )
    attempts = [
        ("1000AA-1", "2025-12-01", "Brief", False, "Middag"),  # before the household's first signal
        ("1000AA-1", "2026-01-12", "Huisbezoek", True, "Avond"),
        ("1000AA-1", "2026-01-12", "Telefoon", False, "Ochtend"),
        ("1000AA-1", "2026-02-03", "Brief", False, None),
        ("1000AA-1", "2026-07-15", "Telefoon", True, "Middag"),  # after the as-of date
        ("1000AA-4", "2026-03-02", "Mail", True, "Middag"),
    ]
    for address, day, soort, reached, dagdeel in attempts:
        con.execute(
            "insert into reg_contact_attempt values ('portal', ?, 'team', ?, ?, ?, ?, null)",
            [address, day, soort, reached, dagdeel],
        )
    for address, day, result in [
        ("1000AA-1", "2026-01-20", "(Budget)advies en/of quick fix"),
        ("1000AA-1", "2026-04-10", "Vervolghulp en/of verwijzing financieel"),
        ("1000AA-5", "2026-03-25", "Niet opgepakt: onterecht signaal"),
    ]:
        con.execute("insert into reg_case_result values ('import', ?, 'team', ?, ?)", [address, day, result])
    link_signals(con)
    yield con
    con.close()


def _export(con, van=date(2026, 1, 1), tot=date(2026, 3, 31), gemeente="9999", version="0.9"):
    delivered_at = datetime(2026, 7, 1, tzinfo=UTC)
    return ddas_export(
        con, gemeente, van, tot, retention(), version=version, config=CONFIG, delivered_at=delivered_at
    )


def test_vroegsignalen_and_cases_map_what_the_warehouse_holds(con):
    export = _export(con)
    assert list(validator().iter_errors(export.document)) == []
    levering = export.document["leveringen"][0]
    assert levering["gemeentecode"] == "9999" and levering["teller"] == 1
    c = {"client": {}}
    assert levering["vroegsignalen"] == [
        {
            "ID": "VS-1",
            "bedrag": 1300,
            "ontstaansdatum": "2025-11-01",
            "signaaldatum": "2026-01-10",
            "signaalpartner": {"type": "Huur"},
            **c,
        },  # the correction, rounded to whole euros
        {
            "ID": "VS-2",
            "bedrag": 500,
            "ontstaansdatum": "2025-11-01",
            "signaaldatum": "2026-01-15",
            "status": "Nog niet opgepakt",
            "signaalpartner": {"type": "Huur"},
            **c,
        },
        {"ID": "VS-3", "bedrag": 99, "signaaldatum": "2026-02-01", "signaalpartner": {"type": "Water"}, **c},
        {
            "ID": "VS-4",
            "crisissignaal": True,
            "warmeOverdracht": False,
            "bedrag": 300,
            "ontstaansdatum": "2026-01-01",
            "signaaldatum": "2026-02-10",
            "status": "Niet opgepakt: herhaalde melding",
            "signaalpartner": {"type": "CAK Zorgverzekeringen"},
            **c,
        },  # as delivered: no team registration
        {
            "ID": "VS-5",
            "bedrag": 75,
            "signaaldatum": "2026-03-01",
            "signaalpartner": {"type": "Energie"},
            **c,
        },
        {
            "ID": "VS-6",
            "bedrag": 60,
            "signaaldatum": "2026-03-20",
            "status": "Niet opgepakt: onterecht signaal",
            "signaalpartner": {"type": "Water"},
            **c,
        },
        {
            "ID": "VS-7",
            "bedrag": 800,
            "ontstaansdatum": "2025-11-01",
            "signaaldatum": "2026-03-31",
            "status": "Nog niet opgepakt",
            "signaalpartner": {"type": "Huur"},
            **c,
        },
    ]
    assert levering["vroegsignaalzaken"] == [
        {
            "resultaat": "Vervolghulp en/of verwijzing financieel",
            "datum_opgepakt": "2026-01-12",
            "vroegsignalen": [{"ID": "VS-1"}, {"ID": "VS-3"}],
            "contactpogingen": [
                {"soort": "Telefoon", "bereikt": False, "datum": "2026-01-12", "dagdeel": "Ochtend"},
                {"soort": "Huisbezoek", "bereikt": True, "datum": "2026-01-12", "dagdeel": "Avond"},
                {"soort": "Brief", "bereikt": False, "datum": "2026-02-03"},
            ],
        },
        {
            "datum_opgepakt": "2026-03-02",
            "vroegsignalen": [{"ID": "VS-5"}],
            "contactpogingen": [
                {"soort": "Mail", "bereikt": True, "datum": "2026-03-02", "dagdeel": "Middag"}
            ],
        },
        {
            "resultaat": "Niet opgepakt: onterecht signaal",
            "vroegsignalen": [{"ID": "VS-6"}],
            "contactpogingen": [],
        },
    ]
    assert export.counts == {
        "vroegsignalen": 7,
        "huishoudens": 6,
        "vroegsignaalzaken": 3,
        "contactpogingen": 4,
        "zaken_met_resultaat": 2,
        "resultaten_weggelaten": 0,
    }
    # no warehouse key, reference or pseudonym leaves with the file
    keys = {"1000AA", "p1", "p3", "h1", "w1", "D1", "C-1000AA", "d-h1", "hh-", "corp"}
    assert personal_data_in(export.document, {"Dorpsstraat", "Aadorp"}, keys) == []


def test_v1_2_identifies_each_client_by_address_and_says_which_cases_were_taken_up(con):
    older = _export(con).document["leveringen"][0]
    export = _export(con, version="1.2")
    assert list(validator("1.2").iter_errors(export.document)) == []
    levering = export.document["leveringen"][0]
    assert levering["aanleverendeOrganisatie"] == {
        "naam": "Gemeente Aadorp",
        "contactpersonen": [{"naam": "Team", "email": "t@aadorp.example"}],
    }
    assert [s["client"] for s in levering["vroegsignalen"]] == [{"postcode": "1000AA", "huisnummer": "1"}] * 7
    # a case the team took up is "Opgepakt" (v0.9 had no such value and left the status out)
    statuses = {s["ID"]: s.get("status") for s in levering["vroegsignalen"]}
    assert statuses == {
        "VS-1": "Opgepakt",
        "VS-2": "Nog niet opgepakt",
        "VS-3": "Opgepakt",
        "VS-4": "Niet opgepakt: herhaalde melding",
        "VS-5": "Opgepakt",
        "VS-6": "Niet opgepakt: onterecht signaal",
        "VS-7": "Nog niet opgepakt",
    }
    assert [s.get("status") for s in older["vroegsignalen"]] == [
        None if v == "Opgepakt" else v for v in statuses.values()
    ]
    renamed = [
        {("datumOpgepakt" if k == "datum_opgepakt" else k): v for k, v in case.items()}
        for case in older["vroegsignaalzaken"]
    ]
    assert levering["vroegsignaalzaken"] == renamed
    assert export.counts == _export(con).counts


def test_small_numbers_are_exported_in_this_record_level_delivery(con):
    # 2026-03-15..31: households 1000AA-5 and 1000AA-6 only; suppression is for the aggregate reports
    export = _export(con, van=date(2026, 3, 15), version="1.2")
    assert export.counts["huishoudens"] == 2
    assert len(export.document["leveringen"][0]["vroegsignalen"]) == 2


def test_values_new_in_v1_2_are_written_as_v0_9_has_them_or_left_out(con):
    con.execute(
        "update reg_case_result set eindresultaat = 'Vervolghulp en/of verwijzing'"
        " where address_key = '1000AA-1' and result_date = '2026-04-10'"
    )
    con.execute("update reg_contact_attempt set soort = 'Afspraak op locatie' where soort = 'Huisbezoek'")
    # a status received in a v1.2 levering (D1 at 1000AA-3, VS-4)
    con.execute(
        "update stg_ddas set partner_status = 'al_bekend_bij_schuldhulpverlening' where source_ref = 'D1'"
    )
    current, older = _export(con, version="1.2"), _export(con)
    statuses = [s.get("status") for s in current.document["leveringen"][0]["vroegsignalen"]]
    assert statuses[3] == "Inwoner al bekend bij schuldhulpverlening"
    assert "status" not in older.document["leveringen"][0]["vroegsignalen"][3]
    assert list(validator("0.9").iter_errors(older.document)) == []
    case, old_case = (
        current.document["leveringen"][0]["vroegsignaalzaken"][0],
        older.document["leveringen"][0]["vroegsignaalzaken"][0],
    )
    assert case["resultaat"] == "Vervolghulp en/of verwijzing" and "resultaat" not in old_case
    assert "Afspraak op locatie" in {p["soort"] for p in case["contactpogingen"]}
    assert "Overige" in {p["soort"] for p in old_case["contactpogingen"]}
    assert (current.counts["resultaten_weggelaten"], older.counts["resultaten_weggelaten"]) == (0, 1)


def test_an_empty_period_is_a_valid_levering_without_records(con):
    export = _export(con, van=date(2026, 5, 1), tot=date(2026, 5, 31))
    assert list(validator().iter_errors(export.document)) == []
    assert export.document["leveringen"][0]["vroegsignalen"] == []
    assert export.document["leveringen"][0]["vroegsignaalzaken"] == []


@pytest.mark.parametrize(
    ("gemeente", "van", "tot", "reason"),
    [
        ("Beestad", date(2026, 1, 1), date(2026, 3, 31), "niet in config/ddas.yaml"),
        ("9999", date(2026, 1, 1), date(2026, 7, 31), "peildatum 2026-06-30"),
        ("9999", date(2025, 1, 1), date(2026, 3, 31), "bewaartermijn"),
        ("9999", date(2026, 3, 1), date(2026, 2, 1), "leeg"),
    ],
)
def test_requests_the_warehouse_cannot_answer_completely_are_refused(con, gemeente, van, tot, reason):
    with pytest.raises(DdasExportRefused, match=reason):
        _export(con, van, tot, gemeente)


def test_the_privacy_check_finds_planted_personal_data(con):
    """personal_data_in must be able to fail: plant each kind of value in a real export."""
    document = _export(con).document
    assert personal_data_in(document, {"Dorpsstraat"}, {"hh-", "p1"}) == []
    for planted, where, found in [
        ({"Geboortedatum": "1980-01-01"}, "client", ["Geboortedatum"]),  # a client field at all
        ({"ID": "Dorpsstraat"}, None, ["Dorpsstraat"]),  # a known street, name or place as a value
        ({"ID": "VS-1-hh-0123456789abcdef"}, None, ["hh-"]),  # a warehouse key inside a value
        ({"ID": "p1"}, None, ["p1"]),  # a pseudonym
        ({"ID": "VS-1 1500FF"}, None, ["1500FF"]),  # a postcode inside a value
        ({"bedrag": 123456782}, None, ["123456782"]),  # a BSN, even as a number
    ]:
        copy = json.loads(json.dumps(document))
        target = copy["leveringen"][0]["vroegsignalen"][0]
        (target[where] if where else target).update(planted)
        assert personal_data_in(copy, {"Dorpsstraat"}, {"hh-", "p1"}) == found, planted
