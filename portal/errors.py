"""Error pages: every refusal and failure of a page answers in Dutch, inside the site's navigation.

403, 404, 405, 413, 422 and 500 render portal/templates/error.html inside base.html, with the
navigation of whoever is logged in (a log-in link for anonymous visitors) and the right status code.
The supplier API (/api/…) keeps its JSON answers. Every refusal (4xx) is audited
(portal/audit_context.py `audit_refusal`), with the action the refusing code named (a `Refusal`)
or one that follows from the status. A 500 page names no exception and no value; the
log names the route, the exception's type and where it was raised, never the exception's message
or the request's body (either may hold personal data).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from portal.audit_context import audit_refusal
from portal.pages import render
from portal.security import page_user

log = logging.getLogger("portal")

API_PREFIX = "/api/"

# (heading, sentence) per status; a route's own Dutch detail replaces the sentence.
PAGES = {
    400: ("Dat lukt niet", "Het verzoek kon niet worden verwerkt."),
    403: ("Geen toegang", "U heeft geen toegang tot deze pagina."),
    404: ("Niet gevonden", "Deze pagina bestaat niet (meer). Controleer het adres."),
    405: ("Dat lukt niet", "Deze pagina kan niet op deze manier worden geopend."),
    413: ("Te groot", "Het verzoek is te groot."),
    422: (
        "Niet goed ingevuld",
        "Het formulier is niet volledig of niet goed ingevuld. Ga terug, controleer de velden en "
        "probeer het opnieuw.",
    ),
    500: (
        "Er ging iets mis",
        "Er ging aan onze kant iets mis; er is niets opgeslagen van wat u net deed. Probeer het later "
        "opnieuw. Blijft het misgaan, meld dan aan de beheerder hoe laat het gebeurde.",
    ),
}
OTHER = ("Dat lukt niet", "Dit verzoek kan niet worden verwerkt.")


def is_api(path: str) -> bool:
    return path.startswith(API_PREFIX)


def error_page(request: Request, status: int, detail: str | None = None) -> Response:
    """The Dutch error page for `status`; `detail` is a route's own Dutch sentence, if it has one.

    Starlette's and FastAPI's English defaults ("Not Found") are replaced by the Dutch sentence."""
    heading, sentence = PAGES.get(status, OTHER)
    if detail and isinstance(detail, str) and detail != _phrase(status):
        sentence = detail
    return render(
        request,
        "error.html",
        page_user(request),
        status_code=status,
        status=status,
        heading=heading,
        message=sentence,
    )


def _phrase(status: int) -> str | None:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return None


def audit_too_large(scope: Mapping) -> None:
    """The body limit's 413 (portal/body_limit.py), audited."""
    audit_refusal(Request(dict(scope)), 413)


def too_large_page(scope: Mapping, refusal: str) -> Response:
    """The body limit's 413 (portal/body_limit.py) as a page, for the paths outside the API."""
    return error_page(Request(dict(scope)), 413, refusal)


def log_failure(request: Request, error: BaseException) -> None:
    """The route, the exception's type and its frames; no message, no query or body values."""
    route = request.scope.get("route")
    where = getattr(route, "path", None) or "(onbekende route)"
    frames = traceback.extract_tb(error.__traceback__)
    stack = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames))
    log.error("500 on %s %s: %s at %s", request.method, where, type(error).__name__, stack)


def install(app: FastAPI) -> None:
    """Register the error handlers; call before the outer middleware (security headers) is added,
    so that a 500 page passes through it and carries its headers."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        audit_refusal(
            request, exc.status_code, getattr(exc, "audit_action", None), getattr(exc, "audit_detail", None)
        )
        if is_api(request.url.path) or exc.status_code == 401:
            return await http_exception_handler(request, exc)
        response = error_page(request, exc.status_code, exc.detail)
        for name, value in (exc.headers or {}).items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        audit_refusal(request, 422)
        if is_api(request.url.path):
            return await request_validation_exception_handler(request, exc)
        # The validation errors echo the values sent: never shown, never logged.
        return error_page(request, 422)

    @app.middleware("http")
    async def server_error(request: Request, call_next: Callable[[Request], Awaitable[Response]]):
        try:
            return await call_next(request)
        except Exception as error:
            log_failure(request, error)
            if is_api(request.url.path):
                return Response(status_code=500)
            return error_page(request, 500)
