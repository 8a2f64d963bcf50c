"""Reading a CSV delivery row by row: a bad line is a finding on that line, never a failed file.

The text is split into physical lines and grouped into records in polars (set-based, no loop over
rows): a record starts on a line when the double quotes before it are balanced, so a quoted value
with a line break keeps its record on the line an editor shows it on, and every later record
keeps its own editor line number. Then, per record:

- a record of only separators and whitespace (`;;;;`, a blank line) is not data and not counted;
- a record with more or fewer fields than the header is quarantined as a whole with the line and
  both counts (trailing empty fields beyond the header are tolerated: some exports end every line
  with a separator);
- a record whose quotes never close is quarantined as unreadable;
- the others are parsed into text cells (polars; Python's csv module when polars cannot parse
  what is left, e.g. a stray quote inside a value).
"""

from __future__ import annotations

import csv
import io

import polars as pl

from signals import reasons
from signals.delivery import LINE_FINDINGS_SCHEMA, LINE_NO, DeliveryRejected

_QUOTED = r'"(?:[^"]|"")*"'
_RECORD = "record"


def choose_separator(header: str) -> str:
    """Semicolon or comma, whichever the header uses more (outside quotes); tabs are refused."""
    bare = header.replace('""', "")
    semicolons, commas = bare.count(";"), bare.count(",")
    if "\t" in header and max(semicolons, commas) == 0:
        raise DeliveryRejected(reasons.TAB_SEPARATED)
    return ";" if semicolons > commas else ","


def _records(text: str) -> pl.DataFrame:
    """Records with the editor line they start on: `line_no`, `text`, `closed`."""
    lines = (
        pl.Series("text", [text])
        .str.split("\n")
        .explode()
        .str.strip_suffix("\r")
        .to_frame()
        .with_row_index(LINE_NO, offset=1)
        .with_columns(pl.col(LINE_NO).cast(pl.Int64))
    )
    if '"' not in text:
        # The common case: no quotes, so every line is a record of its own.
        return lines.with_columns(pl.lit(True).alias("closed"))
    quotes = pl.col("text").str.count_matches('"', literal=True)
    lines = lines.with_columns(
        ((quotes.cum_sum() - quotes) % 2 == 0).alias("starts"),
        (quotes.cum_sum() % 2 == 0).alias("closed"),
    )
    if lines.get_column("starts").all():
        return lines.drop("starts")
    return (
        lines.with_columns(pl.col("starts").cum_sum().alias(_RECORD))
        .group_by(_RECORD, maintain_order=True)
        .agg(pl.col(LINE_NO).first(), pl.col("text").str.join("\n"), pl.col("closed").last())
        .drop(_RECORD)
    )


def _is_blank(separator: str) -> pl.Expr:
    return pl.col("text").str.strip_chars(f" \t\r\n\f\v{separator}").str.len_bytes() == 0


def _field_count(text: pl.Expr, separator: str, quoted: bool) -> pl.Expr:
    bare = text.str.replace_all(_QUOTED, "") if quoted else text
    return bare.str.count_matches(separator, literal=True) + 1


def header_and_records(text: str) -> tuple[str, int, pl.DataFrame]:
    """The header record, its line, and the data records after it (blank ones dropped)."""
    records = _records(text)
    first = records.filter(~_is_blank(";,")).head(1)
    if first.height == 0:
        raise DeliveryRejected(reasons.ONLY_BLANK_LINES)
    header, header_line = first.get_column("text").item(), first.get_column(LINE_NO).item()
    separator = choose_separator(header)
    data = records.filter((pl.col(LINE_NO) > header_line) & ~_is_blank(separator))
    return header, header_line, data


def split_header(header: str, separator: str) -> list[str]:
    return next(csv.reader([header], delimiter=separator, quotechar='"'))


def read_records(data: pl.DataFrame, separator: str, width: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Cells of the well-formed records (`line_no`, `c0`…`c{width-1}`, text) and the findings of the others.

    Records that are not well formed are returned as rows too (every cell null), so every data
    record is counted: rows read = loaded + quarantined.
    """
    quoted = bool(data.height) and data.get_column("text").str.contains('"', literal=True).any()
    fields = _field_count(pl.col("text"), separator, quoted)
    trimmed = pl.col("text").str.replace(rf"[{separator}\s]+$", "")
    counted = data.with_columns(fields.alias("fields")).with_columns(
        pl.when(pl.col("fields") > width)
        .then(_field_count(trimmed, separator, quoted))
        .otherwise(pl.col("fields"))
        .alias("trimmed")
    )
    fits = (pl.col("fields") == width) | ((pl.col("fields") > width) & (pl.col("trimmed") <= width))
    good = counted.filter(pl.col("closed") & fits)
    bad = counted.filter(~(pl.col("closed") & fits))
    findings = bad.select(
        LINE_NO,
        pl.lit(None, dtype=pl.String).alias("column_name"),
        pl.lit(None, dtype=pl.String).alias("value"),
        pl.when(pl.col("closed"))
        .then(pl.lit("field_count"))
        .otherwise(pl.lit("unreadable"))
        .alias("check_name"),
        pl.when(pl.col("closed"))
        .then(
            pl.format(
                reasons.FIELD_COUNT,
                pl.col("fields"),
                pl.lit(width),
                pl.when(pl.col("fields") > width)
                .then(pl.lit(reasons.FIELD_COUNT_TOO_MANY_HINT))
                .otherwise(pl.lit(reasons.FIELD_COUNT_TOO_FEW_HINT)),
            )
        )
        .otherwise(pl.lit(reasons.ROW_UNREADABLE))
        .alias("reason_nl"),
    ).cast(LINE_FINDINGS_SCHEMA)
    # A line with surplus empty fields at the end: cut them so the row has the header's width.
    texts = good.select(
        LINE_NO,
        pl.when(pl.col("fields") > width)
        .then(pl.col("text").str.replace(rf"[{separator}\s]+$", ""))
        .otherwise(pl.col("text"))
        .alias("text"),
    )
    cells, unreadable = _parse(texts, separator, width, quoted)
    findings = pl.concat([findings, unreadable])
    names = [f"c{i}" for i in range(width)]
    empty_rows = findings.select(LINE_NO).with_columns(
        [pl.lit(None, dtype=pl.String).alias(n) for n in names]
    )
    rows = pl.concat([cells, empty_rows]).sort(LINE_NO)
    return rows, findings.sort(LINE_NO)


def _parse(
    texts: pl.DataFrame, separator: str, width: int, quoted: bool
) -> tuple[pl.DataFrame, pl.DataFrame]:
    names = [f"c{i}" for i in range(width)]
    lines = texts.get_column(LINE_NO)
    if texts.height == 0:
        return pl.DataFrame(schema={LINE_NO: pl.Int64, **dict.fromkeys(names, pl.String)}), pl.DataFrame(
            schema=LINE_FINDINGS_SCHEMA
        )
    if not quoted:
        # No quotes anywhere: every separator separates, so split in place.
        cells = texts.select(
            LINE_NO, pl.col("text").str.split_exact(separator, width - 1).struct.rename_fields(names)
        ).unnest("text")
        return cells, pl.DataFrame(schema=LINE_FINDINGS_SCHEMA)
    joined = "\n".join(texts.get_column("text").to_list()) + "\n"
    try:
        cells = pl.read_csv(
            io.StringIO(joined),
            has_header=False,
            new_columns=names,
            separator=separator,
            infer_schema=False,
            quote_char='"',
        )
        if cells.height == texts.height and cells.width == width:
            return cells.insert_column(0, lines), pl.DataFrame(schema=LINE_FINDINGS_SCHEMA)
    except pl.exceptions.PolarsError:
        pass
    # Something polars will not parse (a stray quote inside a value): Python's csv module reads
    # each record on its own; a record it cannot split into the header's width is unreadable.
    parsed = [next(csv.reader([t], delimiter=separator, quotechar='"'), []) for t in texts.get_column("text")]
    fits = pl.Series([len(p) == width for p in parsed])
    cells = pl.DataFrame(
        [p for p in parsed if len(p) == width], schema=dict.fromkeys(names, pl.String), orient="row"
    ).insert_column(0, lines.filter(fits))
    unreadable = pl.DataFrame({LINE_NO: lines.filter(~fits)}).with_columns(
        pl.lit(None, dtype=pl.String).alias("column_name"),
        pl.lit(None, dtype=pl.String).alias("value"),
        pl.lit("unreadable").alias("check_name"),
        pl.lit(reasons.ROW_UNREADABLE).alias("reason_nl"),
    )
    return cells, unreadable.cast(LINE_FINDINGS_SCHEMA)
