"""The DDAS API as a FastAPI sub-application, mounted by portal/app.py at /api/ddas/v1.

Routes: `POST /token` (oauth.py), `POST /gegevens` (gegevens.py), `GET /openapi.json`
(openapi.py). Its own exception handlers answer every refusal as problem details or an FSC error
(problems.py), so the portal's HTML error pages (portal/errors.py) never see its requests; an
unexpected failure is a 500 problem that names nothing, logged like the portal's own.

Every response with a body carries `Digest` and `nlgov-adr-payload-sig` (signing.py) when the key
material is in place. Every call — token requests, refusals and the document too — is one audit
line: the client (or "anoniem"), the route, the status, and for /gegevens the period,
organisation, page, page size and the counts (records on the page, total): never a record.

Order of the checks on /gegevens: key material present (else 502), Bearer token (401/403), rate
limit per client (429), the request's Digest and signature (400), the body (400/422), the
warehouse (502), the answer.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from portal import state
from portal.ddas_api import gegevens, oauth, problems, signing
from portal.ddas_api.config import DdasApiConfig, load_config
from portal.ddas_api.openapi import BASE_PATH, openapi_document
from portal.ddas_api.throttle import ApiThrottle

log = logging.getLogger("portal")

ROUTES = {"/token", "/gegevens", "/openapi.json"}
UNKNOWN = BASE_PATH + "/{onbekend}"


class KeyHolder:
    """The key material, loaded on first use and again while it is missing (files placed later)."""

    def __init__(self, config: DdasApiConfig, workspace: Path) -> None:
        self.config, self.workspace = config, workspace
        self._material: signing.KeyMaterial | None = None
        self.problem: str | None = None

    def get(self) -> signing.KeyMaterial | None:
        if self._material is None:
            try:
                self._material = signing.load_key_material(self.config, self.workspace)
                self.problem = None
            except signing.KeyMaterialMissing as missing:
                self.problem = str(missing)
        return self._material


class SignBodies:
    """ASGI middleware: a response with a body gets Digest and nlgov-adr-payload-sig."""

    def __init__(self, app, keys: KeyHolder) -> None:
        self.app, self.keys = app, keys

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        chunks: list[bytes] = []

        async def signing_send(message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            material = self.keys.get() if body else None
            if material is not None:
                headers = MutableHeaders(scope=start)
                for name, value in material.signer.sign(body).items():
                    headers[name] = value
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, signing_send)


class Unexpected:
    """ASGI middleware: an unexpected exception becomes a 500 problem (logged without its message)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        started = False

        async def watching_send(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception as error:
            frames = traceback.extract_tb(error.__traceback__)
            where = " <- ".join(
                f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames)
            )
            log.error("500 on the DDAS API: %s at %s", type(error).__name__, where)
            if started:
                raise
            body = {
                "type": problems.PROBLEM_TYPE + "interne-fout",
                "title": "Interne fout",
                "status": 500,
                "detail": "Er ging aan onze kant iets mis; probeer het later opnieuw.",
                "instance": BASE_PATH + (_inner_path(scope) if _inner_path(scope) in ROUTES else "/"),
            }
            await JSONResponse(body, status_code=500, media_type=problems.PROBLEM_JSON)(scope, receive, send)


def _inner_path(scope) -> str:
    """The path below the mount point (Starlette keeps the full path and the mount in root_path)."""
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _route(request: Request) -> str:
    path = _inner_path(request.scope)
    return BASE_PATH + path if path in ROUTES else UNKNOWN


def audit_call(request: Request, action: str, status: int, detail: str = "") -> None:
    """One audit line for a call of the API; never raises (a failure to write is logged)."""
    try:
        con = state.open_state(request.app.state.state_path)
    except Exception:
        log.error("audit of a DDAS API call (%s) failed: portal.sqlite cannot be opened", status)
        return
    try:
        client = getattr(request.state, "ddas_client", None)
        state.audit(
            con,
            action,
            username=f"ddas:{client}" if client else state.ANONYMOUS,
            detail="; ".join(p for p in (f"status {status}", detail) if p),
            ip=request.client.host if request.client else None,
            result=state.ALLOWED if status < 400 else state.REFUSED,
            object=_route(request),
        )
    except Exception as error:
        log.error("audit of a DDAS API call (%s) failed: %s", status, type(error).__name__)
    finally:
        con.close()


async def audit_later(request: Request, action: str, status: int, detail: str = "") -> None:
    """audit_call off the event loop (it waits for portal.sqlite's write lock)."""
    await run_in_threadpool(audit_call, request, action, status, detail)


def _refusal_action(request: Request) -> str:
    return "ddas_token_geweigerd" if _inner_path(request.scope) == "/token" else "ddas_verzoek_geweigerd"


def create_api(workspace: Path, state_path: Path, config: DdasApiConfig | None = None) -> FastAPI:
    config = config or load_config()
    api = FastAPI(title="DDAS Vroegsignalering", docs_url=None, redoc_url=None, openapi_url=None)
    api.state.workspace = Path(workspace)
    api.state.state_path = state_path
    api.state.config = config
    api.state.keys = KeyHolder(config, Path(workspace))
    api.state.tokens = oauth.TokenServer(config.access_token_seconds)
    api.state.throttle = ApiThrottle(config.rate_limits)
    api.state.answers = gegevens.AnswerCache(config.cached_answers)
    api.add_middleware(Unexpected)
    api.add_middleware(SignBodies, keys=api.state.keys)

    @api.exception_handler(problems.ApiRefusal)
    async def refused(request: Request, exc: problems.ApiRefusal):
        words = "; ".join(
            p for p in (exc.fsc_code or exc.problem, exc.audit_words, _call_words(request)) if p
        )
        await audit_later(request, _refusal_action(request), exc.status, words)
        return exc.response(_route(request))

    @api.exception_handler(StarletteHTTPException)
    async def routing(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 405:
            refusal = problems.fsc(
                405,
                problems.METHOD_UNSUPPORTED,
                "Deze methode wordt hier niet ondersteund.",
                "methode niet ondersteund",
                headers={"Allow": (exc.headers or {}).get("Allow", "POST")},
            )
        elif exc.status_code == 404:
            refusal = problems.fsc(
                404, problems.SERVICE_NOT_FOUND, "Deze service bestaat niet onder deze API.", "onbekend pad"
            )
        else:
            refusal = problems.bad_request(
                "Het verzoek kon niet worden verwerkt.", f"status {exc.status_code}"
            )
            refusal.status = exc.status_code
        return await refused(request, refusal)

    @api.get("/openapi.json", include_in_schema=False)
    def document(request: Request):
        audit_call(request, "ddas_openapi_opgehaald", 200)
        return JSONResponse(openapi_document())

    @api.post("/token", include_in_schema=False)
    async def token(request: Request):
        return await _token(request)

    @api.post("/gegevens", include_in_schema=False)
    async def post_gegevens(request: Request):
        return await _gegevens(request)

    return api


def _call_words(request: Request) -> str:
    """What the audit says of the request being answered (set as it is checked)."""
    return getattr(request.state, "ddas_words", "")


async def _token(request: Request) -> Response:
    api = request.app
    ip = request.client.host if request.client else "onbekend"
    wait = api.state.throttle.hit("token-ip", ip)
    if wait is not None:
        raise problems.ApiRefusal(
            429,
            "Te veel aanvragen van een access token vanaf dit adres; probeer het later opnieuw.",
            problem="te-veel-verzoeken",
            audit_words="limiet per IP-adres",
            headers={"Retry-After": str(wait)},
        )
    form = await request.form(max_files=0, max_fields=10)
    # authlib refuses a token endpoint URL that is not https. TLS ends at the reverse proxy in front
    # of the portal (docs/ddas_api.md), which uvicorn is not told about (no proxy headers), so the URL
    # is given as the client used it.
    uri = str(request.url.replace(scheme="https"))

    def issue() -> tuple[Response, str | None]:
        con = state.open_state(api.state.state_path)
        try:
            return api.state.tokens.issue(request, form, uri, con)
        finally:
            con.close()

    try:
        response, client = await run_in_threadpool(issue)
    finally:
        await form.close()
    request.state.ddas_client = client
    if response.status_code == 200:
        await audit_later(request, "ddas_token_uitgegeven", 200, "scope read")
    else:
        await audit_later(request, "ddas_token_geweigerd", response.status_code, oauth.error_code(response))
    return response


async def _gegevens(request: Request) -> Response:
    api = request.app
    material = api.state.keys.get()
    if material is None:
        log.error("DDAS API: key material missing: %s", api.state.keys.problem)
        raise problems.fsc(
            502,
            problems.SERVICE_UNREACHABLE,
            "De gegevensdienst is nog niet ingericht (sleutel of certificaten ontbreken); meld dit aan "
            "de beheerder van de gemeente.",
            "sleutelmateriaal ontbreekt",
        )

    def who() -> str:
        con = state.open_state(api.state.state_path)
        try:
            return oauth.bearer_token(con, request.headers.get("authorization"))
        finally:
            con.close()

    request.state.ddas_client = await run_in_threadpool(who)
    wait = api.state.throttle.hit("client", request.state.ddas_client)
    if wait is not None:
        raise problems.ApiRefusal(
            429,
            "Te veel verzoeken van deze client; probeer het later opnieuw.",
            problem="te-veel-verzoeken",
            audit_words="limiet per client",
            headers={"Retry-After": str(wait)},
        )
    body = await request.body()
    try:
        signer = signing.verify_request(
            body,
            request.headers.getlist(signing.DIGEST_HEADER),
            request.headers.getlist(signing.SIGNATURE_HEADER),
            material.trust_anchors,
        )
    except signing.SignatureRefused as refused:
        raise problems.ApiRefusal(
            400, str(refused), problem="ongeldige-handtekening", audit_words="handtekening of digest"
        ) from refused
    asked = gegevens.parse_request(body, api.state.config)
    request.state.ddas_words = (
        f"periode {asked.van} t/m {asked.tot}; organisatie "
        f"{'alle' if asked.organisation is None else 'opgegeven'}; pagina {asked.page}; "
        f"paginagrootte {asked.page_size}; ondertekend door {signing.certificate_name(signer)}"
    )
    warehouse: Path = api.state.workspace / "warehouse.duckdb"
    if not warehouse.exists():
        raise problems.fsc(
            502,
            problems.SERVICE_UNREACHABLE,
            "Er zijn nog geen gegevens: het warehouse ontbreekt.",
            "geen warehouse",
        )
    answer = await run_in_threadpool(_answer, api, warehouse, asked)
    found, paginering, counts = gegevens.page_of(answer, asked.page, asked.page_size)
    await audit_later(
        request,
        "ddas_gegevens_opgehaald",
        200,
        f"{_call_words(request)}; gemeenten {','.join(lv['gemeentecode'] for lv in answer.leveringen)}; "
        f"peildatum {answer.as_of}; leveringen op pagina {counts['leveringen']}; "
        f"records op pagina {counts['records']}; zaken op pagina {counts['zaken']}; "
        f"totaal records {paginering['totalRecords']}; pagina's {paginering['totalPages']}",
    )
    return JSONResponse({"gegevens": found, "paginering": paginering})


def _answer(api: FastAPI, warehouse: Path, asked: gegevens.GegevensRequest) -> gegevens.Answer:
    from portal.cache import reading
    from signals.retention import retention

    key = gegevens.AnswerCache.key(warehouse, asked)
    answer = api.state.answers.get(key)
    if answer is None:
        gegevens.selected_gemeenten(asked.organisation)  # an unknown organisation before the warehouse opens
        with reading(warehouse) as con:
            answer = gegevens.build_answer(con, asked, retention())
        api.state.answers.put(key, answer)
    return answer
