"""Reading an XLSX delivery: the archive is checked before anything is inflated in memory.

An XLSX file is a ZIP archive. A hostile one (a "zip bomb") declares, or hides, parts that inflate
to gigabytes. Before the spreadsheet reader sees the bytes, `check_archive` reads the archive's
directory only and refuses an archive whose parts together declare more than
`UNPACKED_LIMIT_MB`, or a part that inflates more than `RATIO_LIMIT` times (real workbooks stay
far below both), or encryption or a compression method Excel does not write. It then inflates
each part in 1 MB pieces, keeping none of them: a part whose data inflates to more than it
declares fails its checksum and the archive is refused as inconsistent. Only then is the first
sheet read (calamine via fastexcel), so peak memory is bounded by the declared sizes.

Rows are numbered as Excel shows them: the header is the first row with a value, and fully empty
rows are not data but keep their numbers.
"""

from __future__ import annotations

import io
import zipfile

import polars as pl

from signals import reasons
from signals.delivery import LINE_NO, DeliveryRejected

# Measured (bench/intake_memory.py, BENCHMARKS.md): a workbook needs ~4.2 MB of memory per MB its
# parts unpack to (44 MB → 185 MB), so 100 MB keeps a delivery under the 500 MB budget; a weekly
# delivery unpacks to a few MB. Real workbooks compress 5-15×; a zip bomb 1,000× and more.
UNPACKED_LIMIT_MB = 100
RATIO_LIMIT = 200
PARTS_LIMIT = 1_000
_CHUNK = 1 << 20
_SMALL_PART = 1 << 20  # parts below 1 MB unpacked cannot make a bomb, whatever their ratio


def _is_workbook(names: set[str]) -> bool:
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def check_archive(data: bytes) -> None:
    """Refuse the archive unless its parts are what an XLSX workbook can be (module docstring)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DeliveryRejected(reasons.XLSX_DAMAGED) from exc
    with archive:
        if not _is_workbook({p.filename for p in parts}):
            raise DeliveryRejected(reasons.ZIP_NOT_XLSX)
        if len(parts) > PARTS_LIMIT:
            raise DeliveryRejected(reasons.archive_too_many_parts(len(parts), PARTS_LIMIT))
        if any(p.flag_bits & 0x1 for p in parts):
            raise DeliveryRejected(reasons.ARCHIVE_ENCRYPTED)
        if any(p.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for p in parts):
            raise DeliveryRejected(reasons.ARCHIVE_METHOD)
        if any(
            p.file_size > _SMALL_PART and p.file_size > RATIO_LIMIT * max(p.compress_size, 1) for p in parts
        ):
            raise DeliveryRejected(reasons.archive_bomb(RATIO_LIMIT))
        unpacked = sum(p.file_size for p in parts)
        if unpacked > UNPACKED_LIMIT_MB * 1_000_000:
            raise DeliveryRejected(reasons.archive_too_large(unpacked // 1_000_000, UNPACKED_LIMIT_MB))
        for part in parts:
            try:
                with archive.open(part) as stream:
                    # zipfile stops at the declared size and then checks the CRC: data beyond
                    # what the directory declares fails here, before any reader inflates it.
                    while stream.read(_CHUNK):
                        pass
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise DeliveryRejected(reasons.ARCHIVE_INCONSISTENT) from exc
            except Exception as exc:  # zlib.error and friends: damaged data
                raise DeliveryRejected(reasons.XLSX_DAMAGED) from exc


def _first_row_with_a_value(data: bytes) -> int | None:
    """The Excel row number of the first sheet's first non-empty row (None: the sheet is empty)."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if any(v is not None and str(v).strip() for v in values):
                return number
        return None
    finally:
        workbook.close()


def read_xlsx(data: bytes) -> tuple[list[str], pl.DataFrame]:
    """The header cells (as text) and the data rows (`line_no` and `c0`…, text, nulls for empty)."""
    import fastexcel

    check_archive(data)
    try:
        first_row = _first_row_with_a_value(data)
        if first_row is None:
            raise DeliveryRejected(reasons.FIRST_SHEET_EMPTY)
        sheet = fastexcel.read_excel(data).load_sheet(0, header_row=None, dtypes="string")
        table = sheet.to_polars()
    except DeliveryRejected:
        raise
    except Exception as exc:  # fastexcel and openpyxl raise their own error types
        raise DeliveryRejected(reasons.XLSX_DAMAGED) from exc
    if table.height == 0:
        raise DeliveryRejected(reasons.FIRST_SHEET_EMPTY)
    names = [f"c{i}" for i in range(table.width)]
    table = table.rename(dict(zip(table.columns, names, strict=True)))
    header = ["" if v is None else str(v) for v in table.row(0)]
    # calamine's first row is the first row with a value: row `first_row` in Excel.
    rows = (
        table.slice(1)
        .with_row_index(LINE_NO, offset=first_row + 1)
        .with_columns(pl.col(LINE_NO).cast(pl.Int64))
        .filter(~pl.all_horizontal(pl.col(names).is_null() | (pl.col(names).str.strip_chars() == "")))
    )
    return header, rows
