"""How the pages write values for a Dutch reader: dates, euros, percentages, lanes, feeds, counts.

Template filters (portal/pages.py registers them). A coordinator never reads a code: lanes by
their label (rules/lanes.py), feeds and vocabulary values in words; an administrator reads the audit
log's actions and the accounts' roles in words too (AUDIT_ACTIONS, ROLE_LABELS).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from rules.lanes import default_lanes
from rules.schema import MONTHS_NL
from rules.scorecard import format_risk
from signals.registry import suppliers

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# What a feed's signal is about, as a coordinator says it (the feed codes are signals/contracts/).
FEED_WORDS = {
    "huurachterstand": "huurachterstand",
    "waterafsluiting": "drinkwater",
    "ddas": "DDAS-vroegsignaal",
    "ontruiming": "ontruimingsprocedure",
    "overlast": "overlast",
    "ggd_melding": "GGD-melding",
}

# The portal's roles (portal/security.py ROLES) as the administrator says them.
ROLE_LABELS = {
    "coordinator": "coördinator",
    "supplier": "leverancier",
    "evaluator": "evaluator",
    "administrator": "beheerder",
}

# Every action the audit log records (state.audit calls in portal/; a test finds them all).
AUDIT_ACTIONS = {
    "ingelogd": "ingelogd",
    "uitgelogd": "uitgelogd",
    "inloggen_mislukt": "inloggen mislukt",
    "inloggen_geblokkeerd": "inloggen geblokkeerd (te veel pogingen)",  # before 2026-12: lines in the log
    "inloggen_vertraagd": "inloggen geweigerd (te veel pogingen vanaf dit adres, even wachten)",
    "inlogcode_mislukt": "verkeerde inlogcode (tweede factor)",
    "herstelcode_gebruikt": "ingelogd met een herstelcode",
    "tweede_factor_ingesteld": "tweede factor ingesteld",
    "tweede_factor_gereset": "tweede factor gewist (opnieuw instellen bij de volgende inlog)",
    "lijst_bekeken": "lijst bekeken",
    "leveringsrapport_bekeken": "leveringsrapport bekeken",
    "leveringsrapport_geweigerd": "leveringsrapport geweigerd (niet van deze leverancier)",
    "lijst_geexporteerd": "lijst geëxporteerd",
    "huishouden_bekeken": "huishouden bekeken",
    "contactpoging_geregistreerd": "contactpoging geregistreerd",
    "resultaat_geregistreerd": "resultaat geregistreerd",
    "toegewezen": "toegewezen aan een medewerker",
    "baan_aangepast": "baan aangepast",
    "registratie_ingetrokken": "registratie ingetrokken",
    "notitie_vastgelegd": "notitie vastgelegd",
    "notitie_ingetrokken": "notitie ingetrokken",
    "leveringen_bekeken": "leveringen bekeken",
    "levering_geupload": "levering geüpload",
    "api_token_geweigerd": "API-sleutel geweigerd",
    "cijfers_bekeken": "cijfers bekeken",
    "auditlog_bekeken": "auditlog bekeken",
    "accounts_bekeken": "accounts bekeken",
    "account_aangemaakt": "account aangemaakt",
    "account_geactiveerd": "account geactiveerd",
    "account_gedeactiveerd": "account gedeactiveerd",
    "wachtwoord_gereset": "wachtwoord opnieuw ingesteld",
    "api_sleutel_aangemaakt": "API-sleutel aangemaakt",
    "api_sleutel_ingetrokken": "API-sleutel ingetrokken",
    # `vroeg ddas` (cli/reports.py, portal/operator.py): the record-level DDAS export
    "ddas_export": "DDAS-export gemaakt",
    "ddas_export_mislukt": "DDAS-export niet gemaakt",
    "ddas_export_geweigerd": "DDAS-export geweigerd",
    # refusals (portal/audit_context.py REFUSALS and the `Refusal`s of the routes)
    "niet_ingelogd": "geweigerd: niet ingelogd",
    "toegang_geweigerd": "geweigerd: geen toegang",
    "niet_gevonden": "geweigerd: niet gevonden",
    "methode_geweigerd": "geweigerd: verkeerde methode",
    "verzoek_geweigerd": "geweigerd: verzoek niet goed",
    "te_groot_geweigerd": "geweigerd: verzoek te groot",
    "csrf_geweigerd": "geweigerd: formulier verlopen of niet van deze site",
    "levering_geweigerd": "levering geweigerd",
    "inzage_opgevraagd": "inzage opgevraagd",
    "auditketen_gecontroleerd": "auditlog op wijzigingen gecontroleerd",
    # the DDAS pull API for CBS (portal/ddas_api/)
    "ddas_token_uitgegeven": "DDAS-API: access token uitgegeven",
    "ddas_token_geweigerd": "DDAS-API: access token geweigerd",
    "ddas_gegevens_opgehaald": "DDAS-API: vroegsignalen opgehaald",
    "ddas_verzoek_geweigerd": "DDAS-API: verzoek geweigerd",
    "ddas_openapi_opgehaald": "DDAS-API: beschrijving (OpenAPI) opgehaald",
    "ddas_clients_bekeken": "DDAS-clients bekeken",
    "ddas_client_aangemaakt": "DDAS-client aangemaakt",
    "ddas_client_ingetrokken": "DDAS-client ingetrokken",
}


# The nightly run's steps (flows/nightly.py `run.step`) and the statuses of a run and a step
# (warehouse/runs.py, flows/nightly.py) as the administrator reads them; a test finds them all.
RUN_STEPS = {
    "ingest": "leveringen innemen",
    "snapshots": "momentopnamen voor de training",
    "purge": "bewaartermijn toepassen",
    "features": "kenmerken per huishouden",
    "rules": "regels en scorekaart",
    "lists": "lijsten maken en schrijven",
    "indicators": "indicatoren",
}
RUN_STATUSES = {
    "running": "bezig",
    "ok": "gelukt",
    "partial": "gelukt, met waarschuwingen",
    "failed": "mislukt",
    # killed before its warehouse went live; recorded by the next start (warehouse/run_journal.py)
    "afgebroken": "afgebroken",
}


def run_words(value: str | None) -> str:
    """A run step or status in words (RUN_STEPS, RUN_STATUSES); unknown ones without underscores."""
    if not value:
        return ""
    return RUN_STEPS.get(value) or RUN_STATUSES.get(value) or value.replace("_", " ")


def role_label(role: str | None) -> str:
    """coördinator, leverancier, evaluator, beheerder."""
    if not role:
        return ""
    return ROLE_LABELS.get(role, role.replace("_", " "))


# The audit log's object is a route template (portal/audit_context.py); its parts in Dutch words.
ROUTE_PARTS = {
    "{household_id}": "{huishouden}",
    "{supplier}": "{leverancier}",
    "{delivery_id}": "{levering}",
    "{fmt}": "{vorm}",
}


def route_words(template: str | None) -> str:
    """/teams/{team}/huishoudens/{household_id} → /teams/{team}/huishoudens/{huishouden}."""
    if not template:
        return ""
    for part, words in ROUTE_PARTS.items():
        template = template.replace(part, words)
    return template


def audit_action(action: str | None) -> str:
    """An audit log action in words: lijst_geexporteerd → lijst geëxporteerd."""
    if not action:
        return ""
    return AUDIT_ACTIONS.get(action, action.replace("_", " "))


def nl_date(value: date | datetime | str | None) -> str:
    """31-10-2026, or 31-10-2026 14:05 (Amsterdam time) for a moment."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # portal.sqlite keeps days as 2026-10-31 and moments with their time
        is_day = len(value) == len("2026-10-31")
        value = date.fromisoformat(value) if is_day else datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(AMSTERDAM)
        return value.strftime("%d-%m-%Y %H:%M")
    return value.strftime("%d-%m-%Y")


def eur(value: Decimal | float | None) -> str:
    """€ 1.234,50."""
    if value is None:
        return ""
    return "€ " + f"{float(value):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def number(value: float | Decimal | None) -> str:
    """2,03: at most two decimals, with a decimal comma; a whole number without."""
    if value is None:
        return ""
    return f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".").replace(".", ",")


def risk(value: float | None) -> str:
    """As on the published lists: 0,04%; 'onbekend' without an estimate."""
    return "onbekend" if value is None else format_risk(value)


def lane_label(code: str | None) -> str:
    """The lane's label (rules/lanes.yaml); never the code, also not for a lane no longer configured."""
    if not code:
        return ""
    try:
        return default_lanes().label(code)
    except KeyError:
        return "een baan die niet meer bestaat"


def feed_words(feed: str | None) -> str:
    if not feed:
        return ""
    return FEED_WORDS.get(feed, feed.replace("_", " "))


def supplier_name(code: str | None) -> str:
    """The supplier's name (config/suppliers.yaml), not its code."""
    if not code:
        return ""
    try:
        return suppliers().get(code).name
    except KeyError:
        return code


# Vocabulary values of the feeds (signals/contracts/*.yaml) that read wrong with their underscores
# only replaced by spaces; every other value is its own words (ontruiming_gepland → ontruiming
# gepland).
VALUE_WORDS = {
    "vervuiling_stank": "vervuiling of stank",
    "agressie_intimidatie": "agressie of intimidatie",
    "cak_zorgverzekeringen": "CAK (zorgverzekeringen)",
    "cak_eigen_bijdrage": "CAK (eigen bijdrage)",
    "duo": "DUO",
    "dienst_toeslagen": "Dienst Toeslagen",
    "belastingdienst": "Belastingdienst",
}


def words(value: object) -> str:
    """A vocabulary value as words: ontruiming_gepland → ontruiming gepland, agressie_intimidatie →
    agressie of intimidatie."""
    if value is None:
        return ""
    return VALUE_WORDS.get(str(value), str(value).replace("_", " "))


def points(value: int) -> str:
    """+12 punten, −5 punten, 1 punt (a real minus sign)."""
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{abs(value)} {'punt' if abs(value) == 1 else 'punten'}"


def postcode(value: str | None) -> str:
    """A postcode as written on an envelope: 1536OI → 1536 OI."""
    if not value:
        return ""
    compact = value.replace(" ", "").upper()
    return f"{compact[:4]} {compact[4:]}" if len(compact) == len("1234AB") else value


def address_line(street_address: str | None, code: str | None, woonplaats: str | None) -> str:
    """Zonnebloemsteeg 3-10, 1501 AB Zaandam (the street address as the lists write it)."""
    place = " ".join(part for part in (postcode(code), woonplaats or "") if part)
    return ", ".join(part for part in (street_address or "", place) if part)


def total_points(value: int | None) -> str:
    """A total without a plus: 88 punten, −5 punten, 1 punt."""
    if value is None:
        return ""
    return points(value).removeprefix("+")


def scorecard_name(model_version: str | None) -> str:
    """Which scorecard estimated the risk, as a coordinator can read it (never the version string);
    '' without one.

    The prior's version starts with 'prior-' (rules/prior_scorecard.yaml); a fitted one's is
    '<bins>+<YYYYMM of its last training date>.<fingerprint>' (evaluation/fit.py).
    """
    if not model_version or model_version == "geen":
        return ""
    if model_version.startswith("prior-"):
        return "voorlopige scorekaart (punten uit beleid en landelijke cijfers)"
    trained = model_version.partition("+")[2].partition(".")[0]
    if len(trained) == len("202604") and trained.isdigit() and 1 <= int(trained[4:]) <= 12:
        month = MONTHS_NL[int(trained[4:]) - 1]
        return f"scorekaart getraind op de eigen gegevens tot en met {month} {trained[:4]}"
    return "scorekaart"


def wgs_waiting(count: int | None) -> str:
    """'2 wachten op opvolging (brief …)': the Wgs follow-up duty of a list entry; '' when none wait."""
    if not count:
        return ""
    verb = "wacht" if count == 1 else "wachten"
    return f"{count} {verb} op opvolging ({default_lanes().wgs_followup.channel})"
