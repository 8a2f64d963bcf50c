"""Reading a delivered file into text columns named as in the contract, keeping line numbers.

Everything is read as text: typing happens in `signals.validate`, so that a bad cell becomes a
finding on its own line instead of a failed file. Whole-file problems raise `DeliveryRejected`
with one Dutch sentence for the supplier.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field

import polars as pl

from signals.contracts import FeedContract

LINE_NO = "line_no"
_ZIP_MAGIC = b"PK\x03\x04"
_BOM = b"\xef\xbb\xbf"


class DeliveryRejected(Exception):
    """The delivery as a whole cannot be read; `reason_nl` tells the supplier why."""

    def __init__(self, reason_nl: str, rows: int = 0) -> None:
        super().__init__(reason_nl)
        self.reason_nl = reason_nl
        # Data rows counted before the rejection (0 when the file could not be read at all):
        # they are all quarantined with the delivery, so rows read = loaded + quarantined holds.
        self.rows = rows


@dataclass
class ParsedDelivery:
    """A delivery as text: one column per contract column (null where absent) plus `line_no`."""

    frame: pl.DataFrame
    file_format: str
    warnings_nl: list[str] = field(default_factory=list)


def normalise_header(name: str) -> str:
    """`' Bron Referentie '` and `'BRON-referentie'` both become `'bron_referentie'`."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower()).strip("_")


def _decode(data: bytes) -> str:
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # 2026-11: several corporations' ERP exports are Windows-1252 (Excel's "CSV (;)").
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise DeliveryRejected(
            "Het bestand is niet te lezen: de tekencodering is geen UTF-8 of Windows-1252."
        ) from exc


def _read_csv(data: bytes) -> pl.DataFrame:
    text = _decode(data)
    header = text.split("\n", 1)[0]
    if not header.strip():
        raise DeliveryRejected("Het bestand heeft geen kopregel met kolomnamen op de eerste regel.")
    separator = ";" if header.count(";") > header.count(",") else ","
    names = [normalise_header(h.strip().strip('"')) for h in header.split(separator)]
    doubles = sorted({n for n in names if names.count(n) > 1})
    if doubles:
        raise DeliveryRejected(f"De kolom(men) {', '.join(doubles)} komen meer dan eens voor in de kopregel.")
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            separator=separator,
            infer_schema=False,
            has_header=True,
        )
    except pl.exceptions.PolarsError as exc:
        data_lines = sum(1 for line in text.splitlines()[1:] if line.strip())
        raise DeliveryRejected(
            "Het CSV-bestand is niet te lezen: niet elke regel heeft evenveel kolommen als de kopregel.",
            data_lines,
        ) from exc
    # Header on line 1, so data row i (0-based) is line i + 2. A quoted field with a line break
    # would shift this; the contract has no free-text fields, so it does not occur in valid files.
    return frame.with_row_index(LINE_NO, offset=2)


def _read_xlsx(data: bytes) -> pl.DataFrame:
    try:
        frame = pl.read_excel(io.BytesIO(data), sheet_id=1, infer_schema_length=0)
    except Exception as exc:  # fastexcel raises its own error types
        raise DeliveryRejected("Het Excel-bestand is beschadigd of geen geldig XLSX-bestand.") from exc
    return frame.with_row_index(LINE_NO, offset=2)


def _read_json(data: bytes) -> pl.DataFrame:
    try:
        records = json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        raise DeliveryRejected("Het JSON-bestand is geen geldige JSON.") from exc
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise DeliveryRejected("Het JSON-bestand moet een lijst (array) van objecten zijn.")
    if not records:
        raise DeliveryRejected("Het bestand bevat geen regels.")
    columns = list(dict.fromkeys(k for r in records for k in r))
    as_text = {c: [None if r.get(c) is None else str(r.get(c)) for r in records] for c in columns}
    # Records are numbered from 1; the report calls them "regel" like CSV lines.
    return pl.DataFrame(as_text, schema=dict.fromkeys(columns, pl.String)).with_row_index(LINE_NO, offset=1)


def detect_format(data: bytes, original_name: str) -> str:
    """csv, xlsx or json, by content; the extension only decides between ambiguous cases."""
    suffix = original_name.rsplit(".", 1)[-1].lower() if "." in original_name else ""
    if data.startswith(_ZIP_MAGIC):
        return "xlsx"
    if suffix in ("xlsx", "xlsm"):
        raise DeliveryRejected("Het bestand heeft de extensie .xlsx, maar is geen Excel-bestand.")
    head = data.lstrip(_BOM).lstrip()[:1]
    if head in (b"[", b"{"):
        return "json"
    return "csv"


def parse_delivery(
    data: bytes,
    original_name: str,
    contract: FeedContract,
    header_aliases: dict[str, str] | None = None,
    max_bytes: int | None = None,
) -> ParsedDelivery:
    """Read `data` as a delivery of `contract`'s feed."""
    if not data.strip(b" \r\n\t" + _BOM):
        raise DeliveryRejected("Het bestand is leeg.")
    if max_bytes is not None and len(data) > max_bytes:
        raise DeliveryRejected(
            f"Het bestand is groter dan de toegestane {max_bytes // 1_000_000} MB; lever het in delen."
        )
    file_format = detect_format(data, original_name)
    if contract.feed == "ddas":
        return _read_ddas_delivery(data, file_format, contract)
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "json": _read_json}[file_format]
    frame = reader(data)
    return _conform(frame, file_format, contract, header_aliases or {})


def _read_ddas_delivery(data: bytes, file_format: str, contract: FeedContract) -> ParsedDelivery:
    from signals.ddas import read_ddas

    if file_format != "json":
        raise DeliveryRejected("Een DDAS-levering moet een JSON-bestand zijn.")
    try:
        document = json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        raise DeliveryRejected("Het JSON-bestand is geen geldige JSON.") from exc
    frame, warnings = read_ddas(document)
    parsed = _conform(frame, file_format, contract, {})
    parsed.warnings_nl.extend(warnings)
    return parsed


def _conform(
    frame: pl.DataFrame, file_format: str, contract: FeedContract, aliases: dict[str, str]
) -> ParsedDelivery:
    aliases = {normalise_header(k): normalise_header(v) for k, v in aliases.items()}
    delivered = [c for c in frame.columns if c != LINE_NO]
    renamed = {c: aliases.get(normalise_header(c), normalise_header(c)) for c in delivered}
    targets = list(renamed.values())
    doubles = sorted({t for t in targets if targets.count(t) > 1})
    if doubles:
        raise DeliveryRejected(
            f"De kolom(men) {', '.join(doubles)} komen meer dan eens voor in de kopregel.", frame.height
        )
    known = set(contract.column_names)
    if not known & set(targets):
        raise DeliveryRejected(
            f"De kopregel bevat geen enkele kolom van de feed '{contract.feed}': "
            "is dit het juiste bestand, of ontbreekt de kopregel?",
            frame.height,
        )
    missing = [c.name for c in contract.columns if c.required and c.name not in targets]
    if missing:
        raise DeliveryRejected(
            f"Verplichte kolom(men) ontbreken voor de feed '{contract.feed}': {', '.join(missing)}.",
            frame.height,
        )
    if frame.height == 0:
        raise DeliveryRejected("Het bestand bevat een kopregel maar geen regels.")
    warnings = [
        f"Kolom '{original}' hoort niet bij het contract en is niet opgeslagen "
        "(vrije tekst en onbekende kolommen worden niet geaccepteerd)."
        for original, target in renamed.items()
        if target not in known
    ]
    frame = frame.rename(renamed).select(
        LINE_NO,
        *[
            pl.col(c.name).cast(pl.String).str.strip_chars().replace("", None).alias(c.name)
            if c.name in targets
            else pl.lit(None, dtype=pl.String).alias(c.name)
            for c in contract.columns
        ],
    )
    return ParsedDelivery(frame=frame, file_format=file_format, warnings_nl=warnings)
