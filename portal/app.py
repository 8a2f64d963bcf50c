"""The portal application: the start page per role, security headers, the body limit.

`create_app(workspace)` builds the app; `vroeg portal` serves it with uvicorn. The pages of each role
live in their own module (login, coordinator and household_forms, supplier, evaluator, administrator), all
rendered through portal/pages.py; this module wires them together. The DDAS pull API for CBS is a
sub-application of its own (portal/ddas_api/), mounted at /api/ddas/v1.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from portal import (
    administrator,
    coordinator,
    errors,
    evaluator,
    household_forms,
    login,
    public,
    regions_page,
    state,
    subject_access,
    supplier,
    worklist,
)
from portal.audit_context import AuditContext
from portal.body_limit import BodyLimit
from portal.ddas_api import admin as ddas_admin
from portal.ddas_api.app import create_api as create_ddas_api
from portal.ddas_api.openapi import BASE_PATH as DDAS_API
from portal.pages import templates
from portal.security import CurrentUser, LoginRequired
from portal.security_config import security_config
from portal.throttle import LoginThrottle
from signals.registry import safe_id
from warehouse.workspace import Workspace, keep_files_private

HERE = Path(__file__).parent

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    # Pages show personal data: no copies in browser or proxy caches.
    "Cache-Control": "no-store",
}

START_PAGES = {
    "coordinator": lambda u: f"/teams/{safe_id(u.team_code)}/lijst",
    "supplier": lambda u: f"/leveranciers/{safe_id(u.supplier_code)}/leveringen",
    "evaluator": lambda u: "/evaluatie",
    "administrator": lambda u: "/beheer/accounts",
}


def create_app(workspace: Path, secure_cookie: bool = True) -> FastAPI:
    """The portal for one workspace. `secure_cookie=False` only for plain-HTTP tests."""
    keep_files_private()  # portal.sqlite, uploads, reports: the owner's alone
    app = FastAPI(title="Vroegsignalering", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.workspace = Workspace(Path(workspace).resolve())
    app.state.state_path = app.state.workspace.portal_state
    app.state.secure_cookie = secure_cookie
    app.state.templates = templates()
    # Failed log-ins counted in memory, per app: portal/throttle.py.
    app.state.login_throttle = LoginThrottle(security_config().login)
    # Only the regions' administrators' portal has a regions file (portal/regions_page.py).
    app.state.regions_file = regions_page.regions_file()
    state.open_state(app.state.state_path).close()

    # Added before the security headers, so it runs inside them: its 413 carries them too, and so
    # does the 500 page of errors.install.
    app.add_middleware(BodyLimit, page=errors.too_large_page, audit=errors.audit_too_large)
    errors.install(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        return response

    # Outermost: every audit line of a request names its route and IP (portal/audit_context.py).
    app.add_middleware(AuditContext)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired):
        errors.audit_refusal(request, 401)
        if request.url.path.startswith("/api/"):
            return Response(status_code=401)
        return RedirectResponse("/inloggen", status_code=303)

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # The DDAS pull API for CBS: its own app, errors and OpenAPI document (portal/ddas_api/).
    app.mount(DDAS_API, create_ddas_api(app.state.workspace.root, app.state.state_path), name="ddas_api")
    app.include_router(login.router)
    app.include_router(worklist.router)
    app.include_router(coordinator.router)
    app.include_router(household_forms.router)
    app.include_router(supplier.router)
    app.include_router(evaluator.router)
    app.include_router(administrator.router)
    app.include_router(ddas_admin.router)
    app.include_router(subject_access.router)
    app.include_router(regions_page.router)
    app.include_router(public.router)
    _add_base_routes(app)
    return app


def _add_base_routes(app: FastAPI) -> None:
    @app.get("/")
    def home(user: CurrentUser):
        return RedirectResponse(START_PAGES[user.role](user), status_code=303)
