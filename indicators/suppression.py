"""Small-cell protection, applied to every indicator output (tables, CSV files, charts) in one place.

Primary: a count from 1 to min_cell - 1 could point at a household: it is shown as "<min_cell"
(e.g. "<5").

Complementary (secondary): a published total is the sum of the cells below it — the region of its
gemeenten, a gemeente of its wijken, a row total of its categories. When exactly one cell of such a
sum is hidden, subtracting the others from the total gives it back. So whenever a sum has exactly
one hidden member, one more member is hidden too (the smallest positive part; the total when no
part can be), shown as the configured secondary label ("x"), and this repeats until no sum has
exactly one hidden member (hidden cells only ever increase, so it ends).

Every figure derived from a hidden count (rate, share, median, change) is left empty. 0 and counts
that are not hidden are shown as they are. Numbers are written the Dutch way (decimal comma).

The heuristic is the usual one for hierarchical tables (as in statistical offices' "hypercube"
method, without its optimisation): it stops single-cell subtraction within one table; it does not
claim to stop every attack combining several published tables and years.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl


@dataclass(frozen=True)
class Sum:
    """`total` is the sum of `parts`: within a row (columns) or over rows (the same column).

    Over rows: rows are grouped by `by`; in each group the row matching `total_row` is the total
    of the rows matching `part_row`, for every column in `columns`. Within a row: column
    `total_column` is the sum of `part_columns`.
    """

    columns: tuple[str, ...] = ()
    by: tuple[str, ...] = ()
    total_row: pl.Expr | None = None
    part_row: pl.Expr | None = None
    total_column: str | None = None
    part_columns: tuple[str, ...] = field(default=())


def area_hierarchy(columns: list[str], extra_keys: tuple[str, ...] = ()) -> list[Sum]:
    """regio = Σ gemeenten and gemeente = Σ its wijken, for each count column (per `extra_keys`)."""
    level = pl.col("level")
    return [
        Sum(
            columns=tuple(columns),
            by=extra_keys,
            total_row=level == "regio",
            part_row=level == "gemeente",
        ),
        Sum(
            columns=tuple(columns),
            by=(*extra_keys, "gemeente"),
            total_row=level == "gemeente",
            part_row=level == "wijk",
        ),
    ]


def _cells(frame: pl.DataFrame, counts: list[str]) -> pl.DataFrame:
    """One row per (row, column) cell of the count columns: _row, column, count."""
    return (
        frame.select("_row", *counts)
        .unpivot(index="_row", on=counts, variable_name="column", value_name="count")
        .with_columns(pl.col("count").cast(pl.Int64))
    )


def _memberships(frame: pl.DataFrame, sums: list[Sum]) -> pl.DataFrame:
    """Which cells take part in which sum: group, _row, column, is_total."""
    parts = []
    for i, s in enumerate(sums):
        if s.total_column is not None:
            members = [(s.total_column, True), *((c, False) for c in s.part_columns)]
            for column, is_total in members:
                parts.append(
                    frame.select(
                        pl.format("r{}:{}", pl.col("_row"), pl.lit(i)).alias("group"),
                        "_row",
                        pl.lit(column).alias("column"),
                        pl.lit(is_total).alias("is_total"),
                    )
                )
            continue
        keys = [pl.col(k).cast(pl.String).fill_null("∅") for k in s.by]
        group_key = pl.concat_str([pl.lit(str(i)), *keys], separator="|") if keys else pl.lit(str(i))
        rows = frame.filter(s.total_row | s.part_row).select(
            group_key.alias("group_base"), "_row", s.total_row.alias("is_total")
        )
        for column in s.columns:
            parts.append(
                rows.select(
                    pl.format("{}:{}", pl.col("group_base"), pl.lit(column)).alias("group"),
                    "_row",
                    pl.lit(column).alias("column"),
                    "is_total",
                )
            )
    if not parts:
        return pl.DataFrame(
            schema={"group": pl.String, "_row": pl.UInt32, "column": pl.String, "is_total": pl.Boolean}
        )
    members = pl.concat(parts)
    # a sum with a single published member (a gemeente without wijken shown) gives nothing away
    return members.filter(pl.len().over("group") > 1)


def hidden_cells(frame: pl.DataFrame, counts: list[str], sums: list[Sum], min_cell: int) -> pl.DataFrame:
    """The cells to hide: _row, column, reason ('primary' | 'secondary'). `frame` must have `_row`."""
    cells = _cells(frame, counts)
    hidden = cells.filter(pl.col("count").is_between(1, min_cell - 1)).select(
        "_row", "column", pl.lit("primary").alias("reason")
    )
    members = _memberships(frame, sums).join(cells, on=["_row", "column"], how="left")
    while True:
        state = members.join(hidden, on=["_row", "column"], how="left").with_columns(
            pl.col("reason").is_not_null().alias("is_hidden")
        )
        exposed = state.group_by("group").agg(pl.col("is_hidden").sum().alias("n_hidden"))
        exposed = exposed.filter(pl.col("n_hidden") == 1).select("group")
        if exposed.is_empty():
            return hidden
        # per exposed sum, hide the smallest positive part, else the total, else any part
        choice = (
            state.join(exposed, on="group")
            .filter(~pl.col("is_hidden"))
            .with_columns(
                pl.when(~pl.col("is_total") & (pl.col("count") > 0))
                .then(0)
                .when(pl.col("is_total"))
                .then(1)
                .otherwise(2)
                .alias("preference")
            )
            .sort("group", "preference", "count", "_row", "column")
            .group_by("group", maintain_order=True)
            .first()
            .select("_row", "column")
            .unique()
        )
        if choice.is_empty():  # every other member already hidden elsewhere in this round
            return hidden
        hidden = pl.concat([hidden, choice.with_columns(pl.lit("secondary").alias("reason"))]).unique(
            subset=["_row", "column"], keep="first", maintain_order=True
        )


def _dutch_number(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).str.replace(".", ",", literal=True)


def suppress(
    frame: pl.DataFrame,
    counts: list[str],
    derived: dict[str, list[str]],
    min_cell: int,
    sums: list[Sum] | None = None,
    secondary_label: str = "x",
) -> pl.DataFrame:
    """All columns of `counts` and `derived` as text, small cells and their complements hidden.

    `derived` maps a figure to the counts it is computed from: it is emptied when any of them is
    hidden (or missing). `sums` are the additive relations between published counts (see `Sum`);
    without them only primary suppression applies. Other columns (area names, years) pass unchanged.
    """
    frame = frame.with_row_index("_row")
    hidden = hidden_cells(frame, counts, sums or [], min_cell)
    flags = {}
    for column in counts:
        rows = hidden.filter(pl.col("column") == column)
        flags[column] = (
            frame.select("_row")
            .join(rows.select("_row", "reason"), on="_row", how="left")
            .sort("_row")["reason"]
            .alias(f"_hidden_{column}")
        )
    frame = frame.with_columns(flags.values())
    derived_exprs = []
    for column, sources in derived.items():
        gone = pl.any_horizontal(
            [
                (
                    pl.col(f"_hidden_{s}").is_not_null()
                    if s in counts
                    else pl.col(s).is_between(1, min_cell - 1).fill_null(True)
                )
                | pl.col(s).is_null()
                for s in sources
            ]
        )
        derived_exprs.append(
            pl.when(gone | pl.col(column).is_null())
            .then(pl.lit(None, pl.String))
            .otherwise(_dutch_number(pl.col(column)))
            .alias(column)
        )
    count_exprs = [
        pl.when(pl.col(f"_hidden_{c}") == "primary")
        .then(pl.lit(f"<{min_cell}"))
        .when(pl.col(f"_hidden_{c}") == "secondary")
        .then(pl.lit(secondary_label))
        .otherwise(pl.col(c).cast(pl.Int64).cast(pl.String).fill_null(""))
        .alias(c)
        for c in counts
    ]
    return (
        frame.with_columns(derived_exprs)
        .with_columns(count_exprs)
        .drop("_row", *(f"_hidden_{c}" for c in counts))
    )
