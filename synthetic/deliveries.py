"""Weekly deliveries per supplier and feed, and the mess real deliveries have.

Everything injected is logged for ground_truth/injected.csv with the file and the line number as
the file shows it (header = line 1; JSON files hold one object per line, so the same holds there):
- bad rows, 0-3 in most deliveries, fewer in deliveries of under 20 rows (invalid postcode,
  non-integer huisnummer, negative or absurd amount, achterstand_sinds after signaaldatum, unknown
  enum value, BSN failing the elfproef, a date after the delivery date, a missing required field,
  an address not in the reference table);
  about a third of them is re-delivered correctly a week later under the same bron_referentie;
- corrections: ~1% of rows is delivered with a wrong value and re-delivered a week later with the
  same bron_referentie and the right value;
- duplicate deliveries: ~2% of files arrive twice, byte-identical, under a `_2` name.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

from synthetic.feeds import KNOWN_ON

CORRECTION_SHARE = 0.01
DUPLICATE_SHARE = 0.02
BAD_ROWS_P = (0.35, 0.30, 0.20, 0.15)  # P(0, 1, 2, 3 bad rows in a delivery)
FULL_MESS_ROWS = 20
REDELIVER_BAD_SHARE = 0.3
LATE_SHARE = 0.06  # rows that miss their week (params.Params.reporting_delays overrides per supplier)

_KINDS: dict[str, tuple[str, ...]] = {
    "huurachterstand": (
        "invalid_postcode",
        "non_integer_huisnummer",
        "negative_amount",
        "absurd_amount",
        "since_after_signal",
        "unknown_enum",
        "bsn_elfproef",
        "future_date",
        "missing_required",
        "unknown_address",
    ),
    "ontruiming": (
        "invalid_postcode",
        "non_integer_huisnummer",
        "negative_amount",
        "unknown_enum",
        "bsn_elfproef",
        "future_date",
        "missing_required",
        "unknown_address",
    ),
    "waterafsluiting": (
        "invalid_postcode",
        "non_integer_huisnummer",
        "negative_amount",
        "unknown_enum",
        "bsn_elfproef",
        "future_date",
        "missing_required",
        "unknown_address",
    ),
    "overlast": (
        "invalid_postcode",
        "non_integer_huisnummer",
        "absurd_amount",
        "unknown_enum",
        "future_date",
        "missing_required",
        "unknown_address",
    ),
    "ggd_melding": (
        "invalid_postcode",
        "non_integer_huisnummer",
        "unknown_enum",
        "bsn_elfproef",
        "future_date",
        "missing_required",
        "unknown_address",
    ),
}
_REQUIRED = {
    "huurachterstand": "contractnummer",
    "ontruiming": "fase",
    "waterafsluiting": "klantnummer",
    "overlast": "categorie",
    "ggd_melding": "urgentie",
}
_ENUM = {
    "huurachterstand": ("betalingsregeling", ("misschien", "j", "onbekend")),
    "ontruiming": ("fase", ("vonis", "uitzetting", "dagvaarding verstuurd")),
    "waterafsluiting": ("fase", ("afsluiting", "herinnering 2", "afgesloten?")),
    "overlast": ("categorie", ("lawaai", "burenruzie", "stankoverlast")),
    "ggd_melding": ("urgentie", ("spoed", "normaal", "zeer hoog")),
}
_AMOUNT = {
    "huurachterstand": "achterstand_eur",
    "ontruiming": "achterstand_eur",
    "waterafsluiting": "achterstand_eur",
    "overlast": "ernst",
}


@dataclass
class Stream:
    """All deliveries of one supplier feed.

    rows: typed rows with `_delivery` (day), `_line` (line in its file) and `_row` (row id);
    overrides: (`_row`, column, value, kind) cells whose delivered text replaces the typed value;
    log: injected corrections (file filled in by the writer from `_delivery`);
    duplicates: delivery days whose file is delivered twice.
    """

    rows: pl.DataFrame
    overrides: pl.DataFrame
    log: pl.DataFrame
    duplicates: np.ndarray


def schedule(
    rows: pl.DataFrame,
    weekday: int,
    period_start: int,
    end_day: int,
    rng: np.random.Generator,
    late: tuple[float, int] = (LATE_SHARE, 1),
) -> pl.DataFrame:
    """Put every row in the first weekly delivery after the supplier knew it; a share `late[0]`
    of the rows misses it and comes 1 to `late[1]` weeks later. Rows known before the delivered
    period or delivered after end_day are left out."""
    known = rows["_known_day"].to_numpy().astype(np.int64)
    # 1970-01-01 was a Thursday (weekday 3).
    delivery = known + (weekday - (known + 3) % 7 - 1) % 7 + 1
    share, weeks = late
    u = rng.random(len(known))
    is_late = u < share
    weeks_late = np.zeros(len(known), dtype=np.int64)
    weeks_late[is_late] = 1 + (u[is_late] / share * weeks).astype(np.int64)
    delivery += 7 * weeks_late
    return rows.with_columns(pl.Series("_delivery", delivery.astype(np.int32))).filter(
        (pl.col("_known_day") >= period_start) & (pl.col("_delivery") <= end_day)
    )


def build_stream(rows: pl.DataFrame, feed: str, rng: np.random.Generator) -> Stream:
    """Inject corrections, bad rows and duplicates into scheduled rows and number the lines."""
    rows = rows.with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64))
    days = np.unique(rows["_delivery"].to_numpy())
    next_day = dict(zip(days[:-1].tolist(), days[1:].tolist(), strict=True))
    n = rows.height
    delivery = rows["_delivery"].to_numpy()
    has_next = np.isin(delivery, days[:-1])
    nxt = np.array([next_day.get(d, -1) for d in days.tolist()] + [-1])[np.searchsorted(days, delivery)]

    corrected = has_next & (rng.random(n) < CORRECTION_SHARE)
    # Bad rows: rank the other rows of each delivery randomly and take the first k of them.
    key = np.where(corrected, 2.0, rng.random(n))
    rank = (
        rows.with_columns(pl.Series("_key", key))
        .select(pl.col("_key").rank("ordinal").over("_delivery") - 1)
        .to_series()
        .to_numpy()
    )
    k_per_day = rng.choice(len(BAD_ROWS_P), size=len(days), p=BAD_ROWS_P)
    # Small exports are cleaner: below FULL_MESS_ROWS rows a bad row is kept proportionally, so
    # a tiny test region is not mostly quarantine.
    day_index = np.searchsorted(days, delivery)
    size = np.bincount(day_index, minlength=len(days))[day_index]
    keep = rng.random(n) < np.minimum(1.0, size / FULL_MESS_ROWS)
    bad = ~corrected & (rank < k_per_day[day_index]) & keep
    kinds = np.array(_KINDS[feed])[rng.integers(0, len(_KINDS[feed]), n)]
    redeliver = bad & has_next & (rng.random(n) < REDELIVER_BAD_SHARE)

    true_rows = rows
    rows = _corrupt_values(rows, corrected, feed, rng)
    overrides = _overrides(rows, np.flatnonzero(bad), kinds, feed, rng)
    again = np.flatnonzero(corrected | redeliver)
    repeats = true_rows[again].with_columns(
        pl.Series("_delivery", nxt[again].astype(np.int32)),
        (pl.int_range(pl.len(), dtype=pl.Int64) + n).alias("_row"),
        pl.Series("_repeats", again.astype(np.int64)),
    )
    rows = pl.concat([rows.with_columns(pl.lit(None, pl.Int64).alias("_repeats")), repeats])
    # Lines follow the supplier's export order: by date known, ties in random order.
    rows = (
        rows.with_columns(pl.Series("_tie", rng.random(rows.height)))
        .sort("_delivery", "_known_day", "_tie")
        .with_columns((pl.int_range(pl.len()).over("_delivery") + 2).cast(pl.Int32).alias("_line"))
        .drop("_tie")
    )
    lines = rows.select("_row", "_line", "_delivery")
    overrides = overrides.join(lines, on="_row", how="left", maintain_order="left")
    rep = (
        rows.filter(pl.col("_repeats").is_not_null())
        .select("bron_referentie", "_line", "_delivery", "_repeats")
        .join(
            lines.rename({"_row": "_repeats", "_line": "related_line", "_delivery": "related_delivery"}),
            on="_repeats",
            how="left",
            maintain_order="left",
        )
    )
    was_bad = (
        pl.Series(bad)[rep["_repeats"].cast(pl.Int64)] if rep.height else pl.Series([], dtype=pl.Boolean)
    )
    log = pl.concat(
        [
            rep.select(
                pl.col("_delivery"),
                pl.col("_line"),
                pl.when(pl.lit(was_bad))
                .then(pl.lit("correction_of_rejected"))
                .otherwise(pl.lit("correction"))
                .alias("kind"),
                pl.lit(None, pl.String).alias("column"),
                pl.col("bron_referentie"),
                pl.col("related_delivery"),
                pl.col("related_line"),
            ),
            rep.filter(~pl.lit(was_bad)).select(
                pl.col("related_delivery").alias("_delivery"),
                pl.col("related_line").alias("_line"),
                pl.lit("corrected_later").alias("kind"),
                pl.lit(_CORRUPTED[feed]).alias("column"),
                pl.col("bron_referentie"),
                pl.col("_delivery").alias("related_delivery"),
                pl.col("_line").alias("related_line"),
            ),
            overrides.join(rows.select("_row", "bron_referentie"), on="_row", maintain_order="left").select(
                pl.col("_delivery"),
                pl.col("_line"),
                pl.col("kind"),
                pl.col("column"),
                pl.col("bron_referentie"),
                pl.lit(None, pl.Int32).alias("related_delivery"),
                pl.lit(None, pl.Int32).alias("related_line"),
            ),
        ],
        how="vertical_relaxed",
    )
    duplicates = days[rng.random(len(days)) < DUPLICATE_SHARE]
    return Stream(rows.drop("_repeats"), overrides, log, duplicates)


# The column a correction fixes: the first delivery carried a wrong value in it.
_CORRUPTED = {
    "huurachterstand": "achterstand_eur",
    "ontruiming": "fase_datum",
    "waterafsluiting": "achterstand_eur",
    "overlast": "categorie",
    "ggd_melding": "urgentie",
}


def _corrupt_values(
    rows: pl.DataFrame, mask: np.ndarray, feed: str, rng: np.random.Generator
) -> pl.DataFrame:
    column = _CORRUPTED[feed]
    m = pl.lit(pl.Series(mask))
    factor = pl.lit(pl.Series(1.1 + 0.4 * rng.random(rows.height)))
    wrong = {
        "achterstand_eur": (pl.col(column) * factor).round(2),
        "fase_datum": pl.col(column) - pl.duration(days=7),
        "categorie": pl.lit("overig"),
        "urgentie": pl.when(pl.col(column) == "laag").then(pl.lit("middel")).otherwise(pl.lit("laag")),
    }[column]
    return rows.with_columns(pl.when(m).then(wrong).otherwise(pl.col(column)).alias(column))


def _overrides(
    rows: pl.DataFrame, idx: np.ndarray, kinds: np.ndarray, feed: str, rng: np.random.Generator
) -> pl.DataFrame:
    """The delivered text of each bad cell, written in ISO/point notation (the writer localises)."""
    sub = rows[idx].with_columns(
        pl.Series("kind", kinds[idx]),
        pl.Series("_v", rng.integers(0, 4, len(idx))),
        pl.Series("_d", rng.integers(1, 60, len(idx))),
        pl.Series(
            "_enum",
            np.array(_ENUM[feed][1], dtype=object)[rng.integers(0, len(_ENUM[feed][1]), len(idx))],
            dtype=pl.String,
        ),
    )
    pc, hn = pl.col("postcode"), pl.col("huisnummer").cast(pl.String)
    known = KNOWN_ON[feed]
    enum_col = _ENUM[feed][0]
    amount = _AMOUNT.get(feed, "")
    cases: list[tuple[str, str, pl.Expr]] = [
        (
            "invalid_postcode",
            "postcode",
            pl.when(pl.col("_v") == 0)
            .then(pc.str.slice(0, 5))
            .when(pl.col("_v") == 1)
            .then(pc + pc.str.slice(5, 1))
            .when(pl.col("_v") == 2)
            .then(pl.lit("0") + pc.str.slice(1))
            .otherwise(pc.str.slice(4, 2) + pc.str.slice(0, 4)),
        ),
        (
            "non_integer_huisnummer",
            "huisnummer",
            pl.when(pl.col("_v") == 0)
            .then(hn + "a")
            .when(pl.col("_v") == 1)
            .then(hn + "-" + (pl.col("huisnummer") + 2).cast(pl.String))
            .when(pl.col("_v") == 2)
            .then(hn + ".5")
            .otherwise(pl.lit("nr ") + hn),
        ),
        ("unknown_address", "huisnummer", (pl.col("huisnummer") + 2000).cast(pl.String)),
        (
            "bsn_elfproef",
            "bsn",
            pl.col("_bsn").str.slice(0, 8)
            + ((pl.col("_bsn").str.slice(8, 1).cast(pl.Int32) + 1 + pl.col("_v")) % 10).cast(pl.String),
        ),
        (
            "future_date",
            known,
            (pl.col("_delivery").cast(pl.Date) + pl.duration(days=pl.col("_d"))).dt.strftime("%Y-%m-%d"),
        ),
        ("missing_required", _REQUIRED[feed], pl.lit("")),
        ("unknown_enum", enum_col, pl.col("_enum")),
    ]
    if feed == "huurachterstand":
        cases += [
            (
                "since_after_signal",
                "achterstand_sinds",
                (pl.col("signaaldatum") + pl.duration(days=pl.col("_d"))).dt.strftime("%Y-%m-%d"),
            ),
            (
                "absurd_amount",
                "maandhuur_eur",
                pl.when(pl.col("_v") < 2).then(pl.lit("12500.00")).otherwise(pl.lit("0")),
            ),
        ]
    elif feed == "overlast":
        cases.append(("absurd_amount", "ernst", pl.lit("7")))
    if amount and feed != "overlast":
        cases.append(
            (
                "negative_amount",
                amount,
                pl.lit("-") + pl.col(amount).fill_null(100.0).round(2).cast(pl.String),
            )
        )
    parts = [
        sub.filter(pl.col("kind") == kind).select(
            "_row", pl.lit(column).alias("column"), expr.cast(pl.String).alias("value"), "kind"
        )
        for kind, column, expr in cases
    ]
    return (
        pl.concat(parts)
        if parts
        else pl.DataFrame(
            schema={"_row": pl.Int64, "column": pl.String, "value": pl.String, "kind": pl.String}
        )
    )
