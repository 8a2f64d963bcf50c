"""Retention: after the purge, nothing older than its term remains in any table or file."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from rules.schema import default_ruleset
from signals.retention import RetentionConfig, purge_expired, retention, sweep_files, windows_within_terms
from tests.conftest import history_manifest
from warehouse.store import read_only, working_copy

pytestmark = pytest.mark.flow

PURGE_DATE = date(2026, 10, 31)
EARLIER = date(2026, 4, 30)
# Shorter terms than shipped so that every kind of data has expired rows in the tiny region's 14
# months: household signals 12 months (shipped: 15, for the indicators' closing date), the shipped
# GGD term, and short terms for the rest.
SIGNAL_MONTHS = 12
CONFIG = RetentionConfig.model_validate(
    {
        **retention().model_dump(),
        "signals": {
            feed: {**term.model_dump(), "months": SIGNAL_MONTHS}
            if term.after == "household_last_signal"
            else term.model_dump()
            for feed, term in retention().signals.items()
        },
        "quarantine_months": 3,
        "lists_months": 3,
        "registrations_months": 6,
    }
)
HOUSEHOLD_FEEDS = [f for f, t in CONFIG.signals.items() if t.after == "household_last_signal"]
# the event date of a signal in each staging table
DAY = {
    "huurachterstand": "signal_date",
    "ontruiming": "stage_date",
    "waterafsluiting": "signal_date",
    "ddas": "signal_date",
    "overlast": "report_date",
    "ggd_melding": "report_date",
}


def _cutoff(months: int) -> date:
    return duckdb.sql(f"select (date '{PURGE_DATE}' - interval {months} month)::date").fetchall()[0][0]


def _tables(db: Path) -> dict[str, pl.DataFrame]:
    with read_only(db) as con:
        names = [t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()]
        return {t: con.sql(f'select * from "{t}"').pl() for t in names}  # noqa: S608 - catalogue names


def _unpurged(ws: Path) -> Path:
    """A copy of the purged fixture's warehouse before its purge (beside the workspace)."""
    return ws.with_name(ws.name + "-unpurged.duckdb")


@pytest.fixture(scope="module")
def purged(prefect_server, tiny_region, tmp_path_factory):
    from flows.nightly import nightly

    ws = tmp_path_factory.mktemp("retention")
    for part in ("inbox", "reference", "registraties"):
        shutil.copytree(tiny_region / part, ws / part)
    # Go-live: history in, lists for two dates, nothing purged yet.
    nightly(str(ws), EARLIER, purge=False, history_manifest=history_manifest(ws))
    nightly(str(ws), PURGE_DATE, purge=False)
    before = _tables(ws / "warehouse.duckdb")
    archive_before = {p for p in (ws / "archive").rglob("*") if p.is_file()}
    reports_before = sorted((ws / "reports").glob("*.html"))
    shutil.copyfile(ws / "warehouse.duckdb", _unpurged(ws))
    shutil.copytree(ws / "archive", _unpurged(ws).with_suffix(".archive"))
    with working_copy(ws / "warehouse.duckdb") as working:
        con = duckdb.connect(str(working))
        try:
            result = purge_expired(con, PURGE_DATE, CONFIG, default_ruleset())
        finally:
            con.close()
    with read_only(ws / "warehouse.duckdb") as con:
        swept = sweep_files(con, PURGE_DATE, CONFIG, ws / "reports", ws / "lists", ws)
    return ws, before, _tables(ws / "warehouse.duckdb"), result, swept, archive_before, reports_before


def test_shipped_feature_windows_do_not_look_further_back_than_the_data_is_kept():
    assert windows_within_terms(retention(), default_ruleset()) == []


def test_no_ggd_melding_older_than_its_term_remains(purged):
    _, before, after, result, *_ = purged
    cutoff = _cutoff(CONFIG.signals["ggd_melding"].months)
    assert before["stg_ggd_melding"].filter(pl.col("report_date") <= cutoff).height > 0
    assert after["stg_ggd_melding"].filter(pl.col("report_date") <= cutoff).height == 0
    assert result.deleted["stg_ggd_melding"] > 0


def test_household_signals_remain_only_while_the_address_was_signalled_within_the_term(purged):
    """A necessary condition, computed without the pipeline's household linking: a remaining signal's
    address had a signal within the term, or a trajectory there is still open."""
    _, before, after, result, *_ = purged
    cutoff = _cutoff(SIGNAL_MONTHS)
    w = default_ruleset().features
    signals = pl.concat(
        [
            after[f"stg_{feed}"].select("address_key", pl.col(DAY[feed]).alias("day"))
            for feed in CONFIG.signals
        ]
    )
    recent = set(signals.filter(pl.col("day") > cutoff)["address_key"])
    results = before["reg_case_result"]
    open_trajectory = set(
        results.filter(
            (pl.col("result_date") > PURGE_DATE - pl.duration(days=w.trajectory_window_days))
            & pl.col("eindresultaat").is_in(list(w.trajectory_results))
        )["address_key"]
    )
    deleted = 0
    for feed in HOUSEHOLD_FEEDS:
        remaining = set(after[f"stg_{feed}"]["address_key"])
        assert remaining <= recent | open_trajectory, feed
        deleted += result.deleted[f"stg_{feed}"]
    assert deleted > 0


def test_rows_go_with_their_raw_row_and_contact_details(purged):
    _, before, after, *_ = purged
    loaded = pl.concat([after[f"stg_{feed}"].select("delivery_id", "line_no") for feed in CONFIG.signals])
    raw_loaded = after["raw_rows"].filter(pl.col("is_loaded")).select("delivery_id", "line_no")
    assert raw_loaded.sort(pl.all()).equals(loaded.sort(pl.all()))
    orphans = after["pii_contact"].join(after["raw_rows"], on=["delivery_id", "line_no"], how="anti")
    assert orphans.height == 0
    assert after["pii_contact"].height < before["pii_contact"].height
    # nothing goes unaccounted: per delivery, the raw rows left plus those purged are the rows read
    present = after["raw_rows"].group_by("delivery_id").len("present")
    accepted = (
        after["raw_delivery"]
        .filter(pl.col("status") == "geaccepteerd")
        .join(present, on="delivery_id", how="left")
    )
    assert (accepted["present"].fill_null(0) + accepted["rows_purged"] == accepted["rows_read"]).all()
    assert accepted["rows_purged"].sum() > 0


def test_quarantine_lists_and_registrations_older_than_their_terms_are_gone(purged):
    _, before, after, *_ = purged
    quarantine = _cutoff(CONFIG.quarantine_months)
    old = set(before["raw_delivery"].filter(pl.col("received_date") <= quarantine)["delivery_id"])
    assert old and not set(after["quarantine_finding"]["delivery_id"]) & old
    assert not set(after["raw_rows"].filter(~pl.col("is_loaded"))["delivery_id"]) & old
    lists = _cutoff(CONFIG.lists_months)
    for table in ("int_household__features", "int_rule_hit", "int_household__score", "fct_list_entry"):
        assert before[table].filter(pl.col("as_of_date") <= lists).height > 0, table
        assert after[table].filter(pl.col("as_of_date") <= lists).height == 0, table
        assert after[table].filter(pl.col("as_of_date") == PURGE_DATE).height > 0, table
    registrations = _cutoff(CONFIG.registrations_months)
    assert after["reg_contact_attempt"].filter(pl.col("contact_date") <= registrations).height == 0
    assert after["reg_case_result"].filter(pl.col("result_date") <= registrations).height == 0
    assert before["reg_contact_attempt"].filter(pl.col("contact_date") <= registrations).height > 0


def test_archive_reports_and_list_files_follow_their_data(purged):
    ws, before, after, result, swept, archive_before, reports_before = purged
    deliveries = after["raw_delivery"]
    assert deliveries.height == before["raw_delivery"].height  # what was delivered stays accounted for
    with_rows = set(after["raw_rows"]["delivery_id"])
    quarantine = _cutoff(CONFIG.quarantine_months)
    gone = deliveries.filter(pl.col("archive_purged_at").is_not_null())
    assert gone.height == result.archives_marked > 0
    assert not set(gone["delivery_id"]) & with_rows
    assert (gone["received_date"] <= quarantine).all()
    files = {p for p in (ws / "archive").rglob("*") if p.is_file()}
    assert files == {ws / p for p in deliveries.filter(pl.col("archive_purged_at").is_null())["archive_path"]}
    assert swept.archive_files == len(archive_before - files) > 0
    old = {d[:12] for d in deliveries.filter(pl.col("received_date") <= quarantine)["delivery_id"]}
    remaining_reports = list((ws / "reports").glob("*.*"))
    assert not [r for r in remaining_reports if r.stem.rsplit("_", 1)[-1] in old]
    assert len(remaining_reports) < 2 * len(reports_before)
    assert not (ws / "lists" / EARLIER.isoformat()).exists()
    assert (ws / "lists" / PURGE_DATE.isoformat()).exists()


def test_purging_again_deletes_nothing(purged):
    ws, *_ = purged
    with working_copy(ws / "warehouse.duckdb") as working:
        con = duckdb.connect(str(working))
        try:
            again = purge_expired(con, PURGE_DATE, CONFIG, default_ruleset())
        finally:
            con.close()
    assert again.total == 0 and again.archives_marked == 0


def test_one_purge_reaches_the_fixed_point_when_a_ggd_melding_was_a_households_last_signal(purged, tmp_path):
    """A household whose last signal is a GGD melding past its (shorter) term: the melding goes, and
    with it the household's last recent signal, so its older signals are past their term too — in
    the same purge, not in the next one (a rerun of a night must equal the night)."""
    ws, *_ = purged
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(_unpurged(ws), db)
    ggd_term = CONFIG.signals["ggd_melding"].months
    feeds = [feed for feed in CONFIG.signals if feed != "huurachterstand"]
    others = " union ".join(f"select address_key from stg_{feed}" for feed in feeds)  # noqa: S608
    con = duckdb.connect(str(db))
    try:
        # a household whose every signal is past the household term (it would go whole anyway) ...
        address, person = con.execute(
            f"""select address_key, any_value(person_pseudonym)
                from stg_huurachterstand
                group by address_key
                having count(distinct person_pseudonym) = 1 and max(signal_date) <= ?
                   and address_key not in (
                       {others}
                   )
                order by address_key limit 1""",  # noqa: S608 - feed names from the config
            [_cutoff(SIGNAL_MONTHS)],
        ).fetchall()[0]
        # ... gets a GGD melding a month past the GGD term, within the household term
        con.execute(
            "update stg_ggd_melding set address_key = ?, person_pseudonym = ?, report_date = ?"
            " where rowid = (select min(rowid) from stg_ggd_melding)",
            [address, person, _cutoff(ggd_term + 1)],
        )
        con.execute("delete from int_signal__linked_state")  # link again from what is staged
        first = purge_expired(con, PURGE_DATE, CONFIG, default_ruleset())
        left = con.execute(
            "select count(*) from stg_huurachterstand where address_key = ?", [address]
        ).fetchall()[0][0]
        again = purge_expired(con, PURGE_DATE, CONFIG, default_ruleset())
    finally:
        con.close()
    assert first.deleted["stg_ggd_melding"] > 0
    assert left == 0  # the household's older signals went in the first purge
    assert again.total == 0 and again.archives_marked == 0


def test_a_copied_workspace_purges_its_own_archive_never_the_originals(purged, tmp_path):
    """Archive paths are relative to the workspace (migration 0024 converts the absolute ones a
    warehouse kept before): a copy or restore elsewhere that purges deletes its own files only."""
    from warehouse.migrate import migration_files

    ws, *_ = purged
    original = tmp_path / "original"
    original.mkdir()
    shutil.copytree(_unpurged(ws).with_suffix(".archive"), original / "archive")
    shutil.copyfile(_unpurged(ws), original / "warehouse.duckdb")
    (version,) = [v for v, name, _ in migration_files() if "workspace_relative" in name]
    con = duckdb.connect(str(original / "warehouse.duckdb"))
    try:  # as a warehouse written before migration 0024 keeps them: absolute, in the original
        con.execute("update raw_delivery set archive_path = ? || '/' || archive_path", [str(original)])
        con.execute("delete from meta_schema_migration where version = ?", [version])
    finally:
        con.close()
    files_before = {p: p.read_bytes() for p in (original / "archive").rglob("*") if p.is_file()}
    elsewhere = tmp_path / "restored"
    shutil.copytree(original, elsewhere)

    with working_copy(elsewhere / "warehouse.duckdb") as working:  # migrates
        con = duckdb.connect(str(working))
        try:
            purge_expired(con, PURGE_DATE, CONFIG, default_ruleset())
        finally:
            con.close()
    with read_only(elsewhere / "warehouse.duckdb") as con:
        swept = sweep_files(con, PURGE_DATE, CONFIG, elsewhere / "reports", elsewhere / "lists", elsewhere)
        paths = [p for (p,) in con.execute("select archive_path from raw_delivery").fetchall()]

    assert all(p.startswith("archive/") for p in paths), paths[:3]
    assert swept.archive_files > 0
    assert len([p for p in (elsewhere / "archive").rglob("*") if p.is_file()]) == len(files_before) - (
        swept.archive_files
    )
    assert {p: p.read_bytes() for p in (original / "archive").rglob("*") if p.is_file()} == files_before


def test_a_household_signalled_within_the_term_keeps_its_whole_history(purged):
    """Under-retention check: at addresses with one household (at most one person), a signal within
    the term keeps every earlier household signal, however old."""
    _, before, after, *_ = purged
    cutoff = _cutoff(SIGNAL_MONTHS)

    def rows(tables, feeds):
        return pl.concat(
            [
                tables[f"stg_{f}"].select(
                    "delivery_id", "line_no", "address_key", "person_pseudonym", pl.col(DAY[f]).alias("day")
                )
                for f in feeds
            ]
        )

    everything = rows(before, CONFIG.signals)
    people = everything.group_by("address_key").agg(
        pl.col("person_pseudonym").drop_nulls().n_unique().alias("n")
    )
    single = set(people.filter(pl.col("n") <= 1)["address_key"])
    active = set(everything.filter(pl.col("day") > cutoff)["address_key"]) & single
    kept = rows(before, HOUSEHOLD_FEEDS).filter(pl.col("address_key").is_in(active))
    old_kept = kept.filter(pl.col("day") <= cutoff)
    assert old_kept.height > 0  # the case is exercised
    missing = kept.select("delivery_id", "line_no").join(
        rows(after, HOUSEHOLD_FEEDS).select("delivery_id", "line_no"),
        on=["delivery_id", "line_no"],
        how="anti",
    )
    assert missing.height == 0


def test_deleted_rows_stay_in_the_file_until_it_is_compacted(purged, tmp_path):
    """The purge alone leaves expired rows' bytes in the DuckDB file; compaction removes them
    (the nightly flow compacts after every purge that deleted something)."""
    from warehouse.store import compact, rows_kept_on_disk

    ws, *_ = purged
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(ws / "warehouse.duckdb", copy)

    def kept() -> dict[str, tuple[int, int]]:
        con = duckdb.connect(str(copy), read_only=True)
        try:
            tables = [t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()]
            return {t: rows_kept_on_disk(con, t) for t in tables}
        finally:
            con.close()

    before = kept()
    assert any(stored > visible for visible, stored in before.values()), before
    compact(copy)
    after = kept()
    assert all(stored == visible for visible, stored in after.values()), after
    assert {t: v for t, (v, _) in after.items()} == {t: v for t, (v, _) in before.items()}


def test_ddas_export_files_go_after_their_term_dated_by_the_export_log(tmp_path):
    """A v1.2 export names addresses: it is deleted ddas_exports_months after it was made, as its
    line in the export log dates it (not the file's time); a file the log does not name stays."""
    import json

    from signals.retention import _months_before, _sweep_exports

    exports = tmp_path / "exports"
    exports.mkdir()
    cutoff = _months_before(PURGE_DATE, retention().ddas_exports_months)
    made = {"oud.json": cutoff, "nieuw.json": PURGE_DATE, "onbekend.json": None}
    for name, day in made.items():
        (exports / name).write_text("{}")
        if day is not None:
            record = {"exported_at": f"{day.isoformat()}T08:00:00Z", "file": name, "counts": {}}
            with (exports / "ddas_exports.jsonl").open("a") as log:
                log.write(json.dumps(record) + "\n")
    assert _sweep_exports(exports, cutoff) == 1
    assert sorted(p.name for p in exports.iterdir()) == ["ddas_exports.jsonl", "nieuw.json", "onbekend.json"]
    assert _sweep_exports(exports, cutoff) == 0
