"""Portal latency: the real portal (`vroeg portal`, uvicorn) on loopback, 20 concurrent clients.

A coordinator account is made with `vroeg portal user add`; it logs in through the log-in form
(CSRF token, session cookie) and sets up its second factor, and the clients share that session;
each then requests, back to back for a fixed time, the
team's list page, and after that household pages of households on that list, each household once
(first views). Latency is per request, measured in the client; p50/p95/p99 over all clients. Then
an evaluator logs in the same way and opens the evaluator's page of every stored year once.
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path

from bench.nightly import _vroeg
from portal.security import SESSION_COOKIE

PASSWORD = "bench-password-not-for-production"
USER = "bench-coordinator"
EVALUATOR = "bench-evaluator"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _login(base: str, username: str = USER):
    """Log the bench's coordinator in as a person would: the password, then the second factor's
    set-up (the secret read from the page, a code from it). One log-in: a code is accepted once per
    account, so the clients share this session (`_clients`)."""
    import httpx
    import pyotp

    client = httpx.Client(base_url=base, timeout=60)
    page = client.get("/inloggen")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = client.post("/inloggen", data={"username": username, "password": PASSWORD, "csrf_token": token})
    if done.status_code != 303 or done.headers["location"] != "/inloggen/instellen":
        raise RuntimeError(f"log-in failed: {done.status_code}")
    form = client.get("/inloggen/instellen").text
    secret = re.search(r'id="totp-sleutel">([A-Z2-7]+)<', form).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    client.post("/inloggen/instellen", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    if client.get("/", follow_redirects=False).status_code != 303 or SESSION_COOKIE not in client.cookies:
        raise RuntimeError("second factor refused")
    return client


def _clients(base: str, n: int) -> list:
    """`n` HTTP clients (each its own connection) on one logged-in session."""
    import httpx

    first = _login(base)
    return [first] + [httpx.Client(base_url=base, timeout=60, cookies=first.cookies) for _ in range(n - 1)]


def _load(clients: list, paths: list[str], seconds: float, once: bool = False) -> dict:
    """Every client requests the paths in turn, back to back, for `seconds`; with `once` each path is
    requested once in all (first views: nothing of it is cached yet) and a client stops when none is
    left."""
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(i: int, client) -> None:
        mine, bad, n = [], 0, i
        while time.perf_counter() < stop_at and not (once and n >= len(paths)):
            path = paths[n % len(paths)]
            n += len(clients)
            started = time.perf_counter()
            response = client.get(path)
            mine.append(time.perf_counter() - started)
            if response.status_code != 200:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors.append(bad)

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ms = sorted(x * 1000 for x in latencies)

    def pct(p: float) -> float:
        return round(ms[min(len(ms) - 1, int(p * len(ms)))], 1)

    return {
        "kind": "once" if once else "repeated",
        "requests": len(ms),
        "errors": sum(errors),
        "requests_per_second": round(len(ms) / wall, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(ms), 1),
    }


def _add_user(workspace: Path, env: dict, username: str, role: str, team: str | None) -> None:
    team_args = ["--team", team] if team else []
    subprocess.run(
        [_vroeg(), "portal", "user", "add", username, "--role", role, *team_args, "-w", str(workspace)],
        env=env,
        check=True,
        capture_output=True,
    )


def _first_views(client, paths: list[str]) -> dict:
    """One client, each path once (nothing of it cached yet): the slowest and every latency."""
    ms = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        ms.append(round((time.perf_counter() - started) * 1000, 1))
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
    return {"requests": len(ms), "max_ms": max(ms), "median_ms": statistics.median(ms), "ms": ms}


def measure(
    workspace: Path,
    team: str,
    household_ids: list[str],
    clients: int = 20,
    seconds: float = 20,
    years: list[int] | None = None,
) -> dict:
    """Start the portal on `workspace` (its warehouse.duckdb has the lists), drive it, stop it.

    Household pages are first views: every household of the list once, shared by the clients (the
    portal keeps what it read per warehouse version, so a second view costs nothing). The evaluator's
    page: one evaluator, each stored year's report once, one after the other (`years`)."""
    env = {**os.environ, "VROEG_PORTAL_PASSWORD": PASSWORD}
    (workspace / "portal.sqlite").unlink(missing_ok=True)
    _add_user(workspace, env, USER, "coordinator", team)
    if years:
        _add_user(workspace, env, EVALUATOR, "evaluator", None)
    port = _free_port()
    log = (workspace / "portal.log").open("wb")
    server = subprocess.Popen(
        [_vroeg(), "portal", "-w", str(workspace), "--port", str(port), "--no-secure-cookie"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(300):
            try:
                if httpx.get(base + "/inloggen", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        sessions = _clients(base, clients)
        list_path = f"/teams/{team}/lijst"
        household_paths = [f"/teams/{team}/huishoudens/{h}" for h in household_ids]
        warm_up = household_paths[:5]
        _load(sessions[:2], [list_path, *warm_up], 2)  # warm-up, not measured
        result = {
            "clients": clients,
            "team": team,
            "list_entries": len(household_ids),
            "list_page": _load(sessions, [list_path], seconds),
            "household_page": _load(sessions, household_paths[len(warm_up) :], seconds, once=True),
        }
        for s in sessions:
            s.close()
        if years:
            evaluator = _login(base, EVALUATOR)
            result["evaluator_page"] = _first_views(evaluator, [f"/evaluatie?jaar={y}" for y in years])
            evaluator.close()
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
