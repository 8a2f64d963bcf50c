"""Small-cell protection, applied to every indicator output (tables, CSV files) in one place.

A count from 1 to min_cell - 1 could point at a household: it is shown as "<min_cell" (e.g. "<5"),
and every figure derived from it (rate, share, median, change) is left empty. 0 and counts of
min_cell or more are shown as they are. Numbers are written the Dutch way (decimal comma).
"""

from __future__ import annotations

import polars as pl


def _is_small(column: str, min_cell: int) -> pl.Expr:
    return pl.col(column).is_between(1, min_cell - 1)


def _dutch_number(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).str.replace(".", ",", literal=True)


def suppress(
    frame: pl.DataFrame, counts: list[str], derived: dict[str, list[str]], min_cell: int
) -> pl.DataFrame:
    """All columns of `counts` and `derived` as text, small cells suppressed.

    `derived` maps a figure to the counts it is computed from: it is emptied when any of them is
    small (or missing). Other columns (area names, years) pass unchanged.
    """
    derived_exprs = []
    for column, sources in derived.items():
        small = pl.any_horizontal([_is_small(s, min_cell).fill_null(True) for s in sources])
        derived_exprs.append(
            pl.when(small | pl.col(column).is_null())
            .then(pl.lit(None, pl.String))
            .otherwise(_dutch_number(pl.col(column)))
            .alias(column)
        )
    count_exprs = [
        pl.when(_is_small(c, min_cell))
        .then(pl.lit(f"<{min_cell}"))
        .otherwise(pl.col(c).cast(pl.Int64).cast(pl.String).fill_null(""))
        .alias(c)
        for c in counts
    ]
    return frame.with_columns(derived_exprs).with_columns(count_exprs)
