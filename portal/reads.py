"""What the portal reads from the warehouse: one function per page, plain dicts out.

Every function takes a read-only cursor on one version of the warehouse (portal/cache.py
`reading`: the nightly flow swaps the file underneath). No function returns a BSN: the warehouse
holds none, and names come only from pii_contact, for the household viewed of the own team.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from lists.export import ADDRESS_SQL
from rules.lanes import default_lanes
from rules.schema import default_ruleset

# The house number written as on the published lists ("Touwpad 23B", "Kade 3-10").
ENTRY_COLUMNS = """
    e.rank, e.lane, e.lane_rank, e.score, e.is_within_capacity, e.is_new,
    coalesce(e.is_in_trajectory, false) as is_in_trajectory, e.has_financial_signal,
    e.household_id, e.address_key, e.first_signal_date, e.acute_date, e.reasons_nl, e.rule_reasons_nl,
    e.score_points, e.suggested_action, e.risk, e.wgs_open, e.run_id, e.rules_version, e.model_version,
    coalesce(e.is_changed, false) as is_changed, coalesce(e.changes_nl, []) as changes_nl, e.compared_with,
    e.eviction_stage
"""
ADDRESS_COLUMNS = f"{ADDRESS_SQL} as street_address, a.postcode, a.woonplaats, a.wijk, a.buurt"
LIST_COLUMNS = f"{ENTRY_COLUMNS}, {ADDRESS_COLUMNS}"


def latest_as_of(con: duckdb.DuckDBPyConnection) -> date | None:
    return con.execute("select max(as_of_date) from fct_list_entry").fetchall()[0][0]


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    """The rows as dicts, straight from DuckDB's Python values (a detour through a data frame cost
    ~4 ms a query, more than the household page's lookups themselves)."""
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def team_list(con: duckdb.DuckDBPyConnection, team: str, as_of: date) -> list[dict]:
    """One row per household on the team's list, in list order."""
    return _dicts(
        con,
        f"select {LIST_COLUMNS} from fct_list_entry as e inner join ref_address as a using (address_key) "  # noqa: S608
        "where e.as_of_date = ? and e.wijkteam = ? order by e.rank",
        [as_of, team],
    )


def team_signals(con: duckdb.DuckDBPyConnection, team: str, as_of: date) -> dict[str, list[dict]]:
    """Per address of the team's list every signal known on the as-of date, newest event first.

    `delivery_id`, `line_no` and `contact_key` name each signal's delivered row for contact_names.
    One scan for the team (~50 ms at country scale) instead of one per household."""
    key = "contact_row_key(delivery_id, line_no)" if _has_contact_row_key(con) else "null::ubigint"
    return _by(
        _dicts(
            con,
            f"""
            select address_key, feed, supplier_code, event_date, known_date, stage, planned_date,
                   arrears_eur, arrears_months, category, urgency, severity, status, eviction_reason,
                   partner_type, delivery_id, line_no, {key} as contact_key
            from int_signal__linked
            where known_date <= ? and wijkteam = ?
              and address_key in (
                  select address_key from fct_list_entry where as_of_date = ? and wijkteam = ?
              )
            order by address_key, event_date desc, known_date desc, feed
            """,  # noqa: S608 - one of two fixed expressions
            [as_of, team, as_of, team],
        ),
        "address_key",
    )


def contact_names(con: duckdb.DuckDBPyConnection, signals: list[dict]) -> list[dict]:
    """Names and contact details delivered with these signals (pii_contact, by team_signals'
    rows): an index scan on row_key (typed parameters: a value compared in a wider type would make
    DuckDB scan the table), then only the exact delivered rows."""
    if not signals:
        return []
    rows = {(s["delivery_id"], s["line_no"]) for s in signals}
    keys = sorted({s["contact_key"] for s in signals if s["contact_key"] is not None})
    # without keys (a warehouse the nightly has not migrated yet): by delivery, a scan
    column, cast, values = (
        ("row_key", "::ubigint", keys) if keys else ("delivery_id", "", sorted(d for d, _ in rows))
    )
    found = _dicts(
        con,
        f"""
        select delivery_id, line_no, voorletters, tussenvoegsel, achternaam, telefoon, email
        from pii_contact
        where {column} in ({", ".join([f"?{cast}"] * len(values))})
          and (achternaam is not null or telefoon is not null or email is not null)
        """,  # noqa: S608 - fixed names and placeholders only
        values,
    )
    names = {
        (f["voorletters"], f["tussenvoegsel"], f["achternaam"], f["telefoon"], f["email"])
        for f in found
        if (f["delivery_id"], f["line_no"]) in rows
    }
    fields = ("voorletters", "tussenvoegsel", "achternaam", "telefoon", "email")
    ordered = sorted(names, key=lambda n: (n[2] is None, n[2] or "", n[0] is None, n[0] or ""))
    return [dict(zip(fields, n, strict=True)) for n in ordered]


def _has_contact_row_key(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether pii_contact has its row key (migration 0025, made by the first nightly after an upgrade)."""
    (found,) = con.execute(
        "select count(*) from duckdb_columns() where table_name = 'pii_contact' and column_name = 'row_key'"
    ).fetchall()[0]
    return found > 0


def _by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    """Rows grouped by one column (left out of each row), in their order."""
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row.pop(key), []).append(row)
    return grouped


# The household page's facts that are not personal data are read for the whole team at once (a
# few scans, once per warehouse version: portal/coordinator.py caches them), each as household →
# rows; a household's first view then reads only its own signals and contact details, by index.
_TEAM = "household_id in (select household_id from fct_list_entry where as_of_date = ? and wijkteam = ?)"


def team_rule_hits(con: duckdb.DuckDBPyConnection, team: str, as_of: date) -> dict[str, list[dict]]:
    """Per household of the team's list the rules that fired, with the lane each routes to (None: a
    reason only) and the rule's title."""
    titles = {rule.id: rule.title for rule in default_ruleset().rules}
    hits = _dicts(
        con,
        "select household_id, rule_id, rule_version, lane, acute_date, action_nl, reason_nl "  # noqa: S608
        f"from int_rule_hit where as_of_date = ? and {_TEAM} order by household_id, rule_id",
        [as_of, as_of, team],
    )
    return _by([{**hit, "title": titles.get(hit["rule_id"])} for hit in hits], "household_id")


def team_wgs_followup(con: duckdb.DuckDBPyConnection, team: str, as_of: date) -> dict[str, list[dict]]:
    """Per household its financial signals and their Wgs follow-up on the list's as-of date, newest
    first."""
    return _by(
        _dicts(
            con,
            f"""
            select household_id, feed, supplier_code, signal_date, known_date, arrears_eur, channel,
                   status, followed_up_date, is_open
            from fct_wgs_followup
            where as_of_date = ? and {_TEAM}
            order by household_id, signal_date desc, feed, source_ref
            """,  # noqa: S608 - fixed text
            [as_of, as_of, team],
        ),
        "household_id",
    )


def team_scorecards(con: duckdb.DuckDBPyConnection, team: str, as_of: date) -> dict[str, dict]:
    """Per household its points on the as-of date: `contributions` (every term, largest first), and
    apart the terms that raise the estimate (`raising`, plus points) and lower it (`lowering`)."""
    cards = _dicts(
        con,
        "select household_id, model_version, score, risk, contributions from int_household__score "  # noqa: S608
        f"where as_of_date = ? and {_TEAM}",
        [as_of, as_of, team],
    )
    out = {}
    for card in cards:
        contributions = card["contributions"] or []
        out[card.pop("household_id")] = {
            **card,
            "raising": [c for c in contributions if c["points"] > 0],
            "lowering": sorted((c for c in contributions if c["points"] < 0), key=lambda c: c["points"]),
        }
    return out


def team_imported_registrations(
    con: duckdb.DuckDBPyConnection, team: str
) -> dict[str, dict[str, list[dict]]]:
    """Per address what the team registered in the previous system (source 'import'), as
    {"attempts": [...], "results": [...]}; portal rows come from SQLite."""
    attempts = _by(
        _dicts(
            con,
            "select address_key, contact_date, soort, is_reached, dagdeel from reg_contact_attempt "
            "where source = 'import' and wijkteam = ? order by address_key, contact_date desc",
            [team],
        ),
        "address_key",
    )
    results = _by(
        _dicts(
            con,
            "select address_key, result_date, eindresultaat from reg_case_result "
            "where source = 'import' and wijkteam = ? order by address_key, result_date desc",
            [team],
        ),
        "address_key",
    )
    return {
        address: {"attempts": attempts.get(address, []), "results": results.get(address, [])}
        for address in attempts.keys() | results.keys()
    }


def run_of(con: duckdb.DuckDBPyConnection, as_of: date) -> str | None:
    """The run that made the list of this as-of date."""
    row = con.execute("select max(run_id) from fct_list_entry where as_of_date = ?", [as_of]).fetchall()[0]
    return row[0] if row else None


_DELIVERY_COLUMNS = (
    "delivery_id, feed, original_name, channel, received_at, received_date, status, rejection_reason, "
    "rows_read, rows_loaded, rows_quarantined"
)


def supplier_deliveries(
    con: duckdb.DuckDBPyConnection, supplier: str, limit: int = 100, offset: int = 0
) -> list[dict]:
    """A supplier's deliveries the intake has taken in, newest first (one page of them)."""
    return _dicts(
        con,
        f"select {_DELIVERY_COLUMNS} from raw_delivery where supplier_code = ? "  # noqa: S608 - fixed columns
        "order by received_at desc, delivery_id limit ? offset ?",
        [supplier, limit, offset],
    )


def count_supplier_deliveries(con: duckdb.DuckDBPyConnection, supplier: str) -> int:
    row = con.execute("select count(*) from raw_delivery where supplier_code = ?", [supplier]).fetchall()[0]
    return row[0]


def supplier_delivery(con: duckdb.DuckDBPyConnection, supplier: str, delivery_id: str) -> dict | None:
    """One delivery of this supplier (None for another supplier's or an unknown one)."""
    rows = _dicts(
        con,
        f"select {_DELIVERY_COLUMNS} from raw_delivery "  # noqa: S608 - fixed columns
        "where supplier_code = ? and delivery_id = ?",
        [supplier, delivery_id],
    )
    return rows[0] if rows else None


def taken_in(con: duckdb.DuckDBPyConnection, supplier: str, delivery_ids: list[str]) -> set[str]:
    """Which of these files (by SHA-256) the intake has taken in for this supplier."""
    if not delivery_ids:
        return set()
    rows = con.execute(
        "select delivery_id from raw_delivery where supplier_code = ? and list_contains(?, delivery_id)",
        [supplier, delivery_ids],
    ).fetchall()
    return {r[0] for r in rows}


def delivered_before(con: duckdb.DuckDBPyConnection, supplier: str, sha256: str) -> bool:
    row = con.execute(
        "select count(*) from raw_delivery where supplier_code = ? and delivery_id = ?", [supplier, sha256]
    ).fetchall()[0]
    return row[0] > 0


# --- aggregates for evaluators -------------------------------------------------------------------

SUPPRESS_BELOW = 5


def suppress(frame: pl.DataFrame, columns: list[str]) -> list[dict]:
    """Counts 1–4 shown as '< 5' (they could point at a household); 0 and 5 or more as they are."""
    return frame.with_columns(
        pl.when(pl.col(c).is_between(1, SUPPRESS_BELOW - 1))
        .then(pl.lit(f"< {SUPPRESS_BELOW}"))
        .otherwise(pl.col(c).cast(pl.String))
        .alias(c)
        for c in columns
    ).to_dicts()


def list_sizes(con: duckdb.DuckDBPyConnection, dates: int = 6) -> list[dict]:
    """Households on each team's list for the last few as-of dates: in all, per lane, within capacity, new.

    A lane's count is under the key `lane:<code>` (rules/lanes.py names the lanes); 0 where a team
    had nobody in a lane.
    """
    frame = con.sql(
        """
        with recent as (
            select distinct as_of_date from fct_list_entry order by as_of_date desc limit ?
        )
        select e.as_of_date, e.wijkteam, e.lane, count(*) as households,
               count(*) filter (where e.is_within_capacity) as within_capacity,
               count(*) filter (where e.is_new) as new
        from fct_list_entry as e inner join recent using (as_of_date)
        group by all
        """,
        params=[dates],
    ).pl()
    keys = ["as_of_date", "wijkteam"]
    totals = frame.group_by(keys).agg(pl.col("households", "within_capacity", "new").sum())
    lane_columns = [f"lane:{code}" for code in default_lanes().codes]
    for code, column in zip(default_lanes().codes, lane_columns, strict=True):
        in_lane = frame.filter(pl.col("lane") == code).select(*keys, pl.col("households").alias(column))
        totals = totals.join(in_lane, on=keys, how="left").with_columns(pl.col(column).fill_null(0))
    totals = totals.sort(["as_of_date", "wijkteam"], descending=[True, False])
    return suppress(totals, ["households", *lane_columns, "within_capacity", "new"])
