"""A household's status as its team registered it: the assigned worker, a lane override, the last
contact attempt and the latest end result. The portal's list shows it; the list exports carry it.

The portal registers assignments, lane overrides, contact attempts and results in its own SQLite
file (portal.sqlite, portal/state/store.py makes it); contact attempts and results of the previous
registration system are in the warehouse (source 'import', signals/registrations.py). A withdrawn
registration does not count anywhere: the one before it (if any) is the latest. The portal reads
this module (portal/state re-exports `team_marks`); this module never imports the portal.
Override reasons are free text and stay in the portal: no status read here returns them in a frame.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from rules.lanes import default_lanes

# The registrations a coordinator can withdraw: table → its id column.
REGISTRATION_IDS = {
    "contact_attempt": "attempt_id",
    "case_result": "result_id",
    "assignment": "assignment_id",
    "lane_override": "override_id",
}


def not_withdrawn(kind: str, alias: str) -> str:
    """A condition: no withdrawal refers to this row (`kind` is a key of REGISTRATION_IDS, never input)."""
    return (
        f"not exists (select 1 from withdrawal as w where w.kind = '{kind}' "  # noqa: S608 - fixed names
        f"and w.registration_id = {alias}.{REGISTRATION_IDS[kind]})"
    )


def team_marks(con: sqlite3.Connection, wijkteam: str, as_of: date) -> dict[str, dict]:
    """Per household of a team: the latest worker, and the latest lane override for this as-of date.

    `override` is {"lane", "reason", "override_id"}. Withdrawn assignments and overrides do not
    count: the one before (if any) is the latest.
    """
    marks: dict[str, dict] = {}
    for household_id, worker in con.execute(
        "select household_id, worker from assignment as a "  # noqa: S608 - fixed names
        f"where wijkteam = ? and {not_withdrawn('assignment', 'a')} order by assignment_id",
        [wijkteam],
    ):
        marks.setdefault(household_id, {})["worker"] = worker
    for household_id, lane, reason, override_id in con.execute(
        "select household_id, lane, reason, override_id from lane_override as o "  # noqa: S608
        f"where wijkteam = ? and as_of_date = ? and {not_withdrawn('lane_override', 'o')} "
        "order by override_id",
        [wijkteam, as_of.isoformat()],
    ):
        marks.setdefault(household_id, {})["override"] = {
            "lane": lane,
            "reason": reason,
            "override_id": override_id,
        }
    return marks


MARKS_SCHEMA = {
    "wijkteam": pl.String,
    "household_id": pl.String,
    "worker": pl.String,
    "override_lane": pl.String,
}
ATTEMPTS_SCHEMA = {
    "wijkteam": pl.String,
    "address_key": pl.String,
    "contact_date": pl.Date,
    "soort": pl.String,
    "is_reached": pl.Boolean,
    "follow_up_date": pl.Date,
}
RESULTS_SCHEMA = {
    "wijkteam": pl.String,
    "address_key": pl.String,
    "result_date": pl.Date,
    "eindresultaat": pl.String,
}


def _sqlite_frame(con: sqlite3.Connection, sql: str, params: list, schema: dict) -> pl.DataFrame:
    rows = con.execute(sql, params).fetchall()
    # Dates arrive as ISO text; typed explicitly so an empty table has the right columns too.
    as_read = {c: pl.String if t == pl.Date else t for c, t in schema.items()}
    frame = pl.DataFrame([tuple(r) for r in rows], schema=as_read, orient="row", strict=False)
    return frame.with_columns(pl.col(c).str.to_date("%Y-%m-%d") for c, t in schema.items() if t == pl.Date)


def portal_registrations(con: sqlite3.Connection, as_of: date) -> dict[str, pl.DataFrame]:
    """What the portal holds now, withdrawn rows left out, as frames (all teams): `marks` (latest
    worker, and latest lane override of the list of `as_of`, per household), `attempts`, `results`.

    Attempts and results are not cut off at `as_of`: the status is the one at the time of reading
    (a coordinator downloads the night's list and wants today's registrations on it)."""
    assigned = _sqlite_frame(
        con,
        "select wijkteam, household_id, worker from assignment as a "  # noqa: S608 - fixed names
        f"where {not_withdrawn('assignment', 'a')} order by assignment_id",
        [],
        {k: MARKS_SCHEMA[k] for k in ("wijkteam", "household_id", "worker")},
    )
    overridden = _sqlite_frame(
        con,
        "select wijkteam, household_id, lane from lane_override as o "  # noqa: S608 - fixed names
        f"where as_of_date = ? and {not_withdrawn('lane_override', 'o')} order by override_id",
        [as_of.isoformat()],
        {"wijkteam": pl.String, "household_id": pl.String, "override_lane": pl.String},
    )
    keys = ["wijkteam", "household_id"]
    marks = (
        assigned.unique(keys, keep="last", maintain_order=True)
        .join(overridden.unique(keys, keep="last", maintain_order=True), on=keys, how="full", coalesce=True)
        .select(list(MARKS_SCHEMA))
    )
    attempts = _sqlite_frame(
        con,
        "select wijkteam, address_key, contact_date, soort, is_reached = 1, follow_up_date "  # noqa: S608
        "from contact_attempt as c "
        f"where {not_withdrawn('contact_attempt', 'c')}",
        [],
        ATTEMPTS_SCHEMA,
    )
    results = _sqlite_frame(
        con,
        "select wijkteam, address_key, result_date, eindresultaat from case_result as r "  # noqa: S608
        f"where {not_withdrawn('case_result', 'r')}",
        [],
        RESULTS_SCHEMA,
    )
    return {"marks": marks, "attempts": attempts, "results": results}


def imported_registrations(
    wh: duckdb.DuckDBPyConnection, sources: list[str], team: str | None = None
) -> dict[str, pl.DataFrame]:
    """The warehouse's copy of the registrations of these sources ('import': the previous system;
    'portal': the portal's, as the last night took them in), of one team or (None) all, as
    `attempts` and `results` frames."""
    attempts = wh.sql(
        "select wijkteam, address_key, contact_date, soort, is_reached, null::date as follow_up_date "
        "from reg_contact_attempt where list_contains(?, source) and (? is null or wijkteam = ?)",
        params=[sources, team, team],
    ).pl()
    results = wh.sql(
        "select wijkteam, address_key, result_date, eindresultaat from reg_case_result "
        "where list_contains(?, source) and (? is null or wijkteam = ?)",
        params=[sources, team, team],
    ).pl()
    return {"attempts": attempts.cast(ATTEMPTS_SCHEMA), "results": results.cast(RESULTS_SCHEMA)}


def _no_portal() -> dict[str, pl.DataFrame]:
    return {
        "marks": pl.DataFrame(schema=MARKS_SCHEMA),
        "attempts": pl.DataFrame(schema=ATTEMPTS_SCHEMA),
        "results": pl.DataFrame(schema=RESULTS_SCHEMA),
    }


def _status_frames(
    portal: dict[str, pl.DataFrame], imported: dict[str, pl.DataFrame]
) -> dict[str, pl.DataFrame]:
    return {
        "_status_marks": portal["marks"],
        "_status_attempts": pl.concat([portal["attempts"], imported["attempts"]]),
        "_status_results": pl.concat([portal["results"], imported["results"]]),
    }


def register_status(wh: duckdb.DuckDBPyConnection, as_of: date, state_path: Path | None = None) -> list[str]:
    """Register `_status_marks`, `_status_attempts` and `_status_results` on the warehouse connection
    for STATUS_JOINS; returns their names (the caller unregisters them).

    With the portal's file: its registrations as they are now, plus the imported ones from the
    warehouse. Without it (no portal in use, or a nightly run without access): the warehouse copy
    of both sources, and no assignments or overrides.
    """
    if state_path is not None and Path(state_path).exists():
        con = sqlite3.connect(f"file:{Path(state_path).resolve()}?mode=ro", uri=True, timeout=30)
        try:
            con.execute("begin")  # one read: a withdrawal is seen together with what it withdraws
            portal = portal_registrations(con, as_of)
            con.execute("commit")
        finally:
            con.close()
        frames = _status_frames(portal, imported_registrations(wh, ["import"]))
    else:
        frames = _status_frames(_no_portal(), imported_registrations(wh, ["import", "portal"]))
    for name, frame in frames.items():
        wh.register(name, frame)
    return list(frames)


def registrations_stamp(con: sqlite3.Connection) -> tuple:
    """Changes whenever anything that makes up a status is registered or withdrawn (the tables are
    append-only): what the portal caches a team's statuses by."""
    return con.execute(
        "select (select max(attempt_id) from contact_attempt), (select max(result_id) from case_result), "
        "(select max(assignment_id) from assignment), (select max(override_id) from lane_override), "
        "(select max(withdrawal_id) from withdrawal)"
    ).fetchall()[0]


def team_status(
    con: sqlite3.Connection, imported: dict[str, pl.DataFrame], entries: pl.DataFrame, as_of: date
) -> pl.DataFrame:
    """Per entry (wijkteam, household_id, address_key, first_signal_date) its status now: the
    STATUS_COLUMNS, from the portal's registrations (`con`) and the `imported` ones (the warehouse's
    'import' rows, `imported_registrations`). The same joins and words as the exported lists."""
    frames = _status_frames(portal_registrations(con, as_of), imported)
    mem = duckdb.connect()
    try:
        mem.register("e", entries)
        mem.register("_lanes", default_lanes().frame())
        for name, frame in frames.items():
            mem.register(name, frame)
        return mem.sql(f"select e.household_id, {STATUS_COLUMNS} from e {STATUS_JOINS}").pl()  # noqa: S608
    finally:
        mem.close()


# Joined to fct_list_entry `e` (and rules/lanes.py's frame as `_lanes`, for the override's label):
# per entry the latest worker, override, attempt and result. A result on or after the first
# signal closes the household's case for this list; an older one belonged to an earlier case.
STATUS_JOINS = """
left join _status_marks as m on m.wijkteam = e.wijkteam and m.household_id = e.household_id
left join _lanes as ol on ol.lane = m.override_lane
left join (
    select wijkteam, address_key, max(contact_date) as contact_date,
           arg_max(is_reached, (contact_date, is_reached)) as is_reached,
           arg_max(soort, (contact_date, is_reached, soort)) as soort,
           arg_max(follow_up_date, (contact_date, is_reached, follow_up_date)) as follow_up_date
    from _status_attempts group by all
) as c on c.wijkteam = e.wijkteam and c.address_key = e.address_key
left join (
    select wijkteam, address_key, max(result_date) as result_date,
           arg_max(eindresultaat, (result_date, eindresultaat)) as eindresultaat
    from _status_results group by all
) as r on r.wijkteam = e.wijkteam and r.address_key = e.address_key
"""

# A household's status in words, the same on the page and in the exports: closed by an end result
# on or after its first signal; else what the latest contact attempt gave; else no contact yet.
STATUSES = ("nog geen contact", "niet bereikt", "bereikt", "afgesloten")
STATUS_WORDS = """
case
    when r.result_date >= e.first_signal_date then 'afgesloten'
    when c.is_reached then 'bereikt'
    when c.contact_date is not null then 'niet bereikt'
    else 'nog geen contact'
end"""

# The status columns STATUS_JOINS gives, under the names the portal reads.
STATUS_COLUMNS = f"""
    m.worker, ol.lane as override_lane, c.contact_date, c.is_reached, c.soort, c.follow_up_date,
    r.result_date, r.eindresultaat, {STATUS_WORDS} as status"""
