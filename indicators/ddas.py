"""The DDAS export: the vroegsignalen and vroegsignaalzaken of one gemeente and period.

In v1.2 (the current version, the default) or, for a transition period, v0.9. Definitions, the
field mapping and the privacy choices are in indicators/DEFINITIONS.md ("DDAS-export"); settings
in config/ddas.yaml. Set-based: the SQL in indicators/sql/ddas_*.sql builds the signals, the cases
and their JSON in DuckDB on the warehouse as known on the latest run's as-of date; Python only
checks the request, adds the levering's header and validates the result against the official
schema of its version (read from ../shared, never copied).

A v1.2 file is personal data: v1.2 requires every client to be identified, by BSN or by postcode +
huisnummer, and the warehouse holds no BSN, so the client is the address. Who may make it, the
audit and the file's retention: cli/reports.py `ddas`, portal/ddas_api/, docs/ddas.md. A v0.9 file
identifies nobody (its client is empty). No warehouse key leaves: every ID is a sequence number of
this export.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import duckdb
import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from signals.contracts import FEEDS, load_contract
from signals.ddas import (
    CURRENT,
    SCHEMA_MISSING_EXPORT_NL,
    STATUS_CODES,
    VERSIONS,
    schema_path,
    schema_present,
    schema_validator,
    vocabulary_lists,
)
from signals.ddas_labels import LISTS, for_version
from signals.ddas_reasons import declared_names, schema_reason
from signals.registrations import not_picked_up_results
from signals.registry import config_dir
from signals.retention import RetentionConfig
from signals.validate import typed_expression
from warehouse.models import run_sql_file

SQL_DIR = Path(__file__).parent / "sql"
STEPS = ("ddas_vroegsignalen", "ddas_vroegsignaalzaken", "ddas_levering")
COUNTS = (
    "vroegsignalen",
    "huishoudens",
    "vroegsignaalzaken",
    "contactpogingen",
    "zaken_met_resultaat",
    "resultaten_weggelaten",
)
# The signal status of a case the team took up (EnumSignaalstatus, v1.2).
PICKED_UP = "Opgepakt"

logger = logging.getLogger(__name__)


class Contactpersoon(BaseModel):
    """A function or team to contact (never a named person: see config/ddas.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    naam: str
    email: str | None = None
    telefoonnummer: str | None = None
    functietitel: str | None = None


class Organisatie(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    naam: str
    kvk_nummer: str | None = None
    contactpersonen: tuple[Contactpersoon, ...] = Field(min_length=1)

    def as_ddas(self, version: str) -> dict:
        """The schema's aanleverendeOrganisatie (its own spelling: kvk-nummer; v0.9: contactpersoonen)."""
        out: dict = {"naam": self.naam}
        if self.kvk_nummer:
            out["kvk-nummer"] = self.kvk_nummer
        contacts = "contactpersoonen" if version == "0.9" else "contactpersonen"
        out[contacts] = [c.model_dump(exclude_none=True) for c in self.contactpersonen]
        return out


class Gemeente(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    gemeente: str
    gemeentecode: str = Field(pattern=r"^\d{4}$")
    aanleverende_organisatie: Organisatie


class DdasConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    code_gegevensleverancier: str = Field(min_length=1)
    signaalpartner_per_feed: dict[str, str]
    gemeenten: tuple[Gemeente, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_own_financial_feed(self) -> DdasConfig:
        own = {f for f in FEEDS if load_contract(f).is_financial and f != "ddas"}
        if set(self.signaalpartner_per_feed) != own:
            raise ValueError(f"signaalpartner_per_feed: needs exactly the feeds {sorted(own)}")
        return self

    def entry(self, gemeente: str) -> Gemeente | None:
        """The entry for a gemeentecode ("0479") or a gemeente name ("Zaanstad")."""
        wanted = gemeente.strip().casefold()
        return next(
            (g for g in self.gemeenten if wanted in {g.gemeentecode, g.gemeente.casefold()}),
            None,
        )


@cache
def ddas_config() -> DdasConfig:
    return DdasConfig.model_validate(yaml.safe_load((config_dir() / "ddas.yaml").read_text(encoding="utf-8")))


class DdasExportRefused(ValueError):
    """The export is not made; the message (Dutch) says why."""


@dataclass(frozen=True)
class DdasExport:
    document: dict
    counts: dict[str, int]
    gemeentecode: str
    van: date
    tot: date
    as_of: date
    version: str = CURRENT


def _schema_enums(version: str = CURRENT) -> dict[str, tuple[str, ...]]:
    defs = json.loads(schema_path(version).read_text(encoding="utf-8"))["$defs"]
    return {name: tuple(d["enum"]) for name, d in defs.items() if "enum" in d}


def label_list(version: str) -> pl.DataFrame:
    """(enum, stored, exported): each value of the current lists as a `version` file writes it."""
    current = vocabulary_lists()
    return pl.concat(
        [
            for_version(version, enum, current[enum]).select(pl.lit(enum).alias("enum"), pl.all())
            for enum in LISTS
        ]
    )


def code_list(config: DdasConfig) -> pl.DataFrame:
    """(field, code, label): our stored codes → DDAS labels, from the same mappings the intake uses.

    partner: EnumSignaalpartner normalised the way the ddas contract types it ("CAK Zorgverzekeringen"
    → cak_zorgverzekeringen); status: signals.ddas.STATUS_CODES reversed; feed_partner: config.
    """
    enums = _schema_enums()
    partner_column = load_contract("ddas").column("signaalpartner")
    partners = pl.DataFrame({partner_column.name: enums["EnumSignaalpartner"]}).select(
        typed_expression(partner_column).alias("code"), pl.col(partner_column.name).alias("label")
    )
    if set(partners["code"]) != set(partner_column.values):
        raise ValueError("ddas contract: signaalpartner values differ from the DDAS EnumSignaalpartner")
    unknown = set(config.signaalpartner_per_feed.values()) - set(enums["EnumSignaalpartner"])
    if unknown:
        raise ValueError(f"config/ddas.yaml: not a DDAS signaalpartner: {sorted(unknown)}")
    rows = [("partner", code, label) for code, label in partners.iter_rows()]
    rows += [("status", code, label) for label, code in STATUS_CODES.items()]
    rows += [("feed_partner", feed, label) for feed, label in config.signaalpartner_per_feed.items()]
    return pl.DataFrame(rows, schema=["field", "code", "label"], orient="row")


def latest_as_of(con: duckdb.DuckDBPyConnection) -> date | None:
    """The as-of date of the latest completed run: the state the warehouse holds."""
    query = "select max(as_of_date) from meta_run where status in ('ok', 'partial')"
    return con.execute(query).fetchall()[0][0]


def earliest_complete_date(con: duckdb.DuckDBPyConnection, as_of: date, terms: RetentionConfig) -> date:
    """The first signal date that no retention purge up to `as_of` can have touched.

    A financial signal is kept at least its feed's term after its own date (the term runs from the
    household's last signal, which is on or after it), so from `as_of` minus the shortest term on
    every financial signal of the period is still there.
    """
    months = min(terms.signals[f].months for f in FEEDS if load_contract(f).is_financial)
    return con.execute("select (?::date - to_months(?))::date", [as_of, months]).fetchall()[0][0]


def ddas_export(
    con: duckdb.DuckDBPyConnection,
    gemeente: str,
    van: date,
    tot: date,
    terms: RetentionConfig,
    *,
    version: str = CURRENT,
    config: DdasConfig | None = None,
    delivered_at: datetime | None = None,
) -> DdasExport:
    """The DDAS document (`version`) of one gemeente for signal dates `van`..`tot`, validated.

    Raises DdasExportRefused (Dutch) for an unknown gemeente or version, or a period the warehouse
    cannot answer completely. This is a record-level delivery to the monitor (Wgs art. 2.2.1 and
    the monitoring by CBS): small numbers are not suppressed here, only in the aggregate reports.
    Households are linked as on the latest as-of date (the macro household_signal).
    """
    if version not in VERSIONS:
        raise DdasExportRefused(f"Onbekende DDAS-versie {version!r}: kies uit {', '.join(VERSIONS)}.")
    if not schema_present(version) or not schema_present():
        raise DdasExportRefused(SCHEMA_MISSING_EXPORT_NL)
    config = config or ddas_config()
    entry = config.entry(gemeente)
    if entry is None:
        raise DdasExportRefused(f"Gemeente {gemeente!r} staat niet in config/ddas.yaml.")
    as_of = latest_as_of(con)
    if as_of is None:
        raise DdasExportRefused("Het warehouse heeft nog geen geslaagde run: draai eerst `vroeg nightly`.")
    if van > tot:
        raise DdasExportRefused(f"De periode is leeg: {van} ligt na {tot}.")
    if tot > as_of:
        raise DdasExportRefused(
            f"De periode loopt tot {tot}, maar het warehouse is bijgewerkt tot peildatum {as_of}."
        )
    earliest = earliest_complete_date(con, as_of, terms)
    if van < earliest:
        raise DdasExportRefused(
            f"De periode begint op {van}; signalen van vóór {earliest} kunnen al verwijderd zijn "
            "(bewaartermijn), dus de export zou onvolledig zijn."
        )
    con.register("_ddas_code", code_list(config))
    con.register("_ddas_label", label_list(version))
    try:
        params = {
            "gemeente": entry.gemeente,
            "van": van,
            "tot": tot,
            "as_of": as_of,
            "version": version,
            "not_picked_up": list(not_picked_up_results()),
            "dagdeel_order": list(_schema_enums()["EnumDagdeel"]),
            "not_yet": next(label for label, code in STATUS_CODES.items() if code == "nog_niet_opgepakt"),
            "picked_up": PICKED_UP,
        }
        for step in STEPS:
            run_sql_file(con, SQL_DIR / f"{step}.sql", params)
        counts = _counts(con)
        signals_json, cases_json = con.execute(
            "select vroegsignalen, vroegsignaalzaken from _ddas_levering"
        ).fetchall()[0]
    finally:
        con.unregister("_ddas_code")
        con.unregister("_ddas_label")
        con.execute("drop table if exists _ddas_signal")
        con.execute("drop table if exists _ddas_case")
        con.execute("drop table if exists _ddas_levering")
    document = _document(
        config, entry, van, tot, delivered_at, json.loads(signals_json), json.loads(cases_json), version
    )
    _validate(document, version)
    logger.info(
        "DDAS-export v%s gemeente %s periode %s tot en met %s peildatum %s: %s",
        version,
        entry.gemeentecode,
        van,
        tot,
        as_of,
        ", ".join(f"{k} {v}" for k, v in counts.items()),
    )
    return DdasExport(document, counts, entry.gemeentecode, van, tot, as_of, version)


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    missing = con.execute("select count(*) from _ddas_signal where partner_label is null").fetchall()[0][0]
    if missing:
        raise ValueError("DDAS export: a financial signal without a signaalpartner (config/ddas.yaml)")
    row = con.execute(
        """select (select count(*) from _ddas_signal), count(*), count(*) filter (where is_case),
                  coalesce(sum(attempts), 0)::bigint, count(eindresultaat),
                  count(*) filter (where is_case and is_result_left_out)
           from _ddas_case"""
    ).fetchall()[0]
    return dict(zip(COUNTS, row, strict=True))


def _document(
    config: DdasConfig,
    entry: Gemeente,
    van: date,
    tot: date,
    delivered_at: datetime | None,
    signals: list[dict],
    cases: list[dict],
    version: str,
) -> dict:
    organisation = "aanleverende_organisatie" if version == "0.9" else "aanleverendeOrganisatie"
    delivered_at = (delivered_at or datetime.now(UTC)).astimezone(UTC)
    return {
        "startdatumLevering": van.isoformat(),
        "einddatumLevering": tot.isoformat(),
        "aanleverdatumEnTijd": delivered_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "codeGegevensleverancier": config.code_gegevensleverancier,
        "leveringen": [
            {
                # teller: the levering's number within this file (one gemeente per file), not a count
                "teller": 1,
                "gemeentecode": entry.gemeentecode,
                organisation: entry.aanleverende_organisatie.as_ddas(version),
                "vroegsignalen": signals,
                "vroegsignaalzaken": cases,
            }
        ],
    }


def _validate(document: dict, version: str) -> None:
    """Refuse to hand out a file that breaks its schema; the reason names no value (it holds addresses)."""
    validator = schema_validator(version)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        raise ValueError(
            f"DDAS export breaks the v{version} schema: "
            + schema_reason(errors, version, declared_names(validator.schema))
        )


def write_export(export: DdasExport, out: Path, log_file: Path) -> Path:
    """Write the file (0600: a v1.2 file holds addresses) and append one line to the export log:
    what, when, which version, the counts and the file's hash, never its contents. The files go
    after `ddas_exports_months` (config/retention.yaml; signals/retention.py sweep_files)."""
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = json.dumps(export.document, ensure_ascii=False, indent=2).encode("utf-8")
    part = out.with_name(out.name + ".part")
    descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    part.chmod(0o600)
    part.replace(out)
    record = {
        "exported_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versie": export.version,
        "gemeentecode": export.gemeentecode,
        "van": export.van.isoformat(),
        "tot": export.tot.isoformat(),
        "peildatum": export.as_of.isoformat(),
        "counts": export.counts,
        "file": out.name,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    log_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as log:
        log.write(json.dumps(record, ensure_ascii=False) + "\n")
    return out
