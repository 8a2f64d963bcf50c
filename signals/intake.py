"""Intake: from delivered files to archived bytes, staged rows and quarantined findings.

Every delivered row ends up either in `stg_<feed>` or with at least one finding in quarantine;
`raw_delivery` records rows read = rows loaded + rows quarantined for every delivery. A file whose
bytes were delivered before is recorded as a repeat and changes nothing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from signals import reasons
from signals.contracts import load_contract
from signals.delivery import LINE_NO, DeliveryRejected, ParsedDelivery
from signals.load import DeliveryRecord, load_feed_batch, record_delivery, record_repeat
from signals.parse import parse_delivery
from signals.registry import suppliers
from signals.validate import FINDINGS_SCHEMA, RECEIVED_DATE, ROW_ID, validate_rows
from warehouse.crash_points import crash_point

if TYPE_CHECKING:
    from signals.expectations import DataDocs

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class IncomingFile:
    """A file as it arrived through a channel; supplier and feed come from the channel.

    `received_at` is the moment of receipt (signals/receipts.py), never the file's mtime;
    `received_basis` says how it was established.
    """

    path: Path
    supplier_code: str
    feed: str
    received_at: datetime
    channel: str = "drop_folder"
    delivered_name: str | None = None  # as the supplier named it, when the channel renamed the file
    received_basis: str = "receipt"
    sha256: str | None = None  # of the bytes whose receipt was recorded, when known

    @property
    def original_name(self) -> str:
        return self.delivered_name or self.path.name


@dataclass
class _Accepted:
    record: DeliveryRecord
    parsed: ParsedDelivery


def _archive(data: bytes, sha: str, file_format: str, archive_dir: Path) -> Path:
    target = archive_dir / sha[:2] / f"{sha}.{file_format}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        crash_point("archive_part_written")
        os.chmod(tmp, 0o400)  # kept as delivered: read-only, and the owner's alone
        os.replace(tmp, target)
    return target


def _stored(archived: Path, archive_dir: Path) -> str:
    """The archive path as the warehouse keeps it: relative to the workspace root, the archive
    folder's parent (Workspace.archive), so a workspace copied or restored elsewhere reads and purges
    its own files, never the original's (Workspace.resolve)."""
    return archived.relative_to(archive_dir.parent).as_posix()


def _check_channel(incoming: IncomingFile) -> None:
    try:
        supplier = suppliers().get(incoming.supplier_code)
    except KeyError as exc:
        raise DeliveryRejected(reasons.unknown_supplier(incoming.supplier_code)) from exc
    if incoming.feed not in supplier.feeds:
        raise DeliveryRejected(reasons.feed_not_agreed(supplier.name, incoming.feed, list(supplier.feeds)))


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    files: Iterable[IncomingFile],
    archive_dir: Path,
    pseudonym_key: bytes,
    progress: Callable[[int, int], None] | None = None,
    reports_dir: Path | None = None,
) -> list[DeliveryRecord]:
    """Archive, parse, validate and load `files`; returns one record per new delivery.

    With `reports_dir`, the Dutch delivery report of every new delivery is written there.
    """
    files = list(files)
    # sha → (received_at, name) of its first delivery: seeing that same file again (the inbox is
    # scanned every night) is nothing; the same bytes arriving as another file is a repeat.
    seen = {
        sha: (received, name)
        for sha, received, name in con.execute(
            "select delivery_id, received_at, original_name from raw_delivery"
        ).fetchall()
    }
    records: list[DeliveryRecord] = []
    accepted: dict[str, list[_Accepted]] = {}
    for done, incoming in enumerate(files, start=1):
        data = incoming.path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        if sha in seen:
            if seen[sha] != (incoming.received_at, incoming.original_name):
                record_repeat(con, sha, incoming.original_name, incoming.received_at)
        else:
            seen[sha] = (incoming.received_at, incoming.original_name)
            record = DeliveryRecord.new(sha, incoming, len(data), _received_date(incoming))
            try:
                _check_channel(incoming)
                max_bytes = suppliers().max_delivery_mb * 1_000_000
                parsed = parse_delivery(
                    data,
                    incoming.original_name,
                    load_contract(incoming.feed),
                    suppliers().get(incoming.supplier_code).header_aliases,
                    max_bytes=max_bytes,
                )
                record.archive_path = _stored(
                    _archive(data, sha, parsed.file_format, archive_dir), archive_dir
                )
                record.warnings = parsed.warnings_nl
                accepted.setdefault(incoming.feed, []).append(_Accepted(record, parsed))
            except DeliveryRejected as rejected:
                record.archive_path = _stored(_archive(data, sha, "bin", archive_dir), archive_dir)
                record.reject(rejected.reason_nl)
                record.count(rejected.rows, rejected.rows)
            records.append(record)
        if progress:
            progress(done, len(files))
        if done == len(files) // 2:
            crash_point("archiving_halfway")
    docs = None
    if reports_dir is not None and accepted:
        from signals.expectations import DataDocs

        docs = DataDocs(reports_dir / "gx")
    for feed, batch in accepted.items():
        _validate_and_load(con, feed, batch, pseudonym_key, docs)
    if docs is not None:
        docs.build()
    for record in records:
        record_delivery(con, record)
    if reports_dir is not None:
        from signals.report import delivery_report, write_report

        for record in records:
            write_report(delivery_report(con, record.delivery_id), reports_dir)
    return records


def _received_date(incoming: IncomingFile):
    return incoming.received_at.astimezone(AMSTERDAM).date()


def _validate_and_load(
    con: duckdb.DuckDBPyConnection, feed: str, batch: list[_Accepted], key: bytes, docs: DataDocs | None
) -> None:
    contract = load_contract(feed)
    frames = [
        item.parsed.frame.with_columns(
            pl.lit(item.record.delivery_id).alias("delivery_id"),
            pl.lit(item.record.supplier_code).alias("supplier_code"),
            pl.lit(item.record.received_at).dt.replace_time_zone("UTC").alias("known_at"),
            pl.lit(item.record.received_date).alias(RECEIVED_DATE),
            pl.col(LINE_NO).cast(pl.Int32),
        )
        for item in batch
    ]
    # row_id is the row's position in this batch: frames derived from `raw` stay aligned with it.
    raw = pl.concat(frames).with_row_index(ROW_ID).with_columns(pl.col(ROW_ID).cast(pl.Int64))
    typed, findings = validate_rows(raw.select(ROW_ID, RECEIVED_DATE, *contract.column_names), contract, docs)
    typed = typed.drop(RECEIVED_DATE).hstack(raw.select("delivery_id", LINE_NO, "supplier_code", "known_at"))
    findings = pl.concat([_reader_findings(batch, raw), findings])
    typed, address_findings, linked_flats = _resolve_addresses(con, typed, findings)
    findings = _first_per_cell(pl.concat([findings, _duplicate_refs(typed), address_findings]))
    counts = load_feed_batch(con, feed, contract, raw, typed, findings, key)
    for item in batch:
        read, quarantined = counts.get(item.record.delivery_id, (0, 0))
        item.record.count(read, quarantined)
        linked = linked_flats.get(item.record.delivery_id, 0)
        if linked:
            item.record.warnings.append(reasons.flats_linked(linked))


def _reader_findings(batch: list[_Accepted], raw: pl.DataFrame) -> pl.DataFrame:
    """The readers' row findings (by delivery and line) as findings on the batch's rows."""
    lines = pl.concat(
        [
            item.parsed.findings.with_columns(pl.lit(item.record.delivery_id).alias("delivery_id"))
            for item in batch
        ]
    ).with_columns(pl.col(LINE_NO).cast(pl.Int32))
    return (
        lines.join(raw.select(ROW_ID, "delivery_id", LINE_NO), on=["delivery_id", LINE_NO], how="inner")
        .select(*FINDINGS_SCHEMA)
        .cast(FINDINGS_SCHEMA)
    )


def _first_per_cell(findings: pl.DataFrame) -> pl.DataFrame:
    """One finding per cell, the first (the reader's before the checks'); a row the reader could not
    split into cells (column null) keeps only that finding: its empty cells say nothing more."""
    whole_rows = findings.filter(pl.col("column_name").is_null()).select(ROW_ID).unique()
    per_cell = findings.filter(pl.col("column_name").is_not_null()).join(whole_rows, on=ROW_ID, how="anti")
    return pl.concat(
        [
            findings.filter(pl.col("column_name").is_null()).unique(
                ROW_ID, keep="first", maintain_order=True
            ),
            per_cell.unique([ROW_ID, "column_name"], keep="first", maintain_order=True),
        ]
    )


def _duplicate_refs(typed: pl.DataFrame) -> pl.DataFrame:
    """Every occurrence of a bron_referentie after its first in the same delivery (by line).

    The first is taken; a later one cannot silently replace it within one file (which of two rows
    with one reference is meant is not written anywhere), so it waits in quarantine with the advice
    to send it again as a correction — a later delivery of the same reference supersedes.
    """
    later = typed.filter(
        pl.col("bron_referentie").is_not_null()
        & (pl.int_range(pl.len()).over("delivery_id", "bron_referentie", order_by=LINE_NO) > 0)
    )
    return later.select(
        ROW_ID,
        pl.lit("bron_referentie").alias("column_name"),
        pl.col("bron_referentie").alias("value"),
        pl.lit("unique_in_delivery").alias("check_name"),
        pl.lit(reasons.DUPLICATE_REFERENCE).alias("reason_nl"),
    ).cast(FINDINGS_SCHEMA)


def _resolve_addresses(
    con: duckdb.DuckDBPyConnection, typed: pl.DataFrame, findings: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    """Match every row's address to the address table (docs/linking.md, "Address").

    A row without huisnummertoevoeging whose postcode and huisnummer belong to flats is linked when
    the number has one dwelling in the table, or when exactly one of its dwellings has a household
    known from earlier signals; its toevoeging is filled in (the delivered text stays as it was).
    Otherwise the row is quarantined: naming the flats when the toevoeging is what is missing, or as
    an unknown address. Returns the typed rows, the findings, and per delivery how many rows were
    linked this way (a warning on the delivery report).
    """
    from signals.addresses import address_key_expr, suffix_expr

    address_columns = ["postcode", "huisnummer", "huisnummer_toevoeging"]
    already = findings.filter(pl.col("column_name").is_in(address_columns)).select(ROW_ID)
    candidates = typed.join(already, on=ROW_ID, how="anti").with_columns(
        address_key_expr(pl.col("postcode"), pl.col("huisnummer"), pl.col("huisnummer_toevoeging")).alias(
            "address_key"
        )
    )
    reference = con.sql(
        "select address_key, postcode, house_number::bigint as huisnummer, house_number_suffix "
        "from ref_address"
    ).pl()
    unknown = candidates.join(reference.select("address_key"), on="address_key", how="anti")
    flats = (
        reference.sort("postcode", "huisnummer", "house_number_suffix", nulls_last=False)
        .group_by("postcode", "huisnummer", maintain_order=True)
        .agg(
            pl.len().alias("dwellings"),
            pl.col("address_key").alias("flat_keys"),  # in the order of the suffixes
            pl.col("house_number_suffix").alias("suffixes"),
            pl.col("house_number_suffix").first().alias("only_suffix"),
        )
    )
    bare = unknown.filter(suffix_expr(pl.col("huisnummer_toevoeging")).is_null()).join(
        flats, on=["postcode", "huisnummer"], how="inner"
    )
    known = _known_addresses(con, bare.select(pl.col("flat_keys").explode().alias("address_key")).unique())
    bare = bare.with_columns(
        pl.col("suffixes")
        .list.gather(
            pl.col("flat_keys").list.eval(pl.element().is_in(known["address_key"].implode()).arg_true())
        )
        .alias("known_suffixes")
    )
    chosen = bare.with_columns(
        pl.when(pl.col("dwellings") == 1)
        .then(pl.col("only_suffix"))
        .when(pl.col("known_suffixes").list.len() == 1)
        .then(pl.col("known_suffixes").list.first())
        .alias("resolved")
    )
    resolved = chosen.filter(pl.col("resolved").is_not_null()).select(ROW_ID, "resolved", "delivery_id")
    flat_rows = chosen.filter(pl.col("resolved").is_null())
    typed = (
        typed.join(resolved.select(ROW_ID, "resolved"), on=ROW_ID, how="left", maintain_order="left")
        .with_columns(pl.coalesce("resolved", "huisnummer_toevoeging").alias("huisnummer_toevoeging"))
        .drop("resolved")
    )
    flats_named = flat_rows.select(
        ROW_ID,
        pl.lit("huisnummer_toevoeging").alias("column_name"),
        pl.lit(None, pl.String).alias("value"),
        pl.lit("toevoeging_needed").alias("check_name"),
        pl.format(reasons.TOEVOEGING_NEEDED, pl.col("suffixes").list.join(", ")).alias("reason_nl"),
    )
    not_found = unknown.join(bare.select(ROW_ID), on=ROW_ID, how="anti").select(
        ROW_ID,
        pl.lit("postcode").alias("column_name"),
        pl.col("address_key").alias("value"),
        pl.lit("address_in_reference").alias("check_name"),
        pl.lit(reasons.ADDRESS_UNKNOWN).alias("reason_nl"),
    )
    per_delivery = dict(resolved.group_by("delivery_id").len().iter_rows())
    return (
        typed,
        pl.concat([flats_named.cast(FINDINGS_SCHEMA), not_found.cast(FINDINGS_SCHEMA)]),
        per_delivery,
    )


def _known_addresses(con: duckdb.DuckDBPyConnection, candidates: pl.DataFrame) -> pl.DataFrame:
    """Which of `candidates` (address_key) have signals linked from earlier deliveries."""
    tables = {t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    if candidates.is_empty() or "int_signal__linked" not in tables:
        return pl.DataFrame(schema={"address_key": pl.String})
    con.register("_candidate_address", candidates)
    try:
        return con.sql(
            "select distinct address_key from int_signal__linked "
            "where address_key in (select address_key from _candidate_address)"
        ).pl()
    finally:
        con.unregister("_candidate_address")


def now_utc() -> datetime:
    return datetime.now(tz=UTC)
