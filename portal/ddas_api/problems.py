"""How the DDAS API says no: RFC 9457 problem details and FSC errors, both in Dutch.

- 400 / 422 / 429: `application/problem+json` with `type` (a URN naming the problem), `title`,
  `status`, `detail` and `instance` (the path asked for, never its values) — ProblemDetails of
  DDAS-VS.yaml.
- 401 / 403 / 404 / 405 / 502: the FscError of DDAS-VS.yaml (`code`, `domain`
  ERROR_DOMAIN_INWAY, `title`, `detail`, `status`), also as `application/problem+json`, with the
  same code in the `Fsc-Error-Code` header; 401 adds `WWW-Authenticate: Bearer`, 405 `Allow`.

No title or detail quotes a value of the request (the body may be personal data, and an echo is
what a probe looks for). An `ApiRefusal` carries the audit action and a few fixed audit words too.
"""

from __future__ import annotations

import json

from starlette.responses import Response

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE = "urn:vroegsignalering:ddas-api:probleem:"
FSC_DOMAIN = "ERROR_DOMAIN_INWAY"
FSC_HEADER = "Fsc-Error-Code"

# The FSC error codes DDAS-VS.yaml allows (its Fsc-Error-Code header enum), and when we use them.
TOKEN_MISSING = "ERROR_CODE_ACCESS_TOKEN_MISSING"  # 401: no Bearer token
TOKEN_INVALID = "ERROR_CODE_ACCESS_TOKEN_INVALID"  # 401: a token this server did not issue
TOKEN_EXPIRED = "ERROR_CODE_ACCESS_TOKEN_EXPIRED"  # 401: a token past its expiry
WRONG_GROUP = "ERROR_CODE_WRONG_GROUP_ID_IN_TOKEN"  # 403: token without scope read, or client revoked
SERVICE_NOT_FOUND = "ERROR_CODE_SERVICE_NOT_FOUND"  # 404: no such path under /api/ddas/v1
SERVICE_UNREACHABLE = "ERROR_CODE_SERVICE_UNREACHABLE"  # 502: key material missing, warehouse absent
METHOD_UNSUPPORTED = "ERROR_CODE_METHOD_UNSUPPORTED"  # 405: GET (etc.) on /gegevens
FSC_CODES = (
    TOKEN_MISSING,
    TOKEN_INVALID,
    TOKEN_EXPIRED,
    WRONG_GROUP,
    SERVICE_NOT_FOUND,
    SERVICE_UNREACHABLE,
    METHOD_UNSUPPORTED,
)

FSC_TITLES = {
    TOKEN_MISSING: "Access token ontbreekt",
    TOKEN_INVALID: "Ongeldige access token",
    TOKEN_EXPIRED: "Access token verlopen",
    WRONG_GROUP: "Geen toegang met deze access token",
    SERVICE_NOT_FOUND: "Service niet gevonden",
    SERVICE_UNREACHABLE: "Service niet bereikbaar",
    METHOD_UNSUPPORTED: "Methode niet ondersteund",
}

# Problem types of 400, 422 and 429: slug → Dutch title.
PROBLEMS = {
    "ongeldig-verzoek": "Ongeldig verzoek",
    "ongeldige-handtekening": "Ongeldige handtekening of digest",
    "niet-verwerkbaar": "Verzoek niet verwerkbaar",
    "te-veel-verzoeken": "Te veel verzoeken",
}


class ApiRefusal(Exception):
    """A refusal of the API, answered as problem details or an FSC error and audited."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        problem: str | None = None,
        fsc_code: str | None = None,
        audit_words: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        if (problem is None) == (fsc_code is None):
            raise ValueError("an ApiRefusal is either a problem or an FSC error")
        self.status = status
        self.detail = detail
        self.problem = problem
        self.fsc_code = fsc_code
        self.audit_words = audit_words
        self.headers = headers or {}

    def body(self, instance: str) -> dict:
        if self.fsc_code is not None:
            return {
                "code": self.fsc_code,
                "domain": FSC_DOMAIN,
                "title": FSC_TITLES[self.fsc_code],
                "detail": self.detail,
                "status": self.status,
            }
        return {
            "type": PROBLEM_TYPE + self.problem,
            "title": PROBLEMS[self.problem],
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
        }

    def response(self, instance: str) -> Response:
        headers = dict(self.headers)
        if self.fsc_code is not None:
            headers[FSC_HEADER] = self.fsc_code
        if self.status == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="ddas"')
        body = json.dumps(self.body(instance), ensure_ascii=False).encode("utf-8")
        return Response(body, status_code=self.status, media_type=PROBLEM_JSON, headers=headers)


def bad_request(detail: str, words: str) -> ApiRefusal:
    return ApiRefusal(400, detail, problem="ongeldig-verzoek", audit_words=words)


def unprocessable(detail: str, words: str) -> ApiRefusal:
    return ApiRefusal(422, detail, problem="niet-verwerkbaar", audit_words=words)


def fsc(status: int, code: str, detail: str, words: str, headers: dict[str, str] | None = None) -> ApiRefusal:
    return ApiRefusal(status, detail, fsc_code=code, audit_words=words, headers=headers)
