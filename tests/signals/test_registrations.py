"""Team registrations: DDAS vocabulary enforced, imports replaced, portal rows kept, trajectories."""

from datetime import date

import duckdb
import pytest

from rules.schema import default_ruleset
from signals.features import build_features, link_signals
from signals.registrations import RegistrationError, load_registrations
from tests.signals.test_linking import _rent
from warehouse.migrate import migrate

HEADER_A = "postcode,huisnummer,huisnummer_toevoeging,wijkteam,datum,soort,bereikt,dagdeel"
HEADER_R = "postcode,huisnummer,huisnummer_toevoeging,wijkteam,datum,eindresultaat"


@pytest.fixture
def con():
    con = duckdb.connect()
    migrate(con)
    con.execute(
        "insert into ref_address values "
        "('1501FI-12', '1501FI', 12, null, 'Kade', 'Zaandam', 'Zaanstad', 'O', 'B', 't1')"
    )
    return con


def _write(folder, attempts, results):
    folder.mkdir(exist_ok=True)
    (folder / "contactpogingen.csv").write_text("\n".join([HEADER_A, *attempts]) + "\n")
    (folder / "resultaten.csv").write_text("\n".join([HEADER_R, *results]) + "\n")


def test_values_outside_the_ddas_vocabulary_are_refused(con, tmp_path):
    _write(tmp_path, ["1501FI,12,,t1,2026-09-01,Postduif,ja,Ochtend"], [])
    with pytest.raises(RegistrationError, match="Postduif"):
        load_registrations(con, tmp_path)


def test_import_is_replaced_and_portal_rows_are_kept(con, tmp_path):
    con.execute(
        "insert into reg_contact_attempt values "
        "('portal', '1501FI-12', 't1', '2026-10-01', 'Telefoon', true, 'Middag', now())"
    )
    _write(tmp_path, ["1501FI,12,,t1,2026-09-01,Telefoon,nee,Ochtend"] * 2, [])
    assert load_registrations(con, tmp_path) == (2, 0)
    assert load_registrations(con, tmp_path) == (2, 0)
    counts = dict(con.execute("select source, count(*) from reg_contact_attempt group by 1").fetchall())
    assert counts == {"import": 2, "portal": 1}


def test_a_recent_follow_up_result_marks_an_active_trajectory_as_of_its_date(con, tmp_path):
    _rent(con, "a", "1501FI-12", "p1", date(2026, 10, 1))
    _write(
        tmp_path,
        ["1501FI,12,,t1,2026-10-10,Huisbezoek,ja,Middag"],
        ["1501FI,12,,t1,2026-10-12,Vervolghulp en/of verwijzing financieel"],
    )
    load_registrations(con, tmp_path)
    link_signals(con)
    parameters = default_ruleset().features.model_dump(mode="json")
    for as_of, expected in ((date(2026, 10, 11), False), (date(2026, 10, 31), True)):
        build_features(con, as_of, parameters)
        row = con.execute(
            "select has_active_trajectory, was_reached_recently from int_household__features "
            "where as_of_date = ?",
            [as_of],
        ).fetchall()[0]
        assert row == (expected, True)
