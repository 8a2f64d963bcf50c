"""Write a supplier's deliveries in its own file format, each with its received-at moment.

The moments go to the inbox's manifest (`inbox/manifest.csv`, columns path and received_at, path
relative to the inbox; synthetic/generate.py writes it): the pipeline takes a generated history in
as a history import with that manifest (signals/receipts.py). No file's mtime says anything.

Formats: zaanoever semicolon CSV in Windows-1252 with decimal comma, DD-MM-YYYY dates, CRLF line
ends, varying header case/spacing and now and then a free-text `opmerking` column; molenwonen
XLSX with real date cells; wormerhof comma CSV, UTF-8 with BOM; dwnk comma CSV, UTF-8; ggd_zw a
JSON array with one object per line. Byte output depends only on the data and the seed.
"""

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import xlsxwriter

from synthetic.deliveries import Stream
from synthetic.feeds import DATE_COLUMNS, DECIMAL_COLUMNS, FEED_COLUMNS, INTEGER_COLUMNS, Supplier
from synthetic.vocab import OPMERKINGEN

_AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_EXTENSION = {"csv_cp1252": "csv", "csv_bom": "csv", "csv": "csv", "xlsx": "xlsx", "json": "json"}
# Fixed workbook metadata: xlsxwriter would otherwise stamp the current time into docProps.
_XLSX_CREATED = datetime(2026, 1, 1)
OPMERKING_SHARE = 0.15


def received_at(day: int, rng: np.random.Generator) -> datetime:
    """The moment (UTC) a delivery of that day arrives: between 06:00 and 09:00 Europe/Amsterdam."""
    d = date(1970, 1, 1) + timedelta(days=int(day))
    local = datetime(d.year, d.month, d.day, 6, tzinfo=_AMSTERDAM)
    return (local + timedelta(seconds=int(rng.integers(0, 3 * 3600)))).astimezone(UTC)


def write_stream(
    stream: Stream,
    supplier: Supplier,
    code: str,
    feed: str,
    out_dir: Path,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Write every delivery of the stream; returns the injection log with file names and the
    manifest rows (path relative to the inbox, received_at) of the files written, duplicates
    included."""
    folder = Path("inbox") / code / feed
    (out_dir / folder).mkdir(parents=True, exist_ok=True)
    ext = _EXTENSION[supplier.file_format]
    columns = list(FEED_COLUMNS[feed])
    rows = stream.rows
    text = _as_text(rows, columns, supplier.file_format)
    cells = _localise(stream.overrides, supplier.file_format)
    if supplier.file_format == "json":
        text = _json_lines(rows, cells, columns)
    elif supplier.file_format != "xlsx":
        text = _apply(text, cells, columns)
    days = np.unique(rows["_delivery"].to_numpy())
    names = {int(d): f"{date(1970, 1, 1) + timedelta(days=int(d))}_{feed}" for d in days}
    parts = text.partition_by("_delivery", as_dict=True, maintain_order=True)
    typed = (
        rows.partition_by("_delivery", as_dict=True, maintain_order=True)
        if supplier.file_format == "xlsx"
        else {}
    )
    duplicates = set(stream.duplicates.tolist())
    log = [
        stream.log.with_columns(
            pl.col("_delivery").replace_strict(names, return_dtype=pl.String).alias("file"),
            pl.col("related_delivery")
            .replace_strict(names, default=None, return_dtype=pl.String)
            .alias("related_file"),
        )
    ]
    receipts: list[tuple[str, datetime]] = []
    for day in days.tolist():  # one iteration per delivery file
        key = (day,)
        if supplier.file_format == "xlsx":
            data = _xlsx(typed[key], cells.filter(pl.col("_delivery") == day), columns)
        elif supplier.file_format == "json":
            data = ("[\n" + parts[key]["_json"].str.join(",\n").item() + "\n]\n").encode()
        else:
            data = _csv(parts[key], columns, supplier.file_format, rng)
        path = out_dir / folder / f"{names[day]}.{ext}"
        path.write_bytes(data)
        received = received_at(day, rng)
        receipts.append((f"{code}/{feed}/{path.name}", received))
        if day in duplicates:
            copy = path.with_name(f"{names[day]}_2.{ext}")
            copy.write_bytes(data)
            later = received + timedelta(seconds=int(rng.integers(3600, 72 * 3600)))
            receipts.append((f"{code}/{feed}/{copy.name}", later))
            log.append(
                pl.DataFrame(
                    {
                        "kind": ["duplicate_delivery"],
                        "file": [f"{names[day]}_2"],
                        "related_file": [names[day]],
                    }
                )
            )
    prefix = f"{folder.as_posix()}/"
    frame = pl.concat(log, how="diagonal_relaxed").with_columns(
        (pl.lit(prefix) + pl.col("file").cast(pl.String) + pl.lit(f".{ext}")).alias("file"),
        (pl.lit(prefix) + pl.col("related_file").cast(pl.String) + pl.lit(f".{ext}")).alias("related_file"),
    )
    return frame.select(
        "file",
        pl.col("_line").alias("line"),
        "kind",
        "column",
        "bron_referentie",
        "related_file",
        pl.col("related_line"),
    ), manifest_rows(receipts)


def manifest_rows(receipts: list[tuple[str, datetime]]) -> pl.DataFrame:
    """Manifest rows (signals/receipts.py): the path within the inbox and the ISO 8601 moment in UTC."""
    return pl.DataFrame(
        {"path": [p for p, _ in receipts], "received_at": [r.isoformat() for _, r in receipts]},
        schema={"path": pl.String, "received_at": pl.String},
    )


def _as_text(rows: pl.DataFrame, columns: list[str], fmt: str) -> pl.DataFrame:
    """Every contract column as delivered text (null stays null)."""
    comma = fmt == "csv_cp1252"
    exprs = []
    for c in columns:
        col = pl.col(c)
        if c in DATE_COLUMNS:
            expr = col.dt.strftime("%d-%m-%Y" if comma else "%Y-%m-%d")
        elif c in DECIMAL_COLUMNS:
            cents = (col * 100).round(0).cast(pl.Int64)
            expr = (
                (cents // 100).cast(pl.String)
                + pl.lit("," if comma else ".")
                + (cents % 100).cast(pl.String).str.zfill(2)
            )
        else:
            expr = col.cast(pl.String)
        exprs.append(expr.alias(c))
    return rows.select("_delivery", "_line", "_row", *exprs)


def _localise(cells: pl.DataFrame, fmt: str) -> pl.DataFrame:
    """Override values come in ISO dates and decimal points; zaanoever writes them its own way."""
    if fmt != "csv_cp1252":
        return cells
    iso = pl.col("value").str.contains(r"^\d{4}-\d{2}-\d{2}$")
    return cells.with_columns(
        pl.when(iso)
        .then(pl.col("value").str.strptime(pl.Date, "%Y-%m-%d", strict=False).dt.strftime("%d-%m-%Y"))
        .when(pl.col("column").is_in(list(DECIMAL_COLUMNS)))
        .then(pl.col("value").str.replace(".", ",", literal=True))
        .otherwise(pl.col("value"))
        .alias("value")
    )


def _apply(text: pl.DataFrame, cells: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    for column in cells["column"].unique().sort().to_list():
        # An empty override is a missing value: written as an empty field, not as "".
        fix = cells.filter(pl.col("column") == column).select(
            "_row", pl.col("value").replace("", None).alias("_v"), pl.lit(True).alias("_hit")
        )
        text = (
            text.join(fix, on="_row", how="left", maintain_order="left")
            .with_columns(pl.when(pl.col("_hit")).then(pl.col("_v")).otherwise(pl.col(column)).alias(column))
            .drop("_v", "_hit")
        )
    return text.select("_delivery", "_line", "_row", *columns)


def _csv(part: pl.DataFrame, columns: list[str], fmt: str, rng: np.random.Generator) -> bytes:
    frame = part.select(columns)
    if fmt == "csv_cp1252":
        # 2026-11: the Zaanoever ERP export varies header case/spacing and may add remarks.
        if rng.random() < OPMERKING_SHARE:
            pick = rng.integers(0, len(OPMERKINGEN) * 3, frame.height)
            notes = np.array(list(OPMERKINGEN) + [""] * (2 * len(OPMERKINGEN)))[pick]
            frame = frame.with_columns(pl.Series("opmerking", notes).replace("", None))
        frame = frame.rename(dict(zip(frame.columns, _vary_headers(frame.columns, rng), strict=True)))
        body = frame.write_csv(separator=";", null_value="", line_terminator="\r\n")
        return body.encode("cp1252")
    body = frame.write_csv(separator=",", null_value="")
    return ("\ufeff" + body).encode() if fmt == "csv_bom" else body.encode()


def _vary_headers(names: list[str], rng: np.random.Generator) -> list[str]:
    style = int(rng.integers(0, 4))
    if style == 1:
        names = ["_".join(p.capitalize() for p in n.split("_")) for n in names]
    elif style == 2:
        names = [n.upper() for n in names]
    pad = rng.random(len(names)) < (0.3 if style == 3 else 0.05)
    return [f" {n} " if p else n for n, p in zip(names, pad, strict=True)]


def _xlsx(part: pl.DataFrame, cells: pl.DataFrame, columns: list[str]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties(
        {
            "created": _XLSX_CREATED,
            "author": "Stichting Molenwonen",
            "title": "Export vroegsignalering",
        }
    )
    sheet = book.add_worksheet("Export")
    date_format = book.add_format({"num_format": "dd-mm-yyyy"})
    money = book.add_format({"num_format": "0.00"})
    sheet.write_row(0, 0, columns)
    by_column: dict[str, list[tuple[int, str]]] = {}
    for line, column, value in cells.select("_line", "column", "value").iter_rows():
        by_column.setdefault(column, []).append((line, value))
    for j, column in enumerate(columns):
        values = part[column].to_list()
        for line, value in by_column.get(column, []):  # a few bad cells per file
            values[line - 2] = _typed_override(column, value)
        fmt = date_format if column in DATE_COLUMNS else money if column in DECIMAL_COLUMNS else None
        sheet.write_column(1, j, values, fmt)
    book.close()
    return buffer.getvalue()


def _typed_override(column: str, value: str) -> object:
    """A bad value as Excel would hold it: dates and numbers as cells of that type if they parse."""
    try:
        if column in DATE_COLUMNS:
            return date.fromisoformat(value)
        if column in DECIMAL_COLUMNS or column in INTEGER_COLUMNS:
            number = float(value)
            return int(number) if number.is_integer() and column in INTEGER_COLUMNS else number
    except ValueError:
        pass
    return value or None


def _json_lines(rows: pl.DataFrame, cells: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """One JSON object per row: numbers as numbers, dates as ISO strings, bad cells as strings.
    Generated text never contains quotes or backslashes, so values need no escaping."""
    literal = []
    for c in columns:
        col = pl.col(c)
        if c in DATE_COLUMNS:
            text = pl.lit('"') + col.dt.strftime("%Y-%m-%d") + pl.lit('"')
        elif c in DECIMAL_COLUMNS or c in INTEGER_COLUMNS:
            text = col.cast(pl.String)
        else:
            text = pl.lit('"') + col.cast(pl.String) + pl.lit('"')
        literal.append(text.fill_null("null").alias(c))
    text = rows.select("_delivery", "_line", "_row", *literal)
    quoted = cells.with_columns(
        pl.when(pl.col("value") == "")
        .then(pl.lit("null"))
        .otherwise(pl.lit('"') + pl.col("value") + pl.lit('"'))
        .alias("value")
    )
    text = _apply(text, quoted, columns)
    fields = [pl.lit(f'"{c}": ') + pl.col(c) for c in columns]
    body = pl.concat_str(fields, separator=", ")
    return text.select("_delivery", "_line", (pl.lit("{") + body + pl.lit("}")).alias("_json"))
