"""The indicator SQL on a few inline rows: what counts as an executed eviction, listed before,
lead time, contact before, nuisance reports, and which years a run may recompute."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest
from pydantic import ValidationError

from indicators.compute import compute_indicators, years_to_compute
from indicators.config import IndicatorConfig, YearClosing, indicator_config, recompute_until
from signals.retention import retention
from warehouse.migrate import migrate

CONFIG = IndicatorConfig(
    version="test",
    baseline_year=2025,
    min_cell=5,
    lookback_months=6,
    lead_time_bucket_weeks=(4, 8, 13),
    repeat_window_months=6,
    secondary_label="x",
)
AS_OF = date(2026, 10, 31)


def _eviction(con, ref: str, address: str, contract: str, stage: str, day: date, known: date) -> None:
    con.execute(
        "insert into stg_ontruiming values ('d', 1, 'corp', ?, ?::timestamptz, ?, ?, null, ?, 'huur', ?, ?,"
        " null, null)",
        [ref, known, known, address, contract, stage, day],
    )


def _listed(con, address: str, as_of: date) -> None:
    con.execute(
        """insert into fct_list_entry (as_of_date, wijkteam, household_id, rank, lane, lane_rank, score,
               is_within_capacity, is_new, has_financial_signal, address_key, first_signal_date, reasons_nl,
               rules_fired, suggested_action, wgs_open, rules_version, code_version, run_id)
           values (?, 'team-a', ?, 1, 'vroeg_erop_af', 1, 10, true, true, true, ?, ?, [], [], 'brief', 0,
                   'r', 'c', 'x')
        """,
        [as_of, f"hh-{address}", address, as_of],
    )


@pytest.fixture
def con():
    con = duckdb.connect()
    migrate(con)
    con.execute(
        """insert into ref_buurt values
           ('Aadorp', 'Noord', 'B1', 'team-a', 900, 400, 300),
           ('Aadorp', 'Noord', 'B2', 'team-a', 900, 400, 200),
           ('Aadorp', 'Zuid', 'B3', 'team-b', 900, 400, 250),
           ('Beestad', 'Oost', 'B4', 'team-c', 900, 400, 150)"""
    )
    for key, gemeente, wijk, buurt in [
        ("1000AA-1", "Aadorp", "Noord", "B1"),
        ("1000AA-2", "Aadorp", "Noord", "B2"),
        ("1000AA-3", "Aadorp", "Zuid", "B3"),
        ("2000BB-1", "Beestad", "Oost", "B4"),
    ]:
        con.execute(
            "insert into ref_address values (?, ?, 1, null, 's', 'w', ?, ?, ?, 'team')",
            [key, key[:6], gemeente, wijk, buurt],
        )
    # 1000AA-1: executed in 2026 (delivered twice), listed 10 and 30 weeks before (30 is beyond the
    # 6-month lookback), listed again after; contact 2 weeks before.
    _eviction(con, "r1", "1000AA-1", "C1", "vonnis", date(2026, 1, 10), date(2026, 1, 12))
    _eviction(con, "r2", "1000AA-1", "C1", "ontruiming_uitgevoerd", date(2026, 6, 3), date(2026, 6, 4))
    _eviction(con, "r3", "1000AA-1", "C1", "ontruiming_uitgevoerd", date(2026, 6, 5), date(2026, 6, 8))
    _listed(con, "1000AA-1", date(2026, 3, 25))  # 10 weeks before 3 June
    _listed(con, "1000AA-1", date(2025, 10, 29))  # 31 weeks before: outside the lookback
    _listed(con, "1000AA-1", date(2026, 6, 10))  # after the eviction
    con.execute(
        "insert into reg_contact_attempt values ('portal', '1000AA-1', 'team-a', '2026-05-20',"
        " 'Telefoon', false, null, null)"
    )
    # 1000AA-1 again, another contract: a second eviction at the same address; within its lookback
    # (from 20 April) the address was listed on 10 June (18 weeks before) and contacted on 20 May.
    _eviction(con, "r4", "1000AA-1", "C2", "ontruiming_uitgevoerd", date(2026, 10, 20), date(2026, 10, 21))
    # 1000AA-3: executed in 2025, contact only after it.
    _eviction(con, "r5", "1000AA-3", "C3", "ontruiming_uitgevoerd", date(2025, 4, 1), date(2025, 4, 2))
    con.execute(
        "insert into reg_contact_attempt values ('portal', '1000AA-3', 'team-b', '2025-04-02',"
        " 'Huisbezoek', true, null, null)"
    )
    # 2000BB-1: delivered as executed, then corrected (same bron_referentie) to planned: not counted.
    _eviction(con, "r6", "2000BB-1", "C4", "ontruiming_uitgevoerd", date(2026, 2, 1), date(2026, 2, 2))
    _eviction(con, "r6", "2000BB-1", "C4", "ontruiming_gepland", date(2026, 2, 1), date(2026, 2, 9))
    for ref, address, day in [
        ("o1", "1000AA-2", "2026-03-01"),
        ("o2", "1000AA-2", "2026-04-01"),
        ("o3", "2000BB-1", "2025-05-01"),
    ]:
        con.execute(
            "insert into stg_overlast values ('d', 1, 'corp', ?, ?::timestamptz, ?, ?, null, 'geluid', ?,"
            " null, null, null)",
            [ref, day, day, address, day],
        )
    yield con
    con.close()


def _figure(con, indicator: str, level: str, area: str, year: int) -> tuple:
    return con.execute(
        "select count, denominator, value from agg_indicator"
        " where indicator = ? and level = ? and area = ? and year = ?",
        [indicator, level, area, year],
    ).fetchall()[0]


def test_executed_evictions_are_distinct_address_and_contract_by_year_per_1000_homes(con):
    compute_indicators(con, AS_OF, CONFIG, retention())
    assert _figure(con, "executed_evictions", "wijk", "Noord", 2026) == (2, 500, None)
    assert _figure(con, "executed_evictions", "gemeente", "Aadorp", 2026) == (2, 750, None)
    assert _figure(con, "executed_evictions", "gemeente", "Aadorp", 2025) == (1, 750, None)
    assert _figure(con, "executed_evictions", "gemeente", "Beestad", 2026) == (0, 150, None)
    assert _figure(con, "executed_evictions", "regio", "regio", 2026) == (2, 900, None)


def test_listed_before_lead_time_and_contact_before_within_the_lookback(con):
    compute_indicators(con, AS_OF, CONFIG, retention())
    assert _figure(con, "evictions_listed_before", "wijk", "Noord", 2026)[:2] == (2, 2)
    assert _figure(con, "eviction_lead_time_median_weeks", "wijk", "Noord", 2026) == (2, 2, 14.0)
    buckets = {
        b: _figure(con, f"eviction_lead_time_{b}", "wijk", "Noord", 2026)[0] for b in CONFIG.bucket_labels
    }
    assert buckets == {"0_4w": 0, "4_8w": 0, "8_13w": 1, "13w_plus": 1}
    assert _figure(con, "evictions_contact_before", "wijk", "Noord", 2026)[:2] == (2, 2)
    assert _figure(con, "evictions_contact_before", "wijk", "Zuid", 2025)[:2] == (0, 1)


def test_nuisance_reports_per_wijk_and_year(con):
    compute_indicators(con, AS_OF, CONFIG, retention())
    assert _figure(con, "nuisance_reports", "wijk", "Noord", 2026) == (2, 500, None)
    assert _figure(con, "nuisance_reports", "wijk", "Oost", 2025) == (1, 150, None)
    assert _figure(con, "nuisance_reports", "wijk", "Oost", 2026) == (0, 150, None)


def test_a_closed_year_keeps_its_stored_figures_after_its_rows_are_purged(con):
    first = compute_indicators(con, AS_OF, CONFIG, retention())
    assert first.years == [2025, 2026]
    before = con.sql(
        "select * exclude (computed_as_of) from agg_indicator where year = 2025 order by all"
    ).pl()
    # the retention purge takes the 2025 rows; the next night 2025 is closed, 2026 still open
    con.execute("delete from stg_ontruiming where year(stage_date) = 2025")
    con.execute("delete from stg_overlast where year(report_date) = 2025")
    again = compute_indicators(con, date(2026, 11, 1), CONFIG, retention())
    assert again.years == [2026]
    after = con.sql(
        "select * exclude (computed_as_of) from agg_indicator where year = 2025 order by all"
    ).pl()
    assert after.equals(before)
    assert _figure(con, "executed_evictions", "gemeente", "Aadorp", 2025)[0] == 1


def test_an_open_year_is_recomputed_and_replaced(con):
    # on 1 July only the eviction of June was known (the one of October was delivered later)
    compute_indicators(con, date(2026, 7, 1), CONFIG, retention())
    assert _figure(con, "executed_evictions", "regio", "regio", 2026)[0] == 1
    assert years_to_compute(con, AS_OF, CONFIG, retention()) == [2026]
    compute_indicators(con, AS_OF, CONFIG, retention())
    assert _figure(con, "executed_evictions", "regio", "regio", 2026)[0] == 2
    rows = con.execute("select count(*) from agg_indicator where indicator = 'executed_evictions'").fetchall()
    assert rows[0][0] == 2 * (1 + 2 + 3)  # two years x (region, two gemeenten, three wijken)


def test_recompute_rule_is_the_closing_date_the_retention_terms_can_keep():
    assert recompute_until(2025, indicator_config(), retention()) == date(2026, 4, 1)
    too_long = CONFIG.model_copy(update={"lookback_months": 12})
    with pytest.raises(ValueError, match="retention terms too short"):
        recompute_until(2025, too_long, retention())
    too_late = CONFIG.model_copy(update={"year_closes_on": YearClosing(month=7, day=1)})
    with pytest.raises(ValueError, match="before the year closes on 2026-07-01"):
        recompute_until(2025, too_late, retention())
    with pytest.raises(ValidationError, match="no such day in every year"):
        YearClosing(month=2, day=29)


def _executed(con, year: int) -> tuple[int, date]:
    return con.execute(
        "select count, year_closes_on from agg_indicator"
        " where indicator = 'executed_evictions' and level = 'regio' and year = ?",
        [year],
    ).fetchall()[0]


def test_a_late_delivery_counts_in_its_year_until_the_closing_date_and_not_after(con):
    from indicators.report import closing_nl

    # an eviction of 19 December 2025, delivered on 3 January 2026
    _eviction(con, "r7", "2000BB-1", "C5", "ontruiming_uitgevoerd", date(2025, 12, 19), date(2026, 1, 3))
    compute_indicators(con, date(2025, 12, 31), CONFIG, retention())
    assert _executed(con, 2025) == (1, date(2026, 4, 1))  # not known yet on 31 December
    assert closing_nl(con, 2025) == (
        "Nog open tot 1 april 2026 voor late leveringen: tot dan kunnen de cijfers nog veranderen."
    )
    compute_indicators(con, date(2026, 1, 3), CONFIG, retention())
    assert _executed(con, 2025) == (2, date(2026, 4, 1))  # counts in December's year
    assert years_to_compute(con, date(2026, 3, 31), CONFIG, retention()) == [2025, 2026]
    # an eviction of 20 December 2025 delivered on 1 April 2026, the closing day: 2025 is final
    _eviction(con, "r8", "1000AA-2", "C6", "ontruiming_uitgevoerd", date(2025, 12, 20), date(2026, 4, 1))
    before = con.sql("select * from agg_indicator where year = 2025 order by all").pl()
    result = compute_indicators(con, date(2026, 4, 1), CONFIG, retention())
    assert result.years == [2026]
    assert con.sql("select * from agg_indicator where year = 2025 order by all").pl().equals(before)
    assert _executed(con, 2025) == (2, date(2026, 4, 1))
    assert closing_nl(con, 2025) == (
        "Jaar afgesloten op 1 april 2026: latere leveringen veranderen deze cijfers niet."
    )
    assert closing_nl(con, 2026).startswith("Nog open tot 1 april 2027 voor late leveringen")


def test_no_personal_field_in_the_stored_aggregates(con):
    compute_indicators(con, AS_OF, CONFIG, retention())
    columns = {
        c
        for (c,) in con.execute(
            "select column_name from duckdb_columns() where table_name = 'agg_indicator'"
        ).fetchall()
    }
    assert not columns & {"household_id", "address_key", "postcode", "person_pseudonym", "contract_id"}
    frame = con.sql("select columns(*)::varchar from agg_indicator").pl()
    values = frame.select(pl.concat_str(pl.all().fill_null(""), separator="|"))[:, 0]
    assert values.len() > 0
    assert not values.str.contains("1000AA|2000BB|hh-|C1").any()


def _arrears(con, ref: str, address: str, signal: date, known: date, supplier: str = "corp") -> None:
    con.execute(
        "insert into stg_huurachterstand values ('d', 1, ?, ?, ?::timestamptz, ?, ?, null, 'C', 500, 900, 2,"
        " ?, null, null, ?)",
        [supplier, ref, known, known, address, signal, signal],
    )


def _attempt(con, address: str, day: date, soort: str, reached: bool) -> None:
    con.execute(
        "insert into reg_contact_attempt values ('portal', ?, 'team-a', ?, ?, ?, null, null)",
        [address, day, soort, reached],
    )


def _monitor(con, indicator: str, area: str, year: int, category: str | None = None) -> tuple:
    return con.execute(
        "select count, denominator, value from agg_indicator where indicator = ? and area = ? and year = ?"
        " and category is not distinct from ?",
        [indicator, area, year, category],
    ).fetchall()[0]


def test_monitor_signals_repeats_reach_and_distributions(con):
    # 1000AA-2: signals in Jan, Mar (again within 6 months) and Nov 2025; the Nov row was corrected
    # (a later version of the same delivered row): still one signal. Reached by phone in Feb 2025.
    _arrears(con, "h1", "1000AA-2", date(2025, 1, 10), date(2025, 1, 11))
    _arrears(con, "h2", "1000AA-2", date(2025, 3, 10), date(2025, 3, 11))
    _arrears(con, "h3", "1000AA-2", date(2025, 11, 5), date(2025, 11, 6))
    _arrears(con, "h3", "1000AA-2", date(2025, 11, 5), date(2025, 11, 20))
    # 2000BB-1: one signal in 2026 (Jun), a letter before it does not count as following it up
    _arrears(con, "h4", "2000BB-1", date(2026, 6, 1), date(2026, 6, 2), supplier="water")
    # 1000AA-3: a signal delivered after the as-of date is not known yet
    _arrears(con, "h5", "1000AA-3", date(2026, 10, 1), date(2026, 11, 3))
    _attempt(con, "1000AA-2", date(2025, 2, 1), "Telefoon", True)
    _attempt(con, "2000BB-1", date(2026, 5, 1), "Brief", False)
    con.execute(
        "insert into reg_case_result values ('portal', '1000AA-2', 'team-a', '2025-03-01',"
        " '(Budget)advies en/of quick fix')"
    )
    compute_indicators(con, AS_OF, CONFIG, retention())
    # financial signals, denominator inhabitants (2 buurten x 900 in Noord), months covered
    assert _monitor(con, "financial_signals", "Noord", 2025) == (3, 1800, 12.0)
    count, inhabitants, months = _monitor(con, "financial_signals", "regio", 2026)
    assert (count, inhabitants) == (1, 3600) and months == pytest.approx(12 * 304 / 365)
    assert _monitor(con, "financial_signals_month", "Aadorp", 2025, "03")[0] == 1
    assert _monitor(con, "financial_signals_month", "regio", 2026, "06")[0] == 1
    # address-months 2025: Jan (first), Mar (Jan within 6 months before), Nov (Mar is 8 months before)
    assert _monitor(con, "signalled_again", "Noord", 2025)[:2] == (1, 3)
    # 1000AA-2 signalled in 2025, first on 10 Jan; the phone call of 1 Feb reached them
    assert _monitor(con, "signalled_addresses", "regio", 2025)[0] == 1
    assert _monitor(con, "signalled_reached", "regio", 2025)[:2] == (1, 1)
    # 2000BB-1's only attempt was before its signal: not a follow-up
    assert _monitor(con, "signalled_contact_attempted", "Oost", 2026)[:2] == (0, 1)
    # 2026: this letter and the fixture's phone call at 1000AA-1 (20 May)
    assert _monitor(con, "contact_attempts", "regio", 2026, "Brief")[:2] == (1, 2)
    assert _monitor(con, "contact_attempts", "Aadorp", 2026, "Telefoon")[:2] == (1, 1)
    assert _monitor(con, "case_results", "Aadorp", 2025, "(Budget)advies en/of quick fix")[:2] == (1, 1)
    # distributions are published for the region and the gemeenten, not per wijk
    wijk_rows = con.execute(
        "select count(*) from agg_indicator where level = 'wijk'"
        " and indicator in ('financial_signals_month', 'contact_attempts', 'case_results')"
    ).fetchall()[0][0]
    assert wijk_rows == 0
    categories = con.execute(
        "select count(distinct category) from agg_indicator where indicator = 'case_results'"
    ).fetchall()[0][0]
    assert categories == 16  # the whole DDAS EnumEindresultaat (v1.2), zeros included
