"""Typing and checking delivered rows: every offending cell becomes a finding with a Dutch reason.

Casting (text → typed) and the BSN elfproef are done here in polars; the contract's value rules
(required, ranges, enumerations, postcode pattern, date order, conditional requirements) are a
Great Expectations suite per feed (`signals.expectations`). A row with any finding is quarantined.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from signals import reasons
from signals.contracts import Column, FeedContract
from signals.delivery import LINE_NO

if TYPE_CHECKING:
    from signals.expectations import DataDocs

ROW_ID = "row_id"
RECEIVED_DATE = "received_date"
MASKED = reasons.MASKED

FINDINGS_SCHEMA = {
    ROW_ID: pl.Int64,
    "column_name": pl.String,
    "value": pl.String,
    "check_name": pl.String,
    "reason_nl": pl.String,
}

_CAST_REASONS = reasons.CAST


def _decimal(raw: pl.Expr) -> pl.Expr:
    text = raw.str.replace_all(r"[€\s]", "")
    # Decimal comma, possibly with thousands dots (1.234,50); otherwise a decimal point.
    text = (
        pl.when(text.str.contains(","))
        .then(text.str.replace_all(r"\.", "").str.replace(",", "."))
        .otherwise(text)
    )
    # Only digits with one decimal point: "NaN", "inf" and "1e5" would otherwise cast to a number.
    return pl.when(text.str.contains(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")).then(text).cast(pl.Float64, strict=False)


def _integer(raw: pl.Expr) -> pl.Expr:
    # Excel cells read as text may carry a ".0".
    return raw.str.replace(r"\.0+$", "").str.extract(r"^(\d+)$").cast(pl.Int64, strict=False)


def _date(raw: pl.Expr) -> pl.Expr:
    # Excel date cells read as text arrive as "2026-10-01 00:00:00".
    day = raw.str.replace(r"[ T]00:00(:00(\.0+)?)?$", "")
    # chrono accepts one-digit years ('1-10-26' → year 26), so the shape is checked first.
    iso = pl.when(day.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}$")).then(day)
    dutch = pl.when(day.str.contains(r"^\d{1,2}-\d{1,2}-\d{4}$")).then(day)
    return pl.coalesce(
        iso.str.to_date("%Y-%m-%d", strict=False),
        dutch.str.to_date("%d-%m-%Y", strict=False),
    )


def _janee(raw: pl.Expr) -> pl.Expr:
    # The contract says ja/nee; true/false is how XLSX and JSON booleans arrive as text.
    # Abbreviations (j/n, 1/0) are refused: a supplier's export should say what it means.
    low = raw.str.to_lowercase()
    return (
        pl.when(low.is_in(["ja", "true"]))
        .then(True)
        .when(low.is_in(["nee", "false"]))
        .then(False)
        .otherwise(None)
    )


def _bsn(raw: pl.Expr) -> pl.Expr:
    digits = raw.str.replace_all(r"[\s.\-]", "")
    return pl.when(digits.str.contains(r"^\d{8,9}$")).then(digits.str.zfill(9)).otherwise(None)


def _code(raw: pl.Expr) -> pl.Expr:
    """Enumeration values compared like headers: 'Ontruiming gepland' → 'ontruiming_gepland'."""
    return raw.str.strip_chars().str.to_lowercase().str.replace_all(r"[\s\-/]+", "_")


def typed_expression(column: Column) -> pl.Expr:
    raw = pl.col(column.name)
    match column.type:
        case "decimal":
            return _decimal(raw)
        case "integer":
            return _integer(raw)
        case "date":
            return _date(raw)
        case "janee":
            return _janee(raw)
        case "bsn":
            return _bsn(raw)
        case "enum":
            return _code(raw)
        case "postcode":
            return raw.str.to_uppercase().str.replace_all(r"\s", "")
        case _:
            return raw


def elfproef(bsn: pl.Expr) -> pl.Expr:
    """True when a 9-digit BSN passes the elfproef: 9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 (mod 11)."""
    weights = [9, 8, 7, 6, 5, 4, 3, 2, -1]
    total = sum(bsn.str.slice(i, 1).cast(pl.Int64, strict=False) * w for i, w in enumerate(weights))
    return (total % 11 == 0) & (bsn != "000000000")


def _display_value(column: Column, raw: pl.Expr) -> pl.Expr:
    return pl.lit(MASKED) if column.is_person_field else raw


def cast_rows(raw: pl.DataFrame, contract: FeedContract) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed rows (same row ids) and the findings for cells that could not be typed.

    `raw` holds `row_id` and every contract column as text.
    """
    raw = raw.with_columns(pl.col(ROW_ID).cast(pl.Int64))
    typed = raw.select(ROW_ID, *[typed_expression(c).alias(c.name) for c in contract.columns])
    findings = []
    # Same rows in the same order: put raw and typed side by side instead of joining.
    both = typed.hstack(raw.select(pl.col(c.name).alias(f"raw__{c.name}") for c in contract.columns))
    for column in contract.columns:
        reason = _CAST_REASONS.get(column.type)
        if reason is None:
            continue
        bad = both.filter(pl.col(f"raw__{column.name}").is_not_null() & pl.col(column.name).is_null())
        findings.append(
            bad.select(
                ROW_ID,
                pl.lit(column.name).alias("column_name"),
                _display_value(column, pl.col(f"raw__{column.name}")).alias("value"),
                pl.lit(f"type_{column.type}").alias("check_name"),
                pl.lit(reason).alias("reason_nl"),
            )
        )
    if "bsn" in contract.column_names:
        findings.append(
            typed.filter(pl.col("bsn").is_not_null() & ~elfproef(pl.col("bsn"))).select(
                ROW_ID,
                pl.lit("bsn").alias("column_name"),
                pl.lit(MASKED).alias("value"),
                pl.lit("bsn_elfproef").alias("check_name"),
                pl.lit(reasons.BSN_ELFPROEF).alias("reason_nl"),
            )
        )
    # A bad BSN is not loaded: the row is quarantined, so blank it in the typed frame.
    return typed, pl.concat([pl.DataFrame(schema=FINDINGS_SCHEMA), *findings])


def validate_rows(
    raw: pl.DataFrame, contract: FeedContract, docs: DataDocs | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed rows and all findings (casting, elfproef, the feed's expectation suite).

    `raw` holds `row_id`, `received_date` and every contract column as text. One finding per
    (row, column): a cell that could not be typed is not reported again as missing.
    """
    from signals.expectations import run_suite

    typed, cast_findings = cast_rows(raw.drop(RECEIVED_DATE), contract)
    typed = typed.with_columns(raw.get_column(RECEIVED_DATE))
    suite_findings = run_suite(typed, contract, docs)
    findings = (
        pl.concat([cast_findings, suite_findings])
        .unique(subset=[ROW_ID, "column_name"], keep="first", maintain_order=True)
        .sort(ROW_ID, "column_name")
    )
    return typed, _with_delivered_values(findings, raw, contract)


def _with_delivered_values(findings: pl.DataFrame, raw: pl.DataFrame, contract: FeedContract) -> pl.DataFrame:
    """Show the supplier the value as delivered (`1.300,50`), not as typed (`1300.5`)."""
    person = [c.name for c in contract.columns if c.is_person_field]
    columns = [c for c in contract.column_names if c not in person]
    delivered = (
        raw.with_columns(pl.col(ROW_ID).cast(pl.Int64))
        .join(findings.select(ROW_ID).unique(), on=ROW_ID, how="semi")
        .unpivot(index=ROW_ID, on=columns, variable_name="column_name", value_name="delivered")
    )
    return (
        findings.join(delivered, on=[ROW_ID, "column_name"], how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("value") == MASKED)
            .then(pl.col("value"))
            .otherwise(pl.col("delivered"))
            .alias("value")
        )
        .drop("delivered")
    )


__all__ = ["FINDINGS_SCHEMA", "LINE_NO", "RECEIVED_DATE", "ROW_ID", "cast_rows", "validate_rows"]
