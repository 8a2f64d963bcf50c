"""What `POST /gegevens` answers: the request checked, the leveringen built, one page cut out.

The request is validated against the GegevensRequest schema of the OpenAPI document (openapi.py):
not JSON, not an object, an unknown field, a wrong type or format, page or pageSize below 1 → 400.
What is well-formed but cannot be answered → 422: a period without both dates, a start after the
end, an organisation this installation does not deliver for, a period the warehouse cannot answer
completely (indicators.ddas refuses it), a page after the last.

Organisation: `aanleverendeOrganisatie` is matched (case-insensitive) against each gemeente of
config/ddas.yaml — the aanleverende organisatie's naam, the gemeente's name or its gemeentecode; a
samenwerkingsorganisatie selects every gemeente it delivers for. Absent: every gemeente. Each
selected gemeente is one levering (indicators.ddas.ddas_export, v1.2), numbered `teller` 1..n in
config order; the document's header (period, aanleverdatumEnTijd, codeGegevensleverancier) is the
one of the whole answer.

Pagination: a record is a vroegsignaal; records are counted across the leveringen in order.
`pageSize` defaults to, and is capped at, config/ddas_api.yaml's sizes. A page holds the leveringen
that have a record on it (teller unchanged), each with its vroegsignalen on the page and the
vroegsignaalzaken whose first vroegsignaal is on the page; page 1 also holds every levering without
any vroegsignaal (the schema needs at least one levering, and "nothing to deliver" is an answer).
`paginering` is always present; totalPages is at least 1, so an empty answer is page 1 of 1. A page
after the last is refused with 422 rather than answered empty, so that a client's loop ends on a
clear signal.

All pages of one request come from one build, cached in memory per (warehouse file version, period,
organisation), so page 2 neither rebuilds nor sees a newer night than page 1 did (until the cache
lets it go: config `cached_answers`).
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

from indicators.ddas import DdasExportRefused, ddas_config
from portal.cache import file_version
from portal.ddas_api import problems
from portal.ddas_api.config import DdasApiConfig
from portal.ddas_api.export import export_levering
from portal.ddas_api.openapi import GEGEVENS_REQUEST

_VALIDATOR = Draft202012Validator(GEGEVENS_REQUEST, format_checker=FormatChecker())
FIELDS = tuple(GEGEVENS_REQUEST["properties"])
TYPES_NL = {"string": "tekst", "integer": "een geheel getal", "object": "een JSON-object"}


@dataclass(frozen=True)
class GegevensRequest:
    van: date
    tot: date
    organisation: str | None
    page: int
    page_size: int  # after the cap


def _schema_refusal(error) -> problems.ApiRefusal:
    field = error.absolute_path[0] if error.absolute_path else None
    if error.validator == "additionalProperties":
        return problems.bad_request(
            "Het verzoek bevat een veld dat deze API niet kent; toegestaan zijn " + ", ".join(FIELDS) + ".",
            "onbekend veld",
        )
    if field is None:
        return problems.bad_request("Het verzoek is geen JSON-object.", "geen object")
    if error.validator == "type":
        expected = TYPES_NL.get(error.validator_value, error.validator_value)
        return problems.bad_request(f"Het veld {field} moet {expected} zijn.", f"{field}: verkeerd type")
    if error.validator == "minimum":
        return problems.bad_request(
            f"Het veld {field} moet groter zijn dan of gelijk zijn aan {error.validator_value}.",
            f"{field}: te klein",
        )
    if error.validator == "format":
        return problems.bad_request(
            f"Het veld {field} is geen datum in de vorm JJJJ-MM-DD.", f"{field}: geen datum"
        )
    return problems.bad_request(f"Het veld {field} is niet goed.", f"{field}: ongeldig")


def parse_request(body: bytes, config: DdasApiConfig) -> GegevensRequest:
    """The checked request, or an ApiRefusal (400, 422) that names no value of it."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise problems.bad_request("Het verzoek is geen geldige JSON.", "geen JSON") from error
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: (list(e.absolute_path), e.validator))
    if errors:
        raise _schema_refusal(errors[0])
    start, end = data.get("aanleverperiodeStartdatum"), data.get("aanleverperiodeEinddatum")
    if start is None or end is None:
        raise problems.unprocessable(
            "Geef de aanleverperiode op: aanleverperiodeStartdatum en aanleverperiodeEinddatum.",
            "periode ontbreekt",
        )
    van, tot = date.fromisoformat(start), date.fromisoformat(end)
    if van > tot:
        raise problems.unprocessable("De aanleverperiode begint na de einddatum.", "periode omgekeerd")
    organisation = data.get("aanleverendeOrganisatie")
    size = min(data.get("pageSize", config.default_page_size), config.max_page_size)
    return GegevensRequest(
        van, tot, organisation.strip() if organisation else None, data.get("page", 1), size
    )


def selected_gemeenten(organisation: str | None) -> tuple:
    """The config/ddas.yaml entries the request is about; an ApiRefusal (422) when none."""
    entries = ddas_config().gemeenten
    if organisation is None:
        return entries
    wanted = organisation.casefold()
    chosen = tuple(
        g
        for g in entries
        if wanted in {g.gemeentecode, g.gemeente.casefold(), g.aanleverende_organisatie.naam.casefold()}
    )
    if not chosen:
        raise problems.unprocessable(
            "Voor deze aanleverende organisatie levert deze installatie geen gegevens.",
            "organisatie onbekend",
        )
    return chosen


@dataclass(frozen=True)
class Answer:
    """Every levering of one request, before it is cut into pages."""

    header: dict
    leveringen: tuple[dict, ...]
    as_of: date

    @property
    def total_records(self) -> int:
        return sum(len(lv["vroegsignalen"]) for lv in self.leveringen)


def build_answer(con, request: GegevensRequest, terms) -> Answer:
    """One levering per selected gemeente (ApiRefusal 422 when the export refuses the period)."""
    delivered_at = datetime.now(UTC)
    leveringen, header, as_of = [], None, None
    for teller, entry in enumerate(selected_gemeenten(request.organisation), start=1):
        try:
            export = export_levering(con, entry.gemeentecode, request.van, request.tot, terms, delivered_at)
        except DdasExportRefused as error:
            raise problems.unprocessable(
                "Deze periode kan het warehouse niet volledig leveren: hij loopt verder dan de laatste "
                "nachtelijke run, of begint zo vroeg dat signalen al verwijderd kunnen zijn (bewaartermijn).",
                "export geweigerd",
            ) from error
        document = export.document
        (levering,) = document["leveringen"]
        leveringen.append({**levering, "teller": teller})
        header = header or {k: v for k, v in document.items() if k != "leveringen"}
        as_of = export.as_of
    return Answer(header, tuple(leveringen), as_of)


def page_of(answer: Answer, page: int, size: int) -> tuple[dict, dict, dict[str, int]]:
    """(gegevens, paginering, counts on the page) of page `page`; ApiRefusal 422 after the last."""
    total = answer.total_records
    pages = max(1, math.ceil(total / size))
    if page > pages:
        raise problems.unprocessable(
            f"Deze pagina bestaat niet: het antwoord heeft {pages} pagina('s).", "pagina na de laatste"
        )
    first, last = (page - 1) * size, page * size
    shown, offset, signals, cases = [], 0, 0, 0
    for levering in answer.leveringen:
        records = levering["vroegsignalen"]
        lo, hi = max(first - offset, 0), min(last - offset, len(records))
        offset += len(records)
        if not records and page == 1:
            shown.append(levering)
            continue
        if lo >= hi:
            continue
        on_page = records[lo:hi]
        ids = {r["ID"] for r in on_page}
        zaken = [z for z in levering.get("vroegsignaalzaken", []) if z["vroegsignalen"][0]["ID"] in ids]
        shown.append({**levering, "vroegsignalen": on_page, "vroegsignaalzaken": zaken})
        signals += len(on_page)
        cases += len(zaken)
    gegevens = {**answer.header, "leveringen": shown}
    paginering = {"pageSize": size, "currentPage": page, "totalPages": pages, "totalRecords": total}
    return gegevens, paginering, {"records": signals, "zaken": cases, "leveringen": len(shown)}


class AnswerCache:
    """The last few answers, per (warehouse file version, period, organisation); thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[tuple, Answer] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(warehouse: Path, request: GegevensRequest) -> tuple:
        """The warehouse file's version (portal/cache.py: the nightly run replaces the file), the period
        and the organisation."""
        organisation = (request.organisation or "").casefold()
        return (file_version(warehouse), request.van, request.tot, organisation)

    def get(self, key: tuple) -> Answer | None:
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def put(self, key: tuple, answer: Answer) -> None:
        if self.size == 0:
            return
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
