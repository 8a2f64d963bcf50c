"""No request body is read past its limit: uploads up to the agreed delivery size, forms far less.

An ASGI middleware, so it sits below every parser (Starlette's form parsing spools an upload to
disk as it reads): a declared Content-Length over the limit is refused before anything is read, and
a body without one (chunked) is counted as it streams in and refused as soon as the count passes the
limit — at most the limit plus one received chunk is ever read. The refusal is a 413 with one Dutch
sentence and `Connection: close`, so the server stops reading the rest of the body: for the API as
JSON, for a page as the portal's error page when the app hands one in (`page`), else as plain text;
`audit` (if handed in) records the refusal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.responses import Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Log-in, registrations, account forms: a few hundred bytes each.
FORM_LIMIT = 64 * 1024
# Multipart framing and the CSRF field around an uploaded file.
UPLOAD_OVERHEAD = 64 * 1024
UPLOAD_PATHS = re.compile(r"^/(?:api/leveringen/[^/]+|leveranciers/[^/]+/leveringen/[^/]+)/?$")


class BodyTooLarge(Exception):
    """Raised into the application when its request body passes the limit."""


def upload_limit() -> int:
    from portal.uploads import max_bytes

    return max_bytes() + UPLOAD_OVERHEAD


def limit_for(path: str) -> tuple[int, str]:
    """(bytes, Dutch refusal) for a request path."""
    if UPLOAD_PATHS.match(path):
        from signals.registry import suppliers

        return upload_limit(), f"Het bestand is groter dan de afgesproken {suppliers().max_delivery_mb} MB."
    return FORM_LIMIT, "Het verzoek is te groot."


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        limits: Callable[[str], tuple[int, str]] = limit_for,
        page: Callable[[Scope, str], Response] | None = None,
        audit: Callable[[Scope], None] | None = None,
    ) -> None:
        self.app = app
        self.limits = limits
        self.page = page
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, refusal = self.limits(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, refusal)
            return

        received = 0
        exceeded = False  # the body passed the limit: nothing more is read
        answering = False  # the application's answer has started (then it cannot be replaced)

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal answering
            if exceeded and not answering:
                return  # the application's answer to a body it could not read (often a 400): ours instead
            answering = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not answering:
            await self._refuse(scope, send, refusal)

    async def _refuse(self, scope: Scope, send: Send, refusal: str) -> None:
        if self.audit is not None:
            self.audit(scope)
        if self.page is not None and not scope["path"].startswith("/api/"):
            response = self.page(scope, refusal)
            response.headers["connection"] = "close"
            await response(scope, _nothing_more, send)
            return
        await _plain_refusal(scope, send, refusal)


async def _nothing_more() -> Message:
    """The receive of a refused request: its body is not read."""
    return {"type": "http.disconnect"}


async def _plain_refusal(scope: Scope, send: Send, refusal: str) -> None:
    if scope["path"].startswith("/api/"):
        body, media_type = json.dumps({"detail": refusal}).encode("utf-8"), b"application/json"
    else:
        body, media_type = refusal.encode("utf-8"), b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", media_type),
                (b"content-length", str(len(body)).encode("ascii")),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
