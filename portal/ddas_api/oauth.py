"""OAuth 2.0 client credentials for the DDAS API: the token endpoint (authlib) and the Bearer check.

The token endpoint is authlib's generic `AuthorizationServer` with its `ClientCredentialsGrant`,
adapted to a Starlette request the way authlib's framework integrations do it
(`create_oauth2_request` wraps the request and its form, `handle_response` makes the framework's
response). Clients authenticate with client_secret_basic or client_secret_post; the only scope is
`read` (a request without a scope gets `read`). The client's secret is checked against its Argon2
hash in portal.sqlite; a revoked client does not exist for the token endpoint.

An access token is 32 random bytes (URL-safe), returned once and stored only as its SHA-256 with
its expiry (config/ddas_api.yaml `access_token_seconds`); there are no refresh tokens.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections import defaultdict
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from portal import state
from portal.ddas_api import problems

SCOPE = "read"
CLIENT_ID_PREFIX = "ddas-"
TOKEN_BYTES = 32

# The portal.sqlite connection of the token request being answered (authlib's callbacks take none).
_CON: ContextVar[sqlite3.Connection] = ContextVar("ddas_token_con")

# OAuth 2.0 error codes (RFC 6749 section 5.2) with the Dutch words sent as error_description.
ERRORS_NL = {
    "invalid_client": "De client is onbekend, ingetrokken, of het geheim klopt niet.",
    "invalid_request": "Het tokenverzoek is niet volledig of niet goed.",
    "invalid_scope": "Deze scope bestaat niet; de enige scope is read.",
    "unauthorized_client": "Deze client mag dit soort token niet aanvragen.",
    "unsupported_grant_type": "Alleen grant_type client_credentials wordt ondersteund.",
    "invalid_grant": "Het tokenverzoek is niet geldig.",
}

_HASHER = PasswordHasher()
# Verified when the client id is unknown, so that an unknown client takes as long as a wrong secret.
_DUMMY_HASH = _HASHER.hash("not-a-secret-of-any-client")


def hash_secret(secret: str) -> str:
    return _HASHER.hash(secret)


def new_client_id() -> str:
    return CLIENT_ID_PREFIX + secrets.token_hex(8)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Client(ClientMixin):
    def __init__(self, client: state.DdasClient) -> None:
        self.client = client

    def get_client_id(self) -> str:
        return self.client.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return SCOPE if not scope or scope == SCOPE else ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        try:
            return _HASHER.verify(self.client.secret_hash, client_secret)
        except (VerificationError, InvalidHashError):
            return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class _Payload(OAuth2Payload):
    def __init__(self, form: FormData) -> None:
        self._form = form

    @property
    def data(self) -> dict:
        return {k: v for k, v in self._form.items() if isinstance(v, str)}

    @property
    def datalist(self) -> defaultdict[str, list]:
        values: defaultdict[str, list] = defaultdict(list)
        for key, value in self._form.multi_items():
            values[key].append(value)
        return values


class StarletteOAuth2Request(OAuth2Request):
    """authlib's request over a Starlette request whose form has been read."""

    def __init__(self, request: Request, form: FormData, uri: str) -> None:
        super().__init__(method=request.method, uri=uri, headers=request.headers)
        self._form = _Payload(form)
        self.payload = self._form

    @property
    def args(self) -> dict:
        return {}

    @property
    def form(self) -> dict:
        return self._form.data


class _Grant(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]


class TokenServer(AuthorizationServer):
    """One per app. `issue(request, form, con)` answers a token request."""

    def __init__(self, token_seconds: int) -> None:
        super().__init__(scopes_supported=[SCOPE])
        self.token_seconds = token_seconds
        self.register_grant(_Grant)
        self.register_token_generator("default", self._generate)

    # -- what authlib asks of an integration -----------------------------------------------------
    def query_client(self, client_id: str) -> Client | None:
        found = state.ddas_client(_CON.get(), client_id[:100]) if client_id else None
        if found is None or found.is_revoked:
            _HASHER.verify(_DUMMY_HASH, "not-a-secret-of-any-client")  # same time as a wrong secret
            return None
        return Client(found)

    def save_token(self, token: dict, request: OAuth2Request) -> None:
        expires_at = datetime.now(UTC) + timedelta(seconds=token["expires_in"])
        state.add_ddas_token(
            _CON.get(), token["access_token"], request.client.get_client_id(), token["scope"], expires_at
        )

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request  # already wrapped by `issue`, which read the form

    def handle_response(self, status: int, body: dict | str, headers: list[tuple[str, str]]) -> Response:
        if isinstance(body, dict) and "error" in body:  # the standard code stays, the words in Dutch
            words = ERRORS_NL.get(body["error"], "Het tokenverzoek is geweigerd.")
            body = {**body, "error_description": words}
        content = json.dumps(body) if isinstance(body, dict) else body
        return Response(content, status_code=status, headers=dict(headers))

    def send_signal(self, name: str, *args, **kwargs) -> None:
        return None

    def _generate(
        self, grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True
    ):
        return {
            "token_type": "Bearer",
            "access_token": secrets.token_urlsafe(TOKEN_BYTES),
            "expires_in": self.token_seconds,
            "scope": client.get_allowed_scope(scope),
        }

    # -- ours ----------------------------------------------------------------------------------------
    def issue(
        self, request: Request, form: FormData, uri: str, con: sqlite3.Connection
    ) -> tuple[Response, str | None]:
        """authlib's answer to a token request, and the client id when the client authenticated."""
        reset = _CON.set(con)
        try:
            wrapped = StarletteOAuth2Request(request, form, uri)
            response = self.create_token_response(wrapped)
            return response, wrapped.client.get_client_id() if wrapped.client else None
        finally:
            _CON.reset(reset)


def error_code(response: Response) -> str:
    """The OAuth 2.0 error code of a refused token request (a fixed word such as invalid_client)."""
    try:
        code = json.loads(response.body).get("error", "")
    except (ValueError, AttributeError):
        return "onbekende fout"
    return code if isinstance(code, str) and code.replace("_", "").isalpha() else "onbekende fout"


def bearer_token(con: sqlite3.Connection, authorization: str | None, now: datetime | None = None) -> str:
    """The client id of a live token with scope read; else an ApiRefusal (401 or 403, FSC)."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise problems.fsc(
            401,
            problems.TOKEN_MISSING,
            "Stuur een access token mee in de header Authorization: Bearer.",
            "geen access token",
        )
    found = state.ddas_token(con, token[:200])
    if found is None:
        raise problems.fsc(
            401,
            problems.TOKEN_INVALID,
            "De meegestuurde access token is niet geldig.",
            "onbekende access token",
        )
    if found.expires_at <= (now or datetime.now(UTC)):
        raise problems.fsc(
            401,
            problems.TOKEN_EXPIRED,
            "De meegestuurde access token is verlopen; vraag een nieuwe aan.",
            "verlopen access token",
        )
    if found.client_revoked:
        raise problems.fsc(
            403, problems.WRONG_GROUP, "De client van deze access token is ingetrokken.", "client ingetrokken"
        )
    if SCOPE not in found.scope.split():
        raise problems.fsc(
            403,
            problems.WRONG_GROUP,
            "Deze access token geeft geen toegang tot de gegevens.",
            "scope ontbreekt",
        )
    return found.client_id
