"""Writing intake results: deliveries, raw rows, contact details, staged rows and quarantine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import polars as pl

from signals.pseudonymise import hmac_parameters, pseudonym_sql
from signals.staging import DERIVED_FROM, RENAMES, STAGING_TABLES, to_staging

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
    received_basis: str = "receipt"
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
            received_basis=incoming.received_basis,
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
        "insert into raw_delivery (delivery_id, supplier_code, feed, channel, original_name, received_at,"
        " received_date, byte_size, archive_path, status, rejection_reason, rows_read, rows_loaded,"
        " rows_quarantined, warnings, loaded_at, received_basis)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            r.received_basis,
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


def _row_mask(n: int, row_ids: pl.Series) -> pl.Series:
    """A boolean per row (row_id = position) that is true for the given row ids."""
    mask = np.zeros(n, dtype=bool)
    mask[row_ids.to_numpy()] = True
    return pl.Series(mask)


def _pseudonyms(con: duckdb.DuckDBPyConnection, bsn: pl.Series, key: bytes) -> pl.Series:
    """The pseudonym of every valid BSN (null elsewhere), aligned with `bsn`.

    Computed in DuckDB: no Python loop touches a BSN, and none is kept.
    """
    frame = pl.DataFrame({"bsn": bsn}).with_row_index("pos")
    con.register("_bsn", frame)
    try:
        return (
            con.sql(
                f"select {pseudonym_sql('bsn')} as person_pseudonym from _bsn order by pos",  # noqa: S608
                params=hmac_parameters(key),
            )
            .pl()
            .get_column("person_pseudonym")
        )
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
    """Load one feed's new rows; returns delivery_id → (rows read, rows quarantined).

    `raw` and `typed` hold the same rows in the same order (row_id = position). One frame is
    handed to DuckDB; raw rows, contact details and staged rows are selected from it in SQL.
    """
    from signals.addresses import address_key_expr

    n = typed.height
    is_bad = _row_mask(n, findings.get_column(ROW_ID))
    bad_bsn = _row_mask(n, findings.filter(pl.col("column_name") == "bsn").get_column(ROW_ID))
    valid_bsn = typed.get_column("bsn").zip_with(~bad_bsn, pl.Series([None] * n, dtype=pl.String))
    text_columns = [c.name for c in contract.columns if not c.is_person_field]
    staged = to_staging(feed, typed.select(*RENAMES[feed], *DERIVED_FROM[feed]))
    batch = pl.concat(
        [
            typed.select(
                "delivery_id",
                "line_no",
                "supplier_code",
                "known_at",
                pl.col("known_at").dt.convert_time_zone("Europe/Amsterdam").dt.date().alias("known_date"),
                address_key_expr(
                    pl.col("postcode"), pl.col("huisnummer"), pl.col("huisnummer_toevoeging")
                ).alias("address_key"),
            ).with_columns(person_pseudonym=_pseudonyms(con, valid_bsn, key), is_bad=is_bad),
            raw.select(pl.col(c).alias(f"raw__{c}") for c in text_columns),
            raw.select(CONTACT_FIELDS),
            staged.select(pl.exclude(CONTACT_FIELDS)),
        ],
        how="horizontal",
    )
    ids = typed.select("delivery_id", "line_no")
    quarantine = findings.with_columns(
        ids.get_column("delivery_id").gather(findings.get_column(ROW_ID)),
        ids.get_column("line_no").gather(findings.get_column(ROW_ID)),
    ).select("delivery_id", "line_no", "column_name", "value", "check_name", "reason_nl")
    # Identifiers below come from our own contract files and the fixed staging mapping.
    as_json = ", ".join(f'"{c}" := "raw__{c}"' for c in text_columns)
    stg_columns = ", ".join(f'"{c}"' for c in staged.columns if c not in CONTACT_FIELDS)
    contact = ", ".join(CONTACT_FIELDS)
    con.register("_batch", batch)
    con.register("_quarantine", quarantine)
    try:
        con.execute(
            "insert into raw_rows (delivery_id, line_no, supplier_code, feed, source_ref, values_json,"  # noqa: S608
            " person_pseudonym, is_loaded) select delivery_id, line_no, supplier_code, ?,"
            f' "raw__bron_referentie", case when is_bad then to_json(struct_pack({as_json}))::varchar end,'
            " person_pseudonym, not is_bad from _batch",
            [feed],
        )
        con.execute(
            f"insert into pii_contact (delivery_id, line_no, row_key, person_pseudonym, {contact})"  # noqa: S608
            " select delivery_id, line_no, contact_row_key(delivery_id, line_no), person_pseudonym,"
            f" {contact} from _batch"
            f" where coalesce({contact}) is not null"
        )
        con.execute(
            f"insert into {STAGING_TABLES[feed]} by name select delivery_id, line_no, supplier_code,"  # noqa: S608
            ' "raw__bron_referentie" as source_ref, known_at, known_date, address_key, person_pseudonym,'
            f" {stg_columns} from _batch where not is_bad"
        )
        con.execute("insert into quarantine_finding by name select * from _quarantine")
    finally:
        con.unregister("_batch")
        con.unregister("_quarantine")
    per_delivery = (
        ids.with_columns(is_bad=is_bad)
        .group_by("delivery_id")
        .agg(pl.len().alias("read"), pl.col("is_bad").sum().alias("quarantined"))
    )
    return {d: (int(r), int(q)) for d, r, q in per_delivery.iter_rows()}
