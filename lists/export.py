"""Writing each team's list as CSV and XLSX for coordinators (Dutch headers), safely.

The XLSX is a table to work in: dates are date cells (d-m-jjjj), the risk a percentage and counts
numbers, with an autofilter over the table and the header row frozen. Both formats carry the lane,
the household's status as its team registered it (lists/status.py) and the address in parts.
Cells that a spreadsheet would run as a formula (starting with = + - @ or a tab/CR) get a leading
apostrophe (OWASP CSV injection), in both formats. Output bytes depend only on the list content,
the registrations and the as-of date, so a rebuilt list is byte-identical.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
from xlsxwriter import Workbook

from lists.placement import placement
from lists.status import STATUS_JOINS, STATUS_WORDS, register_status
from rules.lanes import default_lanes
from rules.scorecard import load_spec
from signals.registry import safe_id, teams
from warehouse.crash_points import crash_point

# A house number with its addition as Dutch addresses are written: "3A" for a letter, "3-10", "3-hs"
# for the rest (never "3 10", which reads as two numbers). Used by the portal too.
ADDRESS_SQL = (
    "concat_ws(' ', a.street, a.house_number::varchar || case "
    "when regexp_full_match(a.house_number_suffix, '[A-Za-z]') then upper(a.house_number_suffix) "
    "else coalesce('-' || a.house_number_suffix, '') end)"
)

# Headers as a coordinator reads them (Dutch, no codes); the lane by its label (rules/lanes.yaml).
# Typed: dates are dates, the risk a fraction and counts integers; the XLSX keeps those types (with
# Dutch number formats), the CSV writes them as Dutch readers do (CSV_TEXT). The team's status
# (lists/status.py) and the address in parts (for letters and mail merge) follow the list columns.
LIST_QUERY = (
    """
select
    e.wijkteam,
    e.rank as "Rang",
    l.lane_label as "Baan",
    e.lane_rank as "Plaats in baan",
    e.acute_date as "Datum (acuut)",
    case when e.is_within_capacity then 'ja' else 'nee' end as "Binnen capaciteit",
    case when not l.is_by_date then e.score end as "Punten",
    e.risk as "Geschatte kans op aanzegging binnen 6 maanden",
    replace(e.eviction_stage, '_', ' ') as "Fase ontruimingsprocedure",
    case when e.is_new then 'ja' else 'nee' end as "Nieuw",
    case when e.is_changed then 'ja' else 'nee' end as "Veranderd",
    array_to_string(e.changes_nl, ' | ') as "Wat is veranderd",
    e.compared_with as "Vergeleken met de lijst van",
    case when e.is_in_trajectory then 'ja' else 'nee' end as "In traject",
    e.wgs_open as "Wgs: signalen die op opvolging wachten",
    ol.lane_label as "Baan aangepast door team",
    m.worker as "Medewerker",
    c.contact_date as "Laatste contactpoging",
    case when c.is_reached then 'ja' when not c.is_reached then 'nee' end as "Bereikt",
    c.soort as "Soort contact",
    r.eindresultaat as "Resultaat",
    r.result_date as "Datum resultaat",
    $status_words as "Status",
    c.follow_up_date as "Opvolgen op",
    $address as "Adres",
    a.street as "Straat",
    a.house_number as "Huisnummer",
    a.house_number_suffix as "Toevoeging",
    a.postcode as "Postcode",
    a.woonplaats as "Woonplaats",
    a.wijk as "Wijk",
    a.buurt as "Buurt",
    e.household_id as "Huishouden",
    e.first_signal_date as "Eerste signaal",
    e.reasons_nl[1] as "Reden 1",
    e.reasons_nl[2] as "Reden 2",
    e.reasons_nl[3] as "Reden 3",
    array_to_string(e.rule_reasons_nl, ' | ') as "Regels",
    e.suggested_action as "Voorgestelde aanpak",
    -- for lists/placement.py (dropped before writing)
    e.lane as _lane, m.override_lane as _override_lane, e.score as _score, e.acute_date as _acute_date,
    e.is_within_capacity as _within, e.eviction_stage as _stage
from fct_list_entry as e
inner join ref_address as a using (address_key)
inner join _lanes as l using (lane)
$status
where e.as_of_date = ?
order by e.wijkteam, e.rank
""".replace("$address", ADDRESS_SQL)
    .replace("$status_words", STATUS_WORDS)
    .replace("$status", STATUS_JOINS)
)
# (constants, no input)

RISK = "Geschatte kans op aanzegging binnen 6 maanden"
# Excel number formats (stored in the file in Excel's own notation; Dutch Excel shows "d-m-jjjj"
# and a decimal comma). Columns not named here: whole numbers as "0", text as it is.
DATE_FORMAT = "d-m-yyyy"
PERCENT_FORMAT = "0.00%"

_FORMULA_START = r"^[=+\-@\t\r]"


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would evaluate with an apostrophe."""
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_FORMULA_START))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c, dtype in frame.schema.items()
        if dtype == pl.String
    )


ACCOUNT_LABELS = {
    "as_of_date": "Peildatum",
    "wijkteam": "Wijkteam",
    "rules_version": "Versie regels",
    "model_version": "Versie scorekaart",
    "code_version": "Versie software",
    "teams_version": "Versie teamindeling",
}  # not the run id: the same list made again gives the same bytes (manifest.json has the run)


def csv_text(frame: pl.DataFrame) -> pl.DataFrame:
    """The typed list as the CSV writes it: dates as 31-10-2026, the risk as 0,37%."""
    return frame.with_columns(
        *(pl.col(c).dt.strftime("%d-%m-%Y") for c, t in frame.schema.items() if t == pl.Date),
        *([_percent(RISK)] if RISK in frame.columns else []),
    )


def _percent(column: str) -> pl.Expr:
    """A fraction as a Dutch percentage with two decimals: 0.0037 -> "0,37%" (null stays null)."""
    hundredths = (
        (pl.col(column) * 100 * 100).round(0, mode="half_away_from_zero").cast(pl.Int64)
    )  # as "{:.2f}" of 100 * risk
    return pl.format("{},{}%", hundredths // 100, (hundredths % 100).cast(pl.String).str.zfill(2)).alias(
        column
    )


def _write_sheet(workbook: Workbook, name: str, frame: pl.DataFrame) -> None:
    """One sheet: a bold header row that stays in view, an autofilter over the table, typed cells
    with Dutch number formats (dates, percentages), columns as wide as their contents."""
    sheet = workbook.add_worksheet(name)
    formats = {
        "header": workbook.add_format({"bold": True, "text_wrap": False}),
        pl.Date: workbook.add_format({"num_format": DATE_FORMAT}),
        RISK: workbook.add_format({"num_format": PERCENT_FORMAT}),
        "integer": workbook.add_format({"num_format": "0"}),
    }
    sheet.write_row(0, 0, frame.columns, formats["header"])
    for col, (column, dtype) in enumerate(frame.schema.items()):
        if column == RISK:
            cell_format = formats[RISK]
        elif dtype == pl.Date:
            cell_format = formats[pl.Date]
        elif dtype.is_integer():
            cell_format = formats["integer"]
        else:
            cell_format = None
        values = frame[column]
        if dtype.is_float():
            values = values.fill_nan(None)
        sheet.write_column(1, col, values.to_list(), cell_format)
    sheet.autofilter(0, 0, frame.height, max(frame.width - 1, 0))
    sheet.freeze_panes(1, 0)
    sheet.autofit()


def _write_xlsx(frame: pl.DataFrame, path: Path, as_of: date, title: str, account: dict[str, str]) -> None:
    workbook = Workbook(str(path), {"in_memory": True})  # no temporary files: ~20% faster a workbook
    # Fixed properties: the same list gives the same bytes.
    workbook.set_properties(
        {
            "title": title,
            "author": "vroegsignalering",
            "created": datetime(as_of.year, as_of.month, as_of.day),
        }
    )
    _write_sheet(workbook, "Lijst", frame)
    # "Verantwoording": which rules, scorecard and software made this list, for whoever reads it later.
    account_frame = pl.DataFrame(
        {
            "Onderdeel": [ACCOUNT_LABELS[k] for k in ACCOUNT_LABELS if k in account],
            "Waarde": [account[k] for k in ACCOUNT_LABELS if k in account],
        },
        schema={"Onderdeel": pl.String, "Waarde": pl.String},
    )
    _write_sheet(workbook, "Verantwoording", account_frame)
    workbook.close()


def _entries(con: duckdb.DuckDBPyConnection, as_of: date, state_path: Path | None) -> pl.DataFrame:
    """The list of `as_of` with each household's status (lists/status.py) and the teams' lane
    overrides applied (lists/placement.py, as the portal shows it), typed, formulas neutralised."""
    con.register("_lanes", default_lanes().frame())
    registered = register_status(con, as_of, state_path)
    try:
        frame = con.sql(LIST_QUERY, params=[as_of]).pl()
    finally:
        for name in ["_lanes", *registered]:
            con.unregister(name)
    # no percentage where the procedure already reached what it estimates (rules/risk_statement.py)
    frame = frame.with_columns(
        pl.when(pl.col("_stage").is_in(load_spec().label_stages))
        .then(None)
        .otherwise(pl.col(RISK))
        .alias(RISK)
    )
    return neutralise_formulas(_placed(frame)).drop(PLACEMENT_COLUMNS)


PLACEMENT_COLUMNS = ["_lane", "_override_lane", "_score", "_acute_date", "_within", "_stage"]


def _placed(frame: pl.DataFrame) -> pl.DataFrame:
    """Teams that moved a household to another lane get their list as placed: the household in its
    new lane at the place that lane's order gives it, ranks and the capacity line as shown."""
    moved_teams = frame.filter(pl.col("_override_lane").is_not_null())["wijkteam"].unique().sort().to_list()
    if not moved_teams:
        return frame
    lanes = default_lanes()
    labels = dict(zip(lanes.codes, (lane.label for lane in lanes.lanes), strict=True))
    parts = [frame.filter(~pl.col("wijkteam").is_in(moved_teams))]
    for team in moved_teams:  # a loop over the few teams with an override, not over rows
        rows = frame.filter(pl.col("wijkteam") == team)
        night = rows.select(
            pl.col("Huishouden").alias("household_id"),
            pl.col("_lane").alias("lane"),
            pl.col("_acute_date").alias("acute_date"),
            pl.col("_score").cast(pl.Int64).alias("score"),
            pl.col("Eerste signaal").alias("first_signal_date"),
            pl.col("_within").alias("is_within_capacity"),
        )
        overrides = rows.select(pl.col("Huishouden").alias("household_id"), pl.col("_override_lane"))
        placed = placement(
            night, overrides.rename({"_override_lane": "override_lane"}), lanes, teams().capacity(team)
        )
        shown = placed.select(
            pl.col("household_id").alias("Huishouden"),
            pl.col("rank").cast(pl.Int32).alias("Rang"),
            pl.col("lane").replace_strict(labels).alias("Baan"),
            pl.col("lane_rank").cast(pl.Int32).alias("Plaats in baan"),
            pl.when(pl.col("is_within_capacity"))
            .then(pl.lit("ja"))
            .otherwise(pl.lit("nee"))
            .alias("Binnen capaciteit"),
            pl.col("lane").alias("_shown_lane"),
        )
        by_date = [lane.code for lane in lanes.lanes if lane.order == "acute_date"]
        updated = (
            shown.join(rows.drop("Rang", "Baan", "Plaats in baan", "Binnen capaciteit"), on="Huishouden")
            .with_columns(
                pl.when(pl.col("_shown_lane").is_in(by_date))
                .then(None)
                .otherwise(pl.col("_score"))
                .alias("Punten")
            )
            .drop("_shown_lane")
        )
        parts.append(updated.select(frame.columns).cast(frame.schema))
    return pl.concat(parts).sort("wijkteam", "Rang")


def _model_versions(con: duckdb.DuckDBPyConnection, as_of: date) -> str:
    models = con.execute(
        "select distinct model_version from fct_list_entry where as_of_date = ? order by 1", [as_of]
    ).fetchall()
    return ", ".join(m for (m,) in models) or "geen"


def write_team_xlsx(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    team: str,
    path: Path,
    versions: dict[str, str],
    state_path: Path | None = None,
) -> int:
    """One team's list as XLSX, the same workbook export_lists writes (the portal's download).

    `state_path`: the portal's file, whose registrations give each household's status now.
    """
    entries = _entries(con, as_of, state_path)
    frame = entries.filter(pl.col("wijkteam") == team).drop("wijkteam")
    account = {
        "as_of_date": as_of.strftime("%d-%m-%Y"),
        "wijkteam": team,
        **versions,
        "model_version": _model_versions(con, as_of),
    }
    _write_xlsx(frame, path, as_of, f"Vroegsignaleringslijst {team} {as_of}", account)
    return frame.height


# Each XLSX workbook costs ~40-60 ms of pure-Python packaging whatever its size; a country has
# ~1,300 teams. Above this many teams per process, the files are written by one process per core
# (bench/, BENCHMARKS.md); below it, starting the processes would cost more than it saves.
_TEAMS_PER_PROCESS = 100


def _write_team_files(target: Path, team: str, frame: pl.DataFrame, as_of: date, versions: dict) -> int:
    csv_bytes = csv_text(frame).write_csv(separator=";").encode("utf-8")
    name = safe_id(team)  # a code as the region writes it may not be a file name
    (target / f"{name}.csv").write_bytes(b"\xef\xbb\xbf" + csv_bytes)
    account = {"as_of_date": as_of.strftime("%d-%m-%Y"), "wijkteam": team, **versions}
    _write_xlsx(frame, target / f"{name}.xlsx", as_of, f"Vroegsignaleringslijst {team} {as_of}", account)
    return frame.height


def _write_team_batch(
    target: Path, batch: list[tuple[str, pl.DataFrame]], as_of: date, versions: dict
) -> dict:
    written = {}
    for done, (team, frame) in enumerate(batch, start=1):
        written[team] = _write_team_files(target, team, frame, as_of, versions)
        if done == len(batch) // 2:
            crash_point("list_files_halfway")
    return written


def export_lists(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    out_dir: Path,
    team_codes: list[str],
    versions: dict[str, str],
    state_path: Path | None = None,
) -> dict[str, int]:
    """Write `<out_dir>/<as_of>/<team safe id>.csv|.xlsx` for every team (empty lists too).

    `state_path`: the portal's file (assignments, overrides and registrations for the status
    columns); without it the status comes from the warehouse's copy of the registrations.
    """
    target = out_dir / as_of.isoformat()
    target.mkdir(parents=True, exist_ok=True)
    entries = _entries(con, as_of, state_path)
    versions = {**versions, "model_version": _model_versions(con, as_of)}
    per_team = entries.partition_by("wijkteam", as_dict=True, include_key=False, maintain_order=True)
    empty = entries.clear().drop("wijkteam")
    jobs = [
        (team, per_team.get((team,), empty))
        for team in sorted(set(team_codes) | set(entries["wijkteam"].unique().to_list()))
    ]
    processes = min(os.cpu_count() or 1, len(jobs) // _TEAMS_PER_PROCESS)
    if processes > 1:
        batches = [jobs[i::processes] for i in range(processes)]
        with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
            written = [pool.submit(_write_team_batch, target, b, as_of, versions) for b in batches]
            done = {team: n for future in written for team, n in future.result().items()}
    else:
        done = _write_team_batch(target, jobs, as_of, versions)
    counts = {team: done[team] for team, _ in jobs}
    manifest = {"as_of_date": as_of.isoformat(), **versions, "entries_per_team": counts}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return counts
