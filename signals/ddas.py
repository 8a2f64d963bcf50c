"""Reading a DDAS Vroegsignalering levering (v0.9 or v1.2): schema check, then one row per vroegsignaal.

Which version a levering is in is told by its field names (`signals.ddas_version.FINGERPRINTS`,
the names only one version's schema declares: v0.9 `aanleverende_organisatie`,
`Burgerservicenummer`, `Postcode`, …; v1.2 `aanleverendeOrganisatie`, `burgerservicenummer`,
`postcode`, …):
- names of one version only: that version;
- names of both: the file is rejected as a whole ("mengt veldnamen"), naming the first field of
  the version it uses least (on a tie the current version counts as the one the file follows);
- no distinguishing name (a levering without organisation and vroegsignalen, or not an object at
  all): validated against every installed version; one that passes is taken (both: the current),
  and when none passes the rejection reports against the version with the fewest errors (a tie:
  the current).
The levering is then validated against that version's own schema, formats included; a version
whose schema is not installed gets the one Dutch whole-file reason.

Both versions become the same financial signal (one row per vroegsignaal, numbered from 1). The
client: v0.9 carries BSN, names and address; v1.2 carries either `burgerservicenummer` only, or
`postcode` + `huisnummer` (+ `huisnummertoevoeging`, `geboortedatum`, `geslachtsaanduiding`).
`geslachtsaanduiding` is not stored: no rule or list uses it. A client with a BSN but neither
postcode nor huisnummer (every v1.2 BSN client: the schema allows nothing beside the BSN) cannot
be linked to an address, so the row is quarantined with one whole-row finding
(`reasons.DDAS_CLIENT_WITHOUT_ADDRESS`); its BSN is still only ever kept as a pseudonym.

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
from signals.ddas_reasons import declared_names, mixed_versions_reason, schema_reason
from signals.ddas_version import FINGERPRINTS, named_version, version_names
from signals.delivery import LINE_FINDINGS_SCHEMA, LINE_NO, DeliveryRejected

DEFAULT_STANDARDS = Path(__file__).resolve().parents[2] / "shared/standards"
VERSIONS = ("0.9", "1.2")
# The version exports are made in and the registrations' value lists come from.
CURRENT = "1.2"

# DDAS client field → our contract column, per version (v1.2's geslachtsaanduiding is not stored).
CLIENT_FIELDS = {
    "0.9": {
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
    },
    "1.2": {
        "burgerservicenummer": "bsn",
        "geboortedatum": "geboortedatum",
        "postcode": "postcode",
        "huisnummer": "huisnummer",
        "huisnummertoevoeging": "huisnummer_toevoeging",
    },
}
# Every client column a DDAS row has, whatever the version (a field the version lacks is null).
_CLIENT_COLUMNS = tuple(dict.fromkeys(c for fields in CLIENT_FIELDS.values() for c in fields.values()))
# EnumSignaalstatus (v0.9 and v1.2) → the ddas contract's status code.
STATUS_CODES = {
    "Nog niet opgepakt": "nog_niet_opgepakt",
    "Niet opgepakt: onterecht signaal": "onterecht_signaal",
    "Inwoner is overleden": "overleden",
    "Persoon is geen inwoner (meer) in de gemeente": "geen_inwoner",
    "Niet opgepakt: herhaalde melding": "herhaalde_melding",
    "Niet opgepakt: andere reden": "andere_reden",
    "Opgepakt": "opgepakt",
    "Inwoner al bekend bij schuldhulpverlening": "al_bekend_bij_schuldhulpverlening",
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


def _nameable() -> frozenset[str]:
    """Names a reason may repeat: every installed version's declared names, and the fingerprints."""
    names = frozenset().union(*FINGERPRINTS.values())
    return names.union(*(_declared_names(v) for v in VERSIONS if schema_present(v)))


def _checked_version(document: object) -> str:
    """The levering's version (module docstring); raises DeliveryRejected when it does not pass."""
    found = version_names(document)
    version = named_version(found, CURRENT)
    if version is not None:
        other = next((v for v in VERSIONS if v != version and found[v]), None)
        if other is not None:
            path, name = found[other][0]
            raise DeliveryRejected(mixed_versions_reason(version, other, path, name, _nameable()))
        if not schema_present(version):
            raise DeliveryRejected(SCHEMA_MISSING_NL)
        candidates = [version]
    else:
        # Current first: it wins every tie below.
        candidates = [v for v in (CURRENT, *VERSIONS) if schema_present(v)]
        candidates = list(dict.fromkeys(candidates))
        if not candidates:
            raise DeliveryRejected(SCHEMA_MISSING_NL)
    # The errors' own messages quote the document: only their kind and path are used.
    errors = {v: list(schema_validator(v).iter_errors(document)) for v in candidates}
    closest = min(candidates, key=lambda v: len(errors[v]))
    if errors[closest]:
        raise DeliveryRejected(schema_reason(errors[closest], closest, _nameable()))
    return closest


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return str(value)


def read_ddas(document: object) -> tuple[pl.DataFrame, list[str], pl.DataFrame]:
    """Rows (text, numbered from 1), warnings and row findings of a parsed DDAS JSON document.

    A schema-valid levering without vroegsignalen is a delivery of 0 rows (nothing to report).
    The findings (LINE_FINDINGS_SCHEMA) are the clients with a BSN and no address.
    """
    version = _checked_version(document)
    client_fields = CLIENT_FIELDS[version]
    rows, warnings = [], []
    for levering in document.get("leveringen", []):
        if levering.get("vroegsignaalzaken"):
            warnings.append(reasons.DDAS_CASES_NOT_READ)
        for signal in levering.get("vroegsignalen", []):
            client = signal.get("client", {})
            row = dict.fromkeys(_CLIENT_COLUMNS)
            row.update({ours: _text(client.get(theirs)) for theirs, ours in client_fields.items()})
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
    columns = [*_CLIENT_COLUMNS, *_SIGNAL_COLUMNS]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")
    frame = frame.with_row_index(LINE_NO, offset=1)
    return frame, sorted(set(warnings)), clients_without_address(frame)


def clients_without_address(frame: pl.DataFrame) -> pl.DataFrame:
    """A whole-row finding for every row whose client has a BSN but neither postcode nor huisnummer.

    Such a row cannot be linked to an address (docs/linking.md), and in v1.2 the supplier cannot add
    one beside the BSN: the one finding says so instead of two "verplicht veld ontbreekt".
    """
    only_bsn = pl.col("bsn").is_not_null() & pl.col("postcode").is_null() & pl.col("huisnummer").is_null()
    return (
        frame.filter(only_bsn)
        .select(
            pl.col(LINE_NO).cast(pl.Int64),
            pl.lit(None, dtype=pl.String).alias("column_name"),
            pl.lit(None, dtype=pl.String).alias("value"),
            pl.lit("ddas_client_without_address").alias("check_name"),
            pl.lit(reasons.DDAS_CLIENT_WITHOUT_ADDRESS).alias("reason_nl"),
        )
        .cast(LINE_FINDINGS_SCHEMA)
    )
