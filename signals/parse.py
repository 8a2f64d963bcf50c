"""Reading a delivered file into text columns named as in the contract, keeping line numbers.

Everything is read as text: typing happens in `signals.validate`, so that a bad cell becomes a
finding on its own line instead of a failed file. What is wrong with one row (a wrong number of
fields, control characters, a value longer than its column allows, a list where a value belongs)
is a finding on that row (`ParsedDelivery.findings`), and the offending cells are emptied before
anything is stored. Only what is wrong with the whole file raises `DeliveryRejected`, with one
Dutch sentence from `signals.reasons`.

The readers: `signals.delimited` (CSV), `signals.xlsx` (XLSX, archive checked first), JSON here,
and `signals.ddas` for the DDAS standard.
"""

from __future__ import annotations

import codecs
import json
import re

import polars as pl

from signals import reasons
from signals.contracts import FEEDS, FeedContract, load_contract
from signals.delivery import LINE_FINDINGS_SCHEMA, LINE_NO, DeliveryRejected, ParsedDelivery

__all__ = [
    "LINE_NO",
    "DeliveryRejected",
    "ParsedDelivery",
    "detect_format",
    "normalise_header",
    "parse_delivery",
]

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and any password-protected .xlsx
_OTHER_KINDS = {
    b"%PDF": "PDF-bestand",
    b"\x1f\x8b": "gzip-archief",
    b"7z\xbc\xaf": "7-Zip-archief",
    b"Rar!": "RAR-archief",
}
_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 20
# A header cell that is a value, not a name: a number, amount or date, a postcode, an e-mail address.
_DATA_LIKE = re.compile(r"^[\d\s€+\-.,/:]+$|^\d{4}\s?[A-Za-z]{2}$|@")


def normalise_header(name: str) -> str:
    """`' Bron Referentie '` and `'BRON-referentie'` both become `'bron_referentie'`."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower()).strip("_")


# Bytes to text ----------------------------------------------------------------------------------


def _wide_encoding(data: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' when the bytes are (by byte-order mark, or NULs between the letters)."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = data[:200]
    if len(head) >= 8 and head.count(0) * 3 >= len(head):
        return "UTF-32" if head.count(0) * 4 >= len(head) * 3 else "UTF-16"
    return None


def _is_utf8(data: bytes) -> bool:
    """Checked in 1 MB pieces, so a large delivery is not held twice as text."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), _CHUNK):
            decoder.decode(data[start : start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or Windows-1252; any other encoding is named and refused."""
    wide = _wide_encoding(data)
    if wide:
        raise DeliveryRejected(reasons.unsupported_encoding(wide))
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    if _is_utf8(data):
        return data.decode("utf-8")
    try:
        # 2026-11: several corporations' ERP exports are Windows-1252 (Excel's "CSV (;)").
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise DeliveryRejected(reasons.UNREADABLE_ENCODING) from exc


def detect_format(data: bytes, original_name: str) -> str:
    """csv, xlsx or json, by content; the extension only decides between ambiguous cases."""
    suffix = original_name.rsplit(".", 1)[-1].lower() if "." in original_name else ""
    if data.startswith(_ZIP_MAGIC):
        return "xlsx"
    if data.startswith(_OLE_MAGIC):
        raise DeliveryRejected(reasons.LEGACY_OR_PROTECTED_EXCEL)
    for magic, kind in _OTHER_KINDS.items():
        if data.startswith(magic):
            raise DeliveryRejected(reasons.not_a_table(kind))
    if suffix in ("xlsx", "xlsm"):
        raise DeliveryRejected(reasons.NOT_XLSX_EXTENSION)
    head = data.lstrip(_BOM).lstrip()[:1]
    if head in (b"[", b"{"):
        return "json"
    return "csv"


# Readers -----------------------------------------------------------------------------------------


def _read_csv(data: bytes) -> tuple[list[str], pl.DataFrame, pl.DataFrame]:
    from signals import delimited

    header, _, records = delimited.header_and_records(decode(data))
    separator = delimited.choose_separator(header)
    names = delimited.split_header(header, separator)
    while len(names) > 1 and not names[-1].strip():
        names.pop()  # a header ending in separators: the rows may or may not have them too
    rows, findings = delimited.read_records(records, separator, len(names))
    return names, rows, findings


def _read_xlsx(data: bytes) -> tuple[list[str], pl.DataFrame, pl.DataFrame]:
    from signals.xlsx import read_xlsx

    names, rows = read_xlsx(data)
    return names, rows, pl.DataFrame(schema=LINE_FINDINGS_SCHEMA)


def load_json(data: bytes) -> object:
    try:
        return json.loads(decode(data))
    except json.JSONDecodeError as exc:
        raise DeliveryRejected(reasons.json_invalid(exc.lineno, exc.colno)) from exc
    except RecursionError as exc:
        raise DeliveryRejected(reasons.JSON_TOO_DEEP) from exc


def _scalar_text(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _read_json(data: bytes) -> tuple[list[str], pl.DataFrame, pl.DataFrame]:
    records = load_json(data)
    if not isinstance(records, list):
        raise DeliveryRejected(reasons.JSON_NOT_ARRAY)
    objects = [r if isinstance(r, dict) else {} for r in records]
    names = list(dict.fromkeys(str(k) for r in objects for k in r))
    cells = {f"c{i}": [_scalar_text(r.get(n)) for r in objects] for i, n in enumerate(names)}
    # Records are numbered from 1; the report calls them "regel" like CSV lines.
    rows = pl.DataFrame(cells, schema=dict.fromkeys(cells, pl.String)).with_row_index(LINE_NO, offset=1)
    rows = rows.with_columns(pl.col(LINE_NO).cast(pl.Int64))
    not_objects = [i for i, r in enumerate(records, start=1) if not isinstance(r, dict)]
    not_scalar = [
        (i, n) for i, r in enumerate(objects, start=1) for n, v in r.items() if isinstance(v, dict | list)
    ]
    findings = pl.concat(
        [
            pl.DataFrame(
                {
                    LINE_NO: not_objects,
                    "column_name": [None] * len(not_objects),
                    "value": [None] * len(not_objects),
                    "check_name": ["record_not_object"] * len(not_objects),
                    "reason_nl": [reasons.RECORD_NOT_OBJECT] * len(not_objects),
                },
                schema=LINE_FINDINGS_SCHEMA,
            ),
            pl.DataFrame(
                {
                    LINE_NO: [i for i, _ in not_scalar],
                    "column_name": [str(n) for _, n in not_scalar],
                    "value": [None] * len(not_scalar),
                    "check_name": ["not_scalar"] * len(not_scalar),
                    "reason_nl": [reasons.NOT_SCALAR] * len(not_scalar),
                },
                schema=LINE_FINDINGS_SCHEMA,
            ),
        ]
    )
    return names, rows, findings


def parse_delivery(
    data: bytes,
    original_name: str,
    contract: FeedContract,
    header_aliases: dict[str, str] | None = None,
    max_bytes: int | None = None,
) -> ParsedDelivery:
    """Read `data` as a delivery of `contract`'s feed."""
    if not data.strip(b" \r\n\t" + _BOM):
        raise DeliveryRejected(reasons.EMPTY)
    if max_bytes is not None and len(data) > max_bytes:
        raise DeliveryRejected(reasons.too_large(max_bytes // 1_000_000))
    file_format = detect_format(data, original_name)
    if contract.feed == "ddas":
        return _read_ddas_delivery(data, file_format, contract)
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "json": _read_json}[file_format]
    names, rows, findings = reader(data)
    return conform(names, rows, findings, file_format, contract, header_aliases or {})


def _read_ddas_delivery(data: bytes, file_format: str, contract: FeedContract) -> ParsedDelivery:
    from signals.ddas import read_ddas

    if file_format != "json":
        raise DeliveryRejected(reasons.DDAS_NOT_JSON)
    frame, warnings, findings = read_ddas(load_json(data))
    names = [c for c in frame.columns if c != LINE_NO]
    rows = frame.rename({n: f"c{i}" for i, n in enumerate(names)}).with_columns(
        pl.col(LINE_NO).cast(pl.Int64)
    )
    parsed = conform(names, rows, findings, file_format, contract, {})
    parsed.warnings_nl.extend(warnings)
    return parsed


# From delivered columns to the contract's --------------------------------------------------------


def _other_feed(targets: set[str], contract: FeedContract) -> str | None:
    """The feed this header belongs to when it is not `contract`'s: all of that feed's required
    columns present, and of those feeds the one that explains most of the header."""
    fits = []
    for feed in FEEDS:
        if feed in (contract.feed, "ddas"):
            continue
        other = load_contract(feed)
        names = {c.name for c in other.columns}
        if names - set(contract.column_names) & targets and all(
            c.name in targets for c in other.columns if c.required
        ):
            fits.append((len(targets & names) - len(targets - names), feed))
    return max(fits)[1] if fits else None


def _map_header(
    names: list[str], rows: int, contract: FeedContract, aliases: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    """Delivered column (`c{i}`) → contract column, and the warnings; whole-file header problems raise."""
    aliases = {normalise_header(k): normalise_header(v) for k, v in aliases.items()}
    targets = [aliases.get(normalise_header(n), normalise_header(n)) for n in names]
    known = set(contract.column_names)
    if not known & set(targets):
        if any(not n.strip() or _DATA_LIKE.search(n.strip()) for n in names):
            raise DeliveryRejected(reasons.NO_HEADER, rows + 1)
        raise DeliveryRejected(reasons.no_known_column(contract.feed), rows)
    named = [t for t in targets if t]
    doubles = sorted({t for t in named if named.count(t) > 1}, key=targets.index)
    if doubles:
        # A contract column by its own name; anything else by where it first stands.
        labels = [f"'{t}'" if t in known else str(targets.index(t) + 1) for t in doubles]
        raise DeliveryRejected(reasons.duplicate_columns(labels), rows)
    missing = [c.name for c in contract.columns if c.required and c.name not in targets]
    if missing:
        other = _other_feed(set(targets), contract)
        if other:
            raise DeliveryRejected(reasons.wrong_feed(contract.feed, other), rows)
        raise DeliveryRejected(reasons.missing_columns(contract.feed, missing), rows)
    mapping = {f"c{i}": t for i, t in enumerate(targets) if t in known}
    warnings = [
        reasons.column_not_stored(reasons.column_label(n.strip(), i + 1))
        for i, (n, t) in enumerate(zip(names, targets, strict=True))
        if t and t not in known
    ]
    return mapping, warnings


def _cell_findings(frame: pl.DataFrame, contract: FeedContract) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Control characters and over-long values: a finding each, and the cell emptied."""
    found = []
    for column in contract.columns:
        cell = pl.col(column.name)
        shown = pl.lit(reasons.MASKED) if column.is_person_field else cell.str.slice(0, reasons.SHOWN_LENGTH)
        control = cell.str.contains(reasons.CONTROL_CHARACTERS_PATTERN)
        length = cell.str.len_chars()
        found.append(
            frame.filter(control | (length > column.length_limit)).select(
                LINE_NO,
                pl.lit(column.name).alias("column_name"),
                shown.alias("value"),
                pl.when(control)
                .then(pl.lit("control_characters"))
                .otherwise(pl.lit("max_length"))
                .alias("check_name"),
                pl.when(control)
                .then(pl.lit(reasons.CONTROL_CHARACTERS))
                .otherwise(
                    pl.format(
                        reasons.TOO_LONG,
                        length,
                        pl.lit(column.length_limit),
                    )
                )
                .alias("reason_nl"),
            )
        )
    findings = pl.concat(found).cast(LINE_FINDINGS_SCHEMA)
    if findings.height:
        findings = findings.with_columns(
            pl.col("value").map_elements(reasons.printable, return_dtype=pl.String)
        )
        bad = findings.select(LINE_NO, "column_name")
        frame = frame.with_columns(
            pl.when(
                pl.col(LINE_NO).is_in(
                    bad.filter(pl.col("column_name") == c.name).get_column(LINE_NO).implode()
                )
            )
            .then(None)
            .otherwise(pl.col(c.name))
            .alias(c.name)
            for c in contract.columns
            if c.name in set(bad.get_column("column_name"))
        )
    return frame, findings


def conform(
    names: list[str],
    rows: pl.DataFrame,
    findings: pl.DataFrame,
    file_format: str,
    contract: FeedContract,
    aliases: dict[str, str],
) -> ParsedDelivery:
    """Delivered columns renamed to the contract's (absent ones null), cells checked."""
    if file_format == "json" and not names:
        mapping, warnings = {}, []  # an empty list: nothing to report, no columns to check
    else:
        mapping, warnings = _map_header(names, rows.height, contract, aliases)
    unnamed = [
        i + 1
        for i, n in enumerate(names)
        if not n.strip() and rows.get_column(f"c{i}").str.strip_chars().replace("", None).drop_nulls().len()
    ]
    warnings += [reasons.unnamed_column_not_stored(p) for p in unnamed]
    present = {target: source for source, target in mapping.items()}
    frame = rows.select(
        LINE_NO,
        *[
            pl.col(present[c.name]).cast(pl.String).str.strip_chars().replace("", None).alias(c.name)
            if c.name in present
            else pl.lit(None, dtype=pl.String).alias(c.name)
            for c in contract.columns
        ],
    )
    # Delivered column names in a row finding (JSON) are shown as the contract's, or left out.
    findings = findings.with_columns(
        pl.col("column_name").replace_strict(
            {n: mapping.get(f"c{i}") for i, n in enumerate(names)}, default=None, return_dtype=pl.String
        )
    ).filter(pl.col("column_name").is_not_null() | (pl.col("check_name") != "not_scalar"))
    frame, cell_findings = _cell_findings(frame, contract)
    whole_row = findings.filter(pl.col("column_name").is_null())
    cell_findings = cell_findings.join(whole_row.select(LINE_NO), on=LINE_NO, how="anti")
    return ParsedDelivery(
        frame=frame,
        file_format=file_format,
        warnings_nl=warnings,
        findings=pl.concat([findings, cell_findings]).sort(LINE_NO, "column_name", nulls_last=False),
    )
