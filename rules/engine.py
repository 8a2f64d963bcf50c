"""Applying the rules in DuckDB: conditions and Dutch reason texts compiled to SQL.

Feature names are checked against signals.features.FEATURES before they are placed in SQL as
identifiers; every value from a rule file is a bound parameter.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import polars as pl

from rules.lanes import LaneSet
from rules.schema import MONTHS_NL, PLACEHOLDER, Comparison, Condition, Rule, RuleSet
from signals.features import FEATURES

_OPS = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}


class SqlParams:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def _identifier(feature: str) -> str:
    if feature not in FEATURES:
        raise ValueError(f"unknown feature {feature!r}")
    return f'"{feature}"'


def _comparison(c: Comparison, p: SqlParams) -> str:
    col = _identifier(c.feature)
    if c.op == "is_set":
        return f"{col} is not null"
    if c.op == "is_not_set":
        return f"{col} is null"
    if c.op == "between":
        return f"{col} between {p.bind(c.value[0])} and {p.bind(c.value[1])}"
    if c.op == "in":
        return f"{col} in ({', '.join(p.bind(v) for v in c.value)})"
    return f"{col} {_OPS[c.op]} {p.bind(c.value)}"


def condition_sql(cond: Condition, p: SqlParams) -> str:
    parts = [
        condition_sql(x, p) if isinstance(x, Condition) else _comparison(x, p)
        for x in (cond.all or cond.any or ())
    ]
    joiner = " and " if cond.all is not None else " or "
    return "(" + joiner.join(f"coalesce({part}, false)" for part in parts) + ")"


def _formatted(feature: str, fmt: str) -> str:
    col = _identifier(feature)
    match fmt:
        case "eur":
            return f"'€ ' || replace(format('{{:,.0f}}', {col}::double), ',', '.')"
        case "maanden":
            return f"replace(format('{{:.1f}}', {col}::double), '.', ',')"
        case "datum":
            months = "[" + ", ".join(f"'{m}'" for m in MONTHS_NL) + "]"
            return f"day({col}) || ' ' || {months}[month({col})] || ' ' || year({col})"
        case "tekst":
            return f"replace({col}::varchar, '_', ' ')"
        case _:
            return f"{col}::varchar"


def dutch_date_sql(column: str) -> str:
    """SQL that writes a date column as Dutch readers do: 3 september 2026."""
    return _formatted(column, "datum")


def reason_sql(template: str, p: SqlParams) -> str:
    """'Achterstand {arrears_eur:eur}' → SQL concatenating literal parts and formatted values."""
    pieces, pos = [], 0
    for match in PLACEHOLDER.finditer(template):
        if match.start() > pos:
            pieces.append(p.bind(template[pos : match.start()]))
        pieces.append(f"coalesce({_formatted(match.group(1), match.group(2) or '')}, 'onbekend')")
        pos = match.end()
    if pos < len(template):
        pieces.append(p.bind(template[pos:]))
    return " || ".join(pieces)


def rule_sql(
    rule: Rule, p: SqlParams, source: str = "int_household__features", where: str = "as_of_date = $as_of"
) -> str:
    """The hits of one rule in `source` (a table of household features), rows matching `where`."""
    # Identifiers are checked feature names; every value is a bound parameter; `source` and `where`
    # come from this package's callers, never from input.
    if rule.acute is not None:
        dates = ", ".join(_identifier(name) for name in rule.acute.date)
        acute_date, action = f"coalesce({dates})::date", f"{p.bind(rule.acute.action)}::varchar"
    else:
        acute_date, action = "null::date", "null::varchar"
    return (
        f"select as_of_date, household_id, {p.bind(rule.id)} as rule_id, "  # noqa: S608
        f"{p.bind(rule.version)}::integer as rule_version, {p.bind(rule.lane)}::varchar as lane, "
        f"{acute_date} as acute_date, {action} as action_nl, {reason_sql(rule.reason, p)} as reason_nl "
        f"from {source} where {where} and {condition_sql(rule.when, p)}"
    )


def apply_rules(
    con: duckdb.DuckDBPyConnection, ruleset: RuleSet, as_of: date, rules_as_of: date | None = None
) -> int:
    """(Re)build the as-of partition of int_rule_hit; returns the number of hits.

    The rules applied are those valid on `rules_as_of` (default: `as_of` itself, so a past list is
    rebuilt with the rules of its day); a backtest passes today to apply today's catalogue to the
    past.
    """
    p = SqlParams()
    active = ruleset.valid_on(rules_as_of or as_of)
    con.execute("delete from int_rule_hit where as_of_date = ?", [as_of])
    if active:
        union = "\nunion all\n".join(rule_sql(r, p) for r in active)
        con.execute(f"insert into int_rule_hit {union}", {**p.values, "as_of": as_of})
    return con.execute("select count(*) from int_rule_hit where as_of_date = ?", [as_of]).fetchall()[0][0]


def routed_lanes(
    con: duckdb.DuckDBPyConnection,
    ruleset: RuleSet,
    lanes: LaneSet,
    rules_as_of: date,
    source: str,
    where: str = "true",
    params: dict | None = None,
) -> pl.DataFrame:
    """(as_of_date, household_id, lane, acute_date, rules_fired) for every household of `source`
    that at least one rule valid on `rules_as_of` fired for: the lane its rules route it to (the first
    in lane order; null when none routes it), the earliest date of those routing rules, and how many
    rules fired. The same routing the list makes (lists/sql/fct_list_entry.sql), for many dates at
    once: the backtest applies a catalogue to past snapshots with it."""
    p = SqlParams()
    rules = ruleset.valid_on(rules_as_of)
    if not rules:
        return pl.DataFrame(
            schema={
                "as_of_date": pl.Date,
                "household_id": pl.String,
                "lane": pl.String,
                "acute_date": pl.Date,
                "rules_fired": pl.Int64,
            }
        )
    union = "\nunion all\n".join(rule_sql(r, p, source, where) for r in rules)
    order = {code: i for i, code in enumerate(lanes.codes)}
    hits = con.sql(union, params={**(params or {}), **p.values}).pl()
    return (
        hits.with_columns(
            pl.col("lane").replace_strict(order, default=None, return_dtype=pl.Int32).alias("_o")
        )
        .sort("as_of_date", "household_id", "_o", "acute_date", "rule_id", nulls_last=True)
        .group_by("as_of_date", "household_id", maintain_order=True)
        .agg(
            pl.col("lane").drop_nulls().first(),
            pl.col("acute_date").filter(pl.col("lane").is_not_null()).first(),
            pl.len().alias("rules_fired"),
        )
    )


def preview_rule(con: duckdb.DuckDBPyConnection, rule: Rule, as_of: date) -> list[tuple[str, int]]:
    """(wijkteam, households) for whom `rule` fires on `as_of`, from the features of that date."""
    p = SqlParams()
    sql = (
        "select wijkteam, count(*) from int_household__features "  # noqa: S608 - checked identifiers
        f"where as_of_date = $as_of and {condition_sql(rule.when, p)} group by 1 order by 1"
    )
    return con.execute(sql, {**p.values, "as_of": as_of}).fetchall()
