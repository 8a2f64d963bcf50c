"""Scoring households with the live scorecard, in polars, into int_household__score.

The live scorecard is the fitted one in `models/scorecard.json` when `vroeg model train` promoted
it (it beat the prior in the backtest on this installation's history), otherwise the prior
scorecard of rules/prior_scorecard.yaml: every list is ranked by a scorecard from the first night.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from rules.engine import SqlParams, condition_sql
from rules.scorecard import Scorecard, ScorecardSpec, bin_indices, load_prior, load_spec

LIVE_FILE = "scorecard.json"


@dataclass(frozen=True)
class LiveScorecard:
    card: Scorecard
    # Dutch, for the run's warnings: why the prior ranks although a fitted scorecard exists
    note: str | None = None


def live_scorecard(models_dir: Path) -> LiveScorecard:
    """The scorecard that ranks tonight: a promoted fitted one on the current bins, else the prior."""
    spec, path = load_spec(), models_dir / LIVE_FILE
    if not path.exists():
        return LiveScorecard(load_prior())
    card = Scorecard.load(path)
    if card.spec_version != spec.version:
        return LiveScorecard(
            load_prior(),
            f"De getrainde scorekaart {card.version} hoort bij klassen {card.spec_version}, maar "
            f"rules/scorecard.yaml is {spec.version}: de voorlopige scorekaart rangschikt tot "
            "`vroeg model train` een nieuwe heeft getraind en getoetst.",
        )
    return LiveScorecard(card)


def scored_features_sql(
    spec: ScorecardSpec, source: str = "int_household__features", where: str = "as_of_date = $as_of"
) -> tuple[str, dict]:
    """SQL selecting every column of `source` (rows matching `where`, by default one as-of date
    $as_of) plus one boolean column per combination of the spec, compiled by the rules engine; and
    its bound parameters."""
    p = SqlParams()
    combos = "".join(f", {condition_sql(c.when, p)} as {c.name}" for c in spec.combinations)
    # identifiers: combination names (checked by the spec) and a table name from this package
    sql = f"select *{combos} from {source} where {where} order by as_of_date, household_id"  # noqa: S608
    return sql, p.values


def score_households(con: duckdb.DuckDBPyConnection, as_of: date, card: Scorecard) -> int:
    """(Re)build the as-of partition of int_household__score; returns the number of households."""
    con.execute("delete from int_household__score where as_of_date = ?", [as_of])
    spec = load_spec()
    sql, params = scored_features_sql(spec)
    features = con.sql(sql, params={**params, "as_of": as_of}).pl()
    bins = bin_indices(features, spec)
    points = card.contributions(bins)
    parts = [
        pl.struct(
            pl.lit(term.name).alias("feature"),
            pl.lit(card.feature_labels[term.name]).alias("label"),
            bins[term.name]
            .replace_strict(dict(enumerate(card.labels[term.name])), return_dtype=pl.String)
            .alias("bin"),
            points[term.name].alias("points"),
        )
        for term in spec.terms
    ]
    scored = pl.DataFrame({"household_id": features["household_id"], "score": points["score"]}).with_columns(
        pl.lit(as_of).alias("as_of_date"),
        pl.lit(card.version).alias("model_version"),
        pl.Series("risk", card.risk(points["score"].to_numpy())),
        # Largest contributions first; terms with 0 points are kept, so the list adds up.
        _row_lists(features.select(p.alias(f"_{i}") for i, p in enumerate(parts)))
        .list.eval(pl.element().sort_by(pl.element().struct.field("points"), descending=True))
        .alias("contributions"),
    )
    con.register("_scored", scored)
    try:
        con.execute("insert into int_household__score by name select * from _scored")
    finally:
        con.unregister("_scored")
    return scored.height


def _row_lists(columns: pl.DataFrame) -> pl.Series:
    """One list per row of the frame's values, in column order: pl.concat_list, but vectorised.

    polars 2.1's concat_list of struct columns took 2.6 s for 85,000 rows × 13 features (28 s at
    country scale; bench/, BENCHMARKS.md); interleaving the columns and reshaping takes 0.07 s.
    """
    rows, width = columns.height, columns.width
    if rows == 0:
        return pl.Series([], dtype=pl.List(columns.schema[columns.columns[0]]))
    stacked = pl.concat([columns.to_series(j) for j in range(width)])  # column after column
    row_major = np.arange(rows * width).reshape(width, rows).T.ravel()
    return stacked.gather(row_major).reshape((rows, width)).arr.to_list()
