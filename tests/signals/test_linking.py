"""Household linking as of a date: address + pseudonymised person (docs/linking.md)."""

from datetime import UTC, date, datetime

import duckdb
import pytest

from rules.schema import default_ruleset
from signals.features import build_features, link_signals
from warehouse.migrate import migrate

AS_OF = date(2026, 10, 31)
ADDRESSES = ["1501FI-12", "1501FI-14", "1501FI-14-A", "1501FI-16", "1501FI-18"]


@pytest.fixture
def con():
    con = duckdb.connect()
    migrate(con)
    for key in ADDRESSES:
        postcode, number, *suffix = key.split("-")
        con.execute(
            "insert into ref_address values (?, ?, ?, ?, 'Kade', 'Zaandam', 'Zaanstad', 'Oost', 'B1', 't1')",
            [key, postcode, int(number), suffix[0] if suffix else None],
        )
    return con


def _rent(con, ref, address, person, signal_date, known=None):
    known = known or signal_date
    con.execute(
        """insert into stg_huurachterstand values (?, 1, 'corp', ?, ?, ?, ?, ?, 'C', 600, 1200, 2,
           ?, null, null, ?)""",
        [
            ref,
            ref,
            datetime(known.year, known.month, known.day, 7, tzinfo=UTC),
            known,
            address,
            person,
            signal_date,
            signal_date,
        ],
    )


def _nuisance(con, ref, address, report_date):
    con.execute(
        "insert into stg_overlast values (?, 1, 'corp', ?, ?, ?, ?, null, 'geluid', ?, 2, 'open', null)",
        [
            ref,
            ref,
            datetime(report_date.year, report_date.month, report_date.day, 7, tzinfo=UTC),
            report_date,
            address,
            report_date,
        ],
    )


def _households(con, as_of=AS_OF):
    link_signals(con)
    build_features(con, as_of, default_ruleset().features.model_dump(mode="json"))
    return con.execute(
        """select address_key, household_id, households_at_address, has_moved,
                  nuisance_reports_long_window, arrears_signal_date is not null
           from int_household__features where as_of_date = ? order by address_key, household_id""",
        [as_of],
    ).fetchall()


def test_personless_signal_joins_the_only_person_at_the_address(con):
    _rent(con, "a", "1501FI-12", "p1", date(2026, 10, 1))
    _nuisance(con, "b", "1501FI-12", date(2026, 10, 5))
    rows = _households(con)
    assert len(rows) == 1
    assert rows[0][4] == 1 and rows[0][5] is True


def test_two_persons_at_one_address_are_two_households(con):
    _rent(con, "a", "1501FI-14", "p1", date(2026, 10, 1))
    _rent(con, "b", "1501FI-14", "p2", date(2026, 10, 2))
    _nuisance(con, "c", "1501FI-14", date(2026, 10, 5))
    rows = _households(con)
    assert len(rows) == 3  # p1, p2, and the address itself (the nuisance cannot be attributed)
    assert {r[2] for r in rows} == {3}


def test_toevoeging_is_a_different_address(con):
    _rent(con, "a", "1501FI-14", "p1", date(2026, 10, 1))
    _rent(con, "b", "1501FI-14-A", "p2", date(2026, 10, 1))
    rows = _households(con)
    assert [r[0] for r in rows] == ["1501FI-14", "1501FI-14-A"]
    assert all(r[2] == 1 for r in rows)


def test_a_person_at_two_addresses_is_a_move(con):
    _rent(con, "a", "1501FI-16", "p9", date(2026, 6, 1))
    _rent(con, "b", "1501FI-18", "p9", date(2026, 10, 1))
    rows = {r[0]: r for r in _households(con)}
    assert rows["1501FI-16"][3] is False
    assert rows["1501FI-18"][3] is True
    assert rows["1501FI-16"][1] != rows["1501FI-18"][1]


def test_linking_uses_only_what_was_known_on_the_as_of_date(con):
    _nuisance(con, "n", "1501FI-12", date(2026, 9, 1))
    _rent(con, "late", "1501FI-12", "p1", date(2026, 9, 20), known=date(2026, 10, 20))
    before = _households(con, date(2026, 10, 1))
    after = _households(con, date(2026, 10, 31))
    assert len(before) == 1 and before[0][5] is False
    assert len(after) == 1 and after[0][5] is True
    assert before[0][1] != after[0][1]  # the household gained a known person
