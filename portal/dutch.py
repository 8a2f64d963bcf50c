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
    "inloggen_geblokkeerd": "inloggen geblokkeerd (te veel pogingen)",
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
}


def role_label(role: str | None) -> str:
    """coördinator, leverancier, evaluator, beheerder."""
    if not role:
        return ""
    return ROLE_LABELS.get(role, role.replace("_", " "))


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


def words(value: object) -> str:
    """A vocabulary value as words: ontruiming_gepland → ontruiming gepland."""
    return "" if value is None else str(value).replace("_", " ")


def points(value: int) -> str:
    """+12 punten, −5 punten, 1 punt (a real minus sign)."""
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{abs(value)} {'punt' if abs(value) == 1 else 'punten'}"


def wgs_waiting(count: int | None) -> str:
    """'2 wachten op opvolging (brief …)': the Wgs follow-up duty of a list entry; '' when none wait."""
    if not count:
        return ""
    verb = "wacht" if count == 1 else "wachten"
    return f"{count} {verb} op opvolging ({default_lanes().wgs_followup.channel})"
