"""Writing intake results: deliveries, raw rows, contact details, staged rows and quarantine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from signals.pseudonymise import hmac_parameters, pseudonym_sql
from signals.staging import STAGING_TABLES, to_staging

if TYPE_CHECKING:
    from signals.contracts import FeedContract
    from signals.intake import IncomingFile

ROW_ID = "row_id"
CONTACT_FIELDS = (
    "voorletters",
    "tussenvoegsel",
    "achternaam",
    "geboortedatum",
    "telefoon",
    "email",
)


@dataclass
class DeliveryRecord:
    """What happened to one delivery; becomes a row of raw_delivery."""

    delivery_id: str
    supplier_code: str
    feed: str
    channel: str
    original_name: str
    received_at: datetime
    received_date: date
    byte_size: int
    archive_path: str = ""
    status: str = "geaccepteerd"
    rejection_reason: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def new(cls, sha: str, incoming: IncomingFile, size: int, received: date) -> DeliveryRecord:
        return cls(
            delivery_id=sha,
            supplier_code=incoming.supplier_code,
            feed=incoming.feed,
            channel=incoming.channel,
            original_name=incoming.original_name,
            received_at=incoming.received_at,
            received_date=received,
            byte_size=size,
        )

    def reject(self, reason_nl: str) -> None:
        self.status = "afgewezen"
        self.rejection_reason = reason_nl

    def count(self, read: int, quarantined: int) -> None:
        self.rows_read = read
        self.rows_quarantined = quarantined
        self.rows_loaded = read - quarantined


def record_delivery(con: duckdb.DuckDBPyConnection, r: DeliveryRecord) -> None:
    con.execute(
        "insert into raw_delivery values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            r.delivery_id,
            r.supplier_code,
            r.feed,
            r.channel,
            r.original_name,
            r.received_at,
            r.received_date,
            r.byte_size,
            r.archive_path,
            r.status,
            r.rejection_reason,
            r.rows_read,
            r.rows_loaded,
            r.rows_quarantined,
            r.warnings,
            datetime.now(tz=UTC),
        ],
    )
    if r.rejection_reason:
        con.execute(
            "insert into quarantine_finding values (?, null, null, null, 'delivery', ?)",
            [r.delivery_id, r.rejection_reason],
        )


def record_repeat(con: duckdb.DuckDBPyConnection, delivery_id: str, name: str, received_at: datetime) -> None:
    con.execute(
        "insert into raw_delivery_repeat values (?, ?, ?) on conflict do nothing",
        [delivery_id, name, received_at],
    )


def _pseudonyms(
    con: duckdb.DuckDBPyConnection, typed: pl.DataFrame, bad_bsn: pl.DataFrame, key: bytes
) -> pl.DataFrame:
    """row_id → pseudonym for every valid BSN; computed in DuckDB, BSNs never leave memory."""
    valid = (
        typed.select(ROW_ID, "bsn").filter(pl.col("bsn").is_not_null()).join(bad_bsn, on=ROW_ID, how="anti")
    )
    con.register("_bsn", valid)
    try:
        return con.sql(
            f"select {ROW_ID}, {pseudonym_sql('bsn')} as person_pseudonym from _bsn",  # noqa: S608
            params=hmac_parameters(key),
        ).pl()
    finally:
        con.unregister("_bsn")


def load_feed_batch(
    con: duckdb.DuckDBPyConnection,
    feed: str,
    contract: FeedContract,
    raw: pl.DataFrame,
    typed: pl.DataFrame,
    findings: pl.DataFrame,
    key: bytes,
) -> dict[str, tuple[int, int]]:
    """Load one feed's new rows; returns delivery_id → (rows read, rows quarantined)."""
    from signals.addresses import address_key_expr

    bad = findings.select(ROW_ID).unique()
    bad_bsn = findings.filter(pl.col("column_name") == "bsn").select(ROW_ID).unique()
    pseudonyms = _pseudonyms(con, typed, bad_bsn, key)
    ids = typed.select(ROW_ID, "delivery_id", "line_no", "supplier_code", "known_at")
    text_columns = [c.name for c in contract.columns if not c.is_person_field]

    raw_rows = (
        raw.select(
            ROW_ID,
            "delivery_id",
            "line_no",
            "supplier_code",
            "bron_referentie",
            pl.struct(text_columns).struct.json_encode().alias("values_json"),
        )
        .join(pseudonyms, on=ROW_ID, how="left", maintain_order="left")
        .with_columns(
            pl.lit(feed).alias("feed"),
            ~pl.col(ROW_ID).is_in(bad[ROW_ID].implode()).alias("is_loaded"),
        )
        .rename({"bron_referentie": "source_ref"})
        .drop(ROW_ID)
    )
    contacts = (
        raw.select(ROW_ID, "delivery_id", "line_no", *CONTACT_FIELDS)
        .filter(pl.any_horizontal(pl.col(c).is_not_null() for c in CONTACT_FIELDS))
        .join(pseudonyms, on=ROW_ID, how="left", maintain_order="left")
        .drop(ROW_ID)
    )
    clean = typed.join(bad, on=ROW_ID, how="anti").join(pseudonyms, on=ROW_ID, how="left")
    staged = (
        to_staging(feed, clean)
        .with_columns(
            pl.col("bron_referentie").alias("source_ref"),
            address_key_expr(pl.col("postcode"), pl.col("huisnummer"), pl.col("huisnummer_toevoeging")).alias(
                "address_key"
            ),
            pl.col("known_at").dt.convert_time_zone("Europe/Amsterdam").dt.date().alias("known_date"),
        )
        .drop(
            ROW_ID,
            "bron_referentie",
            "bsn",
            "postcode",
            "huisnummer",
            "huisnummer_toevoeging",
            "straat",
            "woonplaats",
            *CONTACT_FIELDS,
        )
    )
    quarantine = findings.join(ids, on=ROW_ID, how="left").select(
        "delivery_id", "line_no", "column_name", "value", "check_name", "reason_nl"
    )
    for name, frame in (
        ("_raw_rows", raw_rows),
        ("_contacts", contacts),
        ("_staged", staged),
        ("_quarantine", quarantine),
    ):
        con.register(name, frame)
    try:
        con.execute("insert into raw_rows by name select * from _raw_rows")
        con.execute("insert into pii_contact by name select * from _contacts")
        # Table names come from the fixed STAGING_TABLES mapping, never from input.
        con.execute(f"insert into {STAGING_TABLES[feed]} by name select * from _staged")  # noqa: S608
        con.execute("insert into quarantine_finding by name select * from _quarantine")
    finally:
        for name in ("_raw_rows", "_contacts", "_staged", "_quarantine"):
            con.unregister(name)
    per_delivery = typed.group_by("delivery_id").agg(
        pl.len().alias("read"),
        pl.col(ROW_ID).is_in(bad[ROW_ID].implode()).sum().alias("quarantined"),
    )
    return {d: (int(r), int(q)) for d, r, q in per_delivery.iter_rows()}
