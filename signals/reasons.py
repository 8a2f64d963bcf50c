"""Every Dutch sentence intake tells a supplier about a delivery or a row, built in one place.

A reason is stored (raw_delivery.rejection_reason, quarantine_finding.reason_nl), printed by the
CLI, shown in the portal and written into the delivery report, so it must never quote delivered
content: a delivered file can hold BSNs, names and phone numbers anywhere, also where a header or
a JSON key should be. The functions below therefore take only numbers, names from our own
contracts and configuration, and header names that passed `column_label` (which refuses anything
that does not look like a column name). The cell value a row finding is about is shown in the
report's own "waarde" column (masked for person fields, made printable by `printable`), never in
the sentence. The DDAS schema errors are translated next door, in `signals.ddas_reasons`.
"""

from __future__ import annotations

import re

# Whole-file verdicts -----------------------------------------------------------------------------

EMPTY = "Het bestand is leeg."
ONLY_BLANK_LINES = "Het bestand is leeg: het bevat alleen lege regels of scheidingstekens."
UNREADABLE_ENCODING = "Het bestand is niet te lezen: de tekencodering is geen UTF-8 of Windows-1252."
NO_HEADER = "Het bestand heeft geen kopregel: de eerste regel bevat gegevens in plaats van kolomnamen."
TAB_SEPARATED = "Het bestand is gescheiden met tabs; gebruik een komma of een puntkomma als scheidingsteken."
NOT_XLSX_EXTENSION = "Het bestand heeft de extensie .xlsx, maar is geen Excel-bestand."
XLSX_DAMAGED = "Het Excel-bestand is beschadigd of geen geldig XLSX-bestand."
ZIP_NOT_XLSX = (
    "Het bestand is een ZIP-archief, geen Excel-bestand; lever het CSV-, XLSX- of JSON-bestand zelf, "
    "niet ingepakt."
)
LEGACY_OR_PROTECTED_EXCEL = (
    "Het bestand is een oud Excel-bestand (.xls) of een met een wachtwoord beveiligd Excel-bestand; "
    "lever een onbeveiligd .xlsx-bestand of een CSV-bestand."
)
FIRST_SHEET_EMPTY = "Het eerste werkblad is leeg; zet de kopregel en de gegevens op het eerste werkblad."
ARCHIVE_ENCRYPTED = "Het Excel-bestand is versleuteld; lever een onbeveiligd .xlsx-bestand."
ARCHIVE_METHOD = (
    "Het Excel-bestand is ingepakt met een compressiemethode die Excel niet gebruikt; "
    "sla het opnieuw op als .xlsx."
)
ARCHIVE_INCONSISTENT = (
    "Het Excel-bestand is afgewezen: een onderdeel pakt uit tot meer dan het archief zelf opgeeft "
    "(beschadigd of gemanipuleerd)."
)
JSON_NOT_ARRAY = "Het JSON-bestand moet een lijst (array) van objecten zijn."
DDAS_NOT_JSON = "Een DDAS-levering moet een JSON-bestand zijn."
DDAS_SCHEMA_MISSING = (
    "Een DDAS-levering kan nu niet worden gecontroleerd: het DDAS-schema ontbreekt bij de gemeente."
)
DDAS_SCHEMA_MISSING_EXPORT = (
    "Er kan geen DDAS-export worden gemaakt: het DDAS-schema ontbreekt bij de gemeente. Installeer de "
    "map met de standaard DDAS Vroegsignalering (v0.9 en v1.2) en wijs die aan met VROEG_DDAS_STANDARDS."
)
DDAS_SCHEMA_MISSING_RUN = (
    "Het DDAS-schema ontbreekt (VROEG_DDAS_STANDARDS): DDAS-leveringen worden afgewezen en een DDAS-export "
    "kan niet worden gemaakt; registraties worden gecontroleerd met de ingebouwde DDAS-waardenlijsten."
)


def too_large(max_mb: int) -> str:
    return f"Het bestand is groter dan de toegestane {max_mb} MB; lever het in delen."


def unsupported_encoding(name: str) -> str:
    """`name` is one of ours ("UTF-16", "UTF-32"), recognised by byte-order mark or NUL pattern."""
    return f"Het bestand is in {name} opgeslagen; lever het als UTF-8 of Windows-1252."


def not_a_table(kind: str) -> str:
    """A file recognised by its first bytes as something else (`kind` is our own word)."""
    return f"Het bestand is een {kind}, geen CSV-, XLSX- of JSON-bestand."


def archive_too_large(unpacked_mb: int, limit_mb: int) -> str:
    return (
        f"Het Excel-bestand is uitgepakt {unpacked_mb} MB, meer dan de toegestane {limit_mb} MB; "
        "lever een levering van deze omvang als CSV-bestand of in delen."
    )


def archive_bomb(ratio_limit: int) -> str:
    return (
        "Het bestand is afgewezen zonder het uit te pakken: het ZIP-archief pakt uit tot meer dan "
        f"{ratio_limit} keer zijn eigen grootte, wat een Excel-bestand nooit doet (een zogeheten zip-bom)."
    )


def archive_too_many_parts(count: int, limit: int) -> str:
    return (
        f"Het Excel-bestand bestaat uit {count} onderdelen, meer dan de {limit} die een werkmap nodig heeft."
    )


JSON_TOO_DEEP = "Het JSON-bestand is te diep genest om te lezen; lever een lijst van platte objecten."


def json_invalid(line: int, column: int) -> str:
    return f"Het JSON-bestand is geen geldige JSON (de fout staat op regel {line}, positie {column})."


def _enumerate(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " en " + labels[-1]


def duplicate_columns(labels: list[str]) -> str:
    """`labels`: a contract column's name in quotes ('postcode'), or a position (7)."""
    if len(labels) == 1:
        return f"De kolom {labels[0]} komt meer dan eens voor in de kopregel."
    return f"De kolommen {_enumerate(labels)} komen elk meer dan eens voor in de kopregel."


def no_known_column(feed: str) -> str:
    return f"De kopregel bevat geen enkele kolom van de feed '{feed}'; is dit het juiste bestand?"


def wrong_feed(feed: str, other_feed: str) -> str:
    return (
        f"Dit bestand is een levering van de feed '{other_feed}', niet van '{feed}': de kopregel heeft "
        f"de kolommen van '{other_feed}'. Lever het via de map of het account van de juiste feed."
    )


def missing_columns(feed: str, names: list[str]) -> str:
    return f"Verplichte kolom(men) ontbreken voor de feed '{feed}': {', '.join(names)}."


def unknown_supplier(code: str) -> str:
    """`code` is the channel's (folder or account), not the file's."""
    return f"De leverancier '{code}' is niet bekend bij de gemeente."


def feed_not_agreed(supplier_name: str, feed: str, agreed: list[str]) -> str:
    return f"{supplier_name} levert geen feed '{feed}' aan; afgesproken feeds: {', '.join(agreed)}."


# Warnings ----------------------------------------------------------------------------------------


def column_not_stored(label: str) -> str:
    return (
        f"Kolom {label} hoort niet bij het contract en is niet opgeslagen "
        "(vrije tekst en onbekende kolommen worden niet geaccepteerd)."
    )


DDAS_CASES_NOT_READ = (
    "De vroegsignaalzaken in deze levering zijn niet ingelezen; alleen vroegsignalen worden verwerkt."
)


def unnamed_column_not_stored(position: int) -> str:
    return f"Kolom {position} heeft geen naam in de kopregel; de waarden erin zijn niet opgeslagen."


# Row findings ------------------------------------------------------------------------------------

ROW_UNREADABLE = (
    "Deze regel is niet te lezen: de aanhalingstekens kloppen niet (een veld tussen aanhalingstekens "
    "moet helemaal tussen aanhalingstekens staan)."
)
RECORD_NOT_OBJECT = "Dit element van de lijst is geen object met kolommen en waarden."
DDAS_CLIENT_WITHOUT_ADDRESS = (
    "De cliënt van dit vroegsignaal heeft een burgerservicenummer maar geen postcode en huisnummer: "
    "zonder adres kan het signaal niet aan een woning in de gemeente worden gekoppeld. Lever de "
    "cliënt met postcode en huisnummer (in DDAS v1.2 dan zonder burgerservicenummer)."
)
CONTROL_CHARACTERS = (
    "De waarde bevat stuurtekens (zoals NUL, ESC, een kleurcode of een regeleinde) die niet in een "
    "waarde horen."
)
NOT_SCALAR = "Geen enkelvoudige waarde: een lijst of object hoort niet in deze kolom."


FIELD_COUNT_TOO_MANY_HINT = (
    "staat er een scheidingsteken in een waarde (bijvoorbeeld een decimale komma in een bestand met "
    "komma's)? Zet zo'n waarde tussen aanhalingstekens"
)
FIELD_COUNT_TOO_FEW_HINT = "er ontbreken waarden of scheidingstekens"


# Polars format strings (`pl.format`), filled per row with numbers only: the readers build these
# sentences for many rows at once. FIELD_COUNT: fields found, fields in the header, one of the hints.
FIELD_COUNT = "Deze regel heeft {} velden en de kopregel {}: {}."
# TOO_LONG: the value's length and the column's limit.
TOO_LONG = "De waarde is te lang: {} tekens, hoogstens {} toegestaan."


# Shown instead of a person field's value in a finding.
MASKED = "(verborgen)"

DUPLICATE_REFERENCE = (
    "Deze bron_referentie staat al op een eerdere regel van deze levering; die eerdere regel is "
    "verwerkt. Is deze regel een correctie of een nieuwe stand, lever hem dan opnieuw in een "
    "volgende levering (dezelfde bron_referentie geldt dan als correctie)."
)
ADDRESS_UNKNOWN = (
    "Dit adres (postcode, huisnummer en toevoeging) komt niet voor in de adressentabel van de "
    "gemeente; controleer het adres."
)
# A polars format string: {} is the flats' toevoegingen from the municipality's own address table.
TOEVOEGING_NEEDED = (
    "Bij dit huisnummer horen meerdere woningen (toevoeging {}) en de regel noemt er geen; lever de "
    "regel opnieuw met de toevoeging (dezelfde bron_referentie geldt dan als correctie)."
)
BSN_ELFPROEF = "Het BSN voldoet niet aan de elfproef."
CAST = {
    "decimal": "Geen geldig bedrag of getal (gebruik bijvoorbeeld 1234,50 of 1234.50).",
    "integer": "Geen geheel getal.",
    "date": "Geen geldige datum (verwacht JJJJ-MM-DD of DD-MM-JJJJ).",
    "janee": "Geen geldige waarde (verwacht ja of nee).",
    "bsn": "Geen geldig BSN: een BSN bestaat uit 9 cijfers (8 cijfers krijgen een voorloopnul).",
}


def flats_linked(count: int) -> str:
    return (
        f"{count} {'regel' if count == 1 else 'regels'} zonder huisnummertoevoeging gekoppeld aan de "
        "enige woning op dat huisnummer, of aan de enige woning daar met een bekend huishouden; "
        "vermeld de toevoeging voortaan."
    )


# Showing delivered text --------------------------------------------------------------------------

# Control characters (tab allowed), C1 controls and the bidi overrides that reorder shown text.
CONTROL_CHARACTERS_PATTERN = "[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
_CONTROL = re.compile(CONTROL_CHARACTERS_PATTERN)
SHOWN_LENGTH = 60


# Column names a supplier's export may carry beside the contract's: repeated back when dropped.
_COMMON_EXTRA_COLUMNS = frozenset(
    {
        "opmerking",
        "opmerkingen",
        "omschrijving",
        "toelichting",
        "notitie",
        "notities",
        "memo",
        "bijzonderheden",
        "status",
        "naam",
        "adres",
        "klant",
        "klantnaam",
        "huurder",
        "bewoner",
        "bedrag",
        "datum",
        "kenmerk",
        "nummer",
        "id",
        "dossier",
        "dossiernummer",
        "medewerker",
        "behandelaar",
        "team",
        "wijk",
        "buurt",
        "gemeente",
        "categorie",
        "soort",
        "type",
        "reden",
    }
)


def column_label(name: str, position: int) -> str:
    """A delivered header repeated back when it is a column name we know, else its position.

    A header cell can hold anything — a name or BSN when a file has no header row or a pivoted
    export puts people in the keys — so only a contract column (of any feed) or a common export
    column ('opmerking') is repeated as written; any other is named by its position (7), which
    the supplier can count in the file.
    """
    from signals.contracts import all_contracts

    key = re.sub(r"[\s\-]+", "_", name.strip().lower()).strip("_")
    known = _COMMON_EXTRA_COLUMNS | {c.name for contract in all_contracts() for c in contract.columns}
    if key in known and name.strip().isprintable():
        return f"'{name.strip()}'"
    return str(position)


def printable(value: str) -> str:
    """A delivered value as the report may show it: control characters as visible symbols
    (NUL as ␀, ESC as ␛), and long text cut off after 60 characters."""

    def picture(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code < 0x20:
            return chr(0x2400 + code)
        return "\u2421" if code == 0x7F else "\ufffd"

    shown = _CONTROL.sub(picture, value)
    if len(shown) > SHOWN_LENGTH:
        shown = shown[:SHOWN_LENGTH] + f"… ({len(value)} tekens)"
    return shown
