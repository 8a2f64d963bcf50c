"""The evaluators' report is drawn by the nightly run, once per year whose inputs changed, and the
evaluator page shows what the nightly drew (drawing the charts takes seconds at country scale)."""

from __future__ import annotations

import shutil

import duckdb

from indicators.config import indicator_config
from indicators.report import render_body, store_reports
from tests.portal.conftest import login, make_client, pristine_copy


def test_the_nightly_stores_every_years_report_as_drawn_from_its_figures(portal_workspace):
    wh = duckdb.connect(str(portal_workspace.warehouse), read_only=True)
    try:
        years = [y for (y,) in wh.execute("select distinct year from agg_indicator order by 1").fetchall()]
        stored = dict(wh.execute("select year, body_html from rpt_indicator_report").fetchall())
        assert sorted(stored) == years
        for year in years:
            assert stored[year] == render_body(wh, year, indicator_config()), year
    finally:
        wh.close()


def test_a_night_draws_again_only_the_years_whose_figures_changed(portal_workspace, tmp_path):
    config = indicator_config()
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(portal_workspace.warehouse, db)
    con = duckdb.connect(str(db))
    try:
        years = [y for (y,) in con.execute("select distinct year from agg_indicator order by 1").fetchall()]
        other = next(y for y in years if y != config.baseline_year)
        assert store_reports(con, config) == [], "nothing changed since the nightly drew them"
        before = dict(con.execute("select year, body_html from rpt_indicator_report").fetchall())

        con.execute("update agg_indicator set count = count + 7 where year = ?", [other])
        assert store_reports(con, config) == [other]
        after = dict(con.execute("select year, body_html from rpt_indicator_report").fetchall())
        assert after[other] == render_body(con, other, config) != before[other]
        assert {y: b for y, b in after.items() if y != other} == {
            y: b for y, b in before.items() if y != other
        }

        # every year is compared with the baseline year: its change redraws them all
        con.execute("update agg_indicator set count = count + 7 where year = ?", [config.baseline_year])
        assert store_reports(con, config) == sorted(years, reverse=True)

        con.execute("delete from agg_indicator where year = ?", [other])
        store_reports(con, config)
        assert other not in {y for (y,) in con.execute("select year from rpt_indicator_report").fetchall()}
    finally:
        con.close()


def _evaluator_page(portal_workspace, tmp_path_factory, name: str, change) -> str:
    """The evaluator page of a copy of the portal workspace whose warehouse `change(con)` altered."""
    root = pristine_copy(portal_workspace, tmp_path_factory, name)
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    try:
        change(con)
    finally:
        con.close()
    client = make_client(root)
    assert login(client, "evaluator").status_code == 303
    page = client.get("/evaluatie")
    assert page.status_code == 200
    return page.text


def test_the_evaluator_page_shows_the_report_the_nightly_stored(portal_workspace, tmp_path_factory):
    def mark_latest(con) -> None:
        con.execute(
            "update rpt_indicator_report set body_html = '<p>Zoals de nacht het tekende.</p>' "
            "where year = (select max(year) from rpt_indicator_report)"
        )

    text = _evaluator_page(portal_workspace, tmp_path_factory, "stored-report-ws", mark_latest)
    assert "Zoals de nacht het tekende." in text


def test_the_evaluator_page_draws_the_report_of_a_warehouse_from_before_the_nightly_did(
    portal_workspace, tmp_path_factory
):
    def unmigrated(con) -> None:
        con.execute("drop table rpt_indicator_report")

    text = _evaluator_page(portal_workspace, tmp_path_factory, "unmigrated-report-ws", unmigrated)
    assert "Uitgevoerde ontruimingen per 1.000 corporatiewoningen" in text
