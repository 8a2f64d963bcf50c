"""Reading a DDAS Vroegsignalering levering (v0.9 or v1.2): schema check, then one row per vroegsignaal.

The official schemas are not copied into this project: they are read from the national standard's
folder (`VROEG_DDAS_STANDARDS`, default `../shared/standards/` next to this checkout, holding
`ddas-vroegsignalering-v0.9/` and `ddas-vroegsignalering-v1.2/`). They are needed only to check a
DDAS delivery and to make an export: without them a night still runs (with one Dutch warning), a
DDAS delivery is rejected with one Dutch reason, an export is refused with one, and the
registrations' value lists come from the built-in copy of the current version's enumerations
(signals/ddas_vocabulary.yaml).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import polars as pl
import yaml

from signals import reasons
from signals.ddas_reasons import declared_names, schema_reason
from signals.delivery import LINE_NO, DeliveryRejected

DEFAULT_STANDARDS = Path(__file__).resolve().parents[2] / "shared/standards"
VERSIONS = ("0.9", "1.2")
# The version exports are made in and the registrations' value lists come from.
CURRENT = "1.2"

# DDAS client field → our contract column.
CLIENT_FIELDS = {
    "Burgerservicenummer": "bsn",
    "Voorletters": "voorletters",
    "Voorvoegsel": "tussenvoegsel",
    "Achternaam": "achternaam",
    "Geboortedatum": "geboortedatum",
    "Straatnaam": "straat",
    "Postcode": "postcode",
    "Huisnummer": "huisnummer",
    "Huisnummertoevoeging": "huisnummer_toevoeging",
    "Plaatsnaam": "woonplaats",
}
STATUS_CODES = {
    "Nog niet opgepakt": "nog_niet_opgepakt",
    "Niet opgepakt: onterecht signaal": "onterecht_signaal",
    "Inwoner is overleden": "overleden",
    "Persoon is geen inwoner (meer) in de gemeente": "geen_inwoner",
    "Niet opgepakt: herhaalde melding": "herhaalde_melding",
    "Niet opgepakt: andere reden": "andere_reden",
}


_SIGNAL_COLUMNS = (
    "bron_referentie",
    "signaalpartner",
    "bedrag_eur",
    "ontstaansdatum",
    "signaaldatum",
    "crisissignaal",
    "warme_overdracht",
    "status",
    "gemeentecode",
)

# What a supplier, an evaluator and the run report read when the schema is not installed.
SCHEMA_MISSING_NL = reasons.DDAS_SCHEMA_MISSING
SCHEMA_MISSING_EXPORT_NL = reasons.DDAS_SCHEMA_MISSING_EXPORT
SCHEMA_MISSING_RUN_NL = reasons.DDAS_SCHEMA_MISSING_RUN
VOCABULARY = ("EnumContactsoort", "EnumDagdeel", "EnumEindresultaat", "EnumSignaalstatus")


def standards_dir() -> Path:
    return Path(os.environ.get("VROEG_DDAS_STANDARDS", DEFAULT_STANDARDS))


def schema_path(version: str = CURRENT) -> Path:
    if version not in VERSIONS:
        raise ValueError(f"DDAS version {version!r}: one of {VERSIONS}")
    return standards_dir() / f"ddas-vroegsignalering-v{version}" / "json_schema_Uitwisselmodel.json"


def schema_present(version: str = CURRENT) -> bool:
    return schema_path(version).is_file()


def vocabulary_lists() -> dict[str, tuple[str, ...]]:
    """The DDAS value lists (VOCABULARY): the schema's when it is installed, else the built-in copy."""
    return _vocabulary(str(schema_path()) if schema_present() else None)


@cache
def _vocabulary(schema: str | None) -> dict[str, tuple[str, ...]]:
    if schema is None:
        built_in = Path(__file__).with_name("ddas_vocabulary.yaml").read_text(encoding="utf-8")
        return {name: tuple(values) for name, values in yaml.safe_load(built_in).items()}
    defs = json.loads(Path(schema).read_text(encoding="utf-8"))["$defs"]
    return {name: tuple(defs[name]["enum"]) for name in VOCABULARY}


def schema_validator(version: str = CURRENT):
    """The DDAS schema of `version` as a Draft 2020-12 validator that also checks formats."""
    return _validator(str(schema_path(version)))


@cache
def _validator(path: str):
    from jsonschema import Draft202012Validator

    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def _declared_names(version: str) -> frozenset[str]:
    return declared_names(schema_validator(version).schema)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return str(value)


def read_ddas(document: object) -> tuple[pl.DataFrame, list[str]]:
    """Rows (text, numbered from 1) and warnings of a parsed DDAS JSON document.

    A schema-valid levering without vroegsignalen is a delivery of 0 rows (nothing to report).
    """
    version = "0.9"
    if not schema_present(version):
        raise DeliveryRejected(SCHEMA_MISSING_NL)
    errors = list(schema_validator(version).iter_errors(document))
    if errors:
        # The errors' own messages quote the document: only their kind and path are used.
        raise DeliveryRejected(schema_reason(errors, version, _declared_names(version)))
    rows, warnings = [], []
    for levering in document.get("leveringen", []):
        if levering.get("vroegsignaalzaken"):
            warnings.append(reasons.DDAS_CASES_NOT_READ)
        for signal in levering.get("vroegsignalen", []):
            client = signal.get("client", {})
            row = {ours: _text(client.get(theirs)) for theirs, ours in CLIENT_FIELDS.items()}
            partner = signal.get("signaalpartner", {}).get("type")
            row.update(
                bron_referentie=_text(signal.get("ID")),
                signaalpartner=partner,
                bedrag_eur=_text(signal.get("bedrag")),
                ontstaansdatum=_text(signal.get("ontstaansdatum")),
                signaaldatum=_text(signal.get("signaaldatum")),
                crisissignaal=_text(signal.get("crisissignaal")),
                warme_overdracht=_text(signal.get("warmeOverdracht")),
                status=STATUS_CODES.get(signal.get("status"), signal.get("status")),
                gemeentecode=_text(levering.get("gemeentecode")),
            )
            rows.append(row)
    columns = [*CLIENT_FIELDS.values(), *_SIGNAL_COLUMNS]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")
    return frame.with_row_index(LINE_NO, offset=1), sorted(set(warnings))
