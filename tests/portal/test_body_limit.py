"""No request body is read past its limit, and an upload is only read after the sender is known.

The middleware on its own (how much of a body it lets the application read), then a live uvicorn
on a raw socket: a chunked upload without Content-Length from a client without a token is answered
401 before any of its body is sent; one with a token is refused with 413 once it passes the limit,
long before the client has sent it all.
"""

from __future__ import annotations

import asyncio
import select
import socket

import pytest

from portal import state, uploads
from portal.body_limit import FORM_LIMIT, UPLOAD_OVERHEAD, BodyLimit, limit_for
from portal.security import new_api_token
from tests.portal.conftest import OWN_SUPPLIER, live_portal, make_client

CHUNK = 10_000


async def _reading_app(scope, receive, send):
    """An application that reads the whole body, then answers 200 with its length."""
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def _call(limit: int, chunks: int, headers: list | None = None) -> tuple[list[dict], int]:
    """(messages sent, body bytes handed to the application) for an endless-looking chunked body."""
    pulled = 0
    sent: list[dict] = []

    async def receive():
        nonlocal pulled
        pulled += CHUNK
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": pulled < chunks * CHUNK}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/leveringen/overlast", "headers": headers or []}
    app = BodyLimit(_reading_app, limits=lambda path: (limit, "Te groot."))
    asyncio.run(app(scope, receive, send))
    return sent, pulled


def test_a_chunked_body_is_read_no_further_than_the_limit_plus_one_chunk():
    sent, pulled = _call(limit=50_000, chunks=100_000)  # a gigabyte, if it were all read
    assert sent[0]["status"] == 413
    assert (b"connection", b"close") in sent[0]["headers"]
    assert b"Te groot." in sent[1]["body"]
    assert pulled <= 50_000 + CHUNK


def test_a_declared_length_over_the_limit_is_refused_before_reading_anything():
    sent, pulled = _call(limit=50_000, chunks=10, headers=[(b"content-length", b"100000")])
    assert sent[0]["status"] == 413 and pulled == 0


def test_a_body_within_the_limit_reaches_the_application_whole():
    sent, pulled = _call(limit=50_000, chunks=4)
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"40000" and pulled == 40_000


def test_uploads_may_be_as_large_as_agreed_and_every_other_body_is_small(monkeypatch):
    monkeypatch.setattr(uploads, "max_bytes", lambda: 5_000_000)
    for path in (f"/leveranciers/{OWN_SUPPLIER}/leveringen/overlast", "/api/leveringen/overlast"):
        limit, refusal = limit_for(path)
        assert limit == 5_000_000 + UPLOAD_OVERHEAD and "MB" in refusal
    for path in ("/inloggen", "/beheer/accounts/nieuw", "/teams/x/huishoudens/y/contactpoging", "/api/x"):
        assert limit_for(path) == (FORM_LIMIT, "Het verzoek is te groot.")


def test_a_huge_login_form_is_refused_with_or_without_a_declared_length(tmp_path):
    client = make_client(tmp_path)
    form = {"content-type": "application/x-www-form-urlencoded"}
    declared = client.post("/inloggen", content=b"username=" + b"a" * 200_000, headers=form)
    assert declared.status_code == 413 and '<p class="fout">Het verzoek is te groot.</p>' in declared.text
    assert declared.headers["x-frame-options"] == "DENY", "the refusal carries the security headers"

    def chunked():
        yield b"username="
        for _ in range(100):
            yield b"a" * 10_000

    streamed = client.post("/inloggen", content=chunked(), headers=form)
    assert "content-length" not in streamed.request.headers
    assert streamed.status_code == 413


# --- a live server on a raw socket -----------------------------------------------------------------


@pytest.fixture
def live(tmp_path, monkeypatch):
    """(port, API token of OWN_SUPPLIER) of the portal on an empty workspace, uploads capped at 100 kB."""
    monkeypatch.setattr(uploads, "max_bytes", lambda: 100_000)
    token = new_api_token()
    con = state.open_state(tmp_path / "portal.sqlite")
    state.add_api_token(con, token, OWN_SUPPLIER, "test")
    con.close()
    with live_portal(tmp_path, log_level="error") as port:
        yield port, token


def _open(port: int, path: str, headers: dict[str, str]) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
    lines = [f"POST {path} HTTP/1.1", "Host: testserver", "Transfer-Encoding: chunked"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))
    return sock


def _answer(sock: socket.socket) -> bytes:
    """Status line, headers and (Content-Length) body of the server's answer."""
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(65536)
        if not part:
            return data
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    lengths = [int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")]
    length = lengths[0] if lengths else 0
    while len(body) < length and (part := sock.recv(65536)):
        body += part
    return head + b"\r\n\r\n" + body


MULTIPART = "multipart/form-data; boundary=grens"


def test_an_upload_without_a_valid_token_is_refused_before_its_body_is_sent(live):
    port, _ = live
    for headers in ({}, {"Authorization": "Bearer vroeg_verzonnen"}):
        sock = _open(port, "/api/leveringen/overlast", {"Content-Type": MULTIPART, **headers})
        try:
            # Not one byte of the body has been sent: the answer comes anyway, and the server hangs up.
            answer = _answer(sock)
            assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
            assert b"connection: close" in answer.lower()
        finally:
            sock.close()


def test_an_anonymous_form_upload_is_sent_to_the_login_page_before_its_body_is_sent(live):
    port, _ = live
    sock = _open(port, f"/leveranciers/{OWN_SUPPLIER}/leveringen/overlast", {"Content-Type": MULTIPART})
    try:
        answer = _answer(sock)
        assert answer.startswith(b"HTTP/1.1 303") and b"location: /inloggen" in answer.lower()
    finally:
        sock.close()


def test_a_chunked_upload_with_a_token_is_refused_once_it_passes_the_limit(live):
    port, token = live
    total = 64 * 1024 * 1024
    sock = _open(
        port, "/api/leveringen/overlast", {"Content-Type": MULTIPART, "Authorization": f"Bearer {token}"}
    )
    head = (
        '--grens\r\nContent-Disposition: form-data; name="bestand"; filename="groot.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode("ascii")
    block = b"a;b\n" * 16_384  # 64 KiB
    frame = f"{len(block):x}\r\n".encode("ascii") + block + b"\r\n"
    answer, sent = b"", 0
    try:
        sock.sendall(f"{len(head):x}\r\n".encode("ascii") + head + b"\r\n")
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break  # the server answered
            try:
                sock.sendall(frame)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server hung up
            sent += len(block)
        answer = _answer(sock)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"Het bestand is groter dan de afgesproken" in answer
    assert sent < total // 4, f"{sent} of {total} bytes sent before the refusal"
