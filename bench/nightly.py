"""The whole nightly flow with Prefect, as `vroeg nightly` runs it (Prefect local mode), region scale.

The workspace gets the template's warehouse (its history taken in, the last week held back), its
reference and registration files and the golden scorecard. A first run (as of a week earlier)
applies the retention purge to the years of history, as the first regular run after go-live does;
then the held-back week's deliveries are put in the inbox and the next night's run is the one
measured: a fresh `vroeg nightly` process, so its wall time includes Python and Prefect start-up
and Prefect's temporary local server, exactly what cron would start.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from bench.world import CACHE, END_DATE


def _vroeg() -> str:
    return str(Path(sys.executable).with_name("vroeg"))


def run_timed(cmd: list[str], env: dict[str, str], log: Path) -> dict:
    """Run `cmd`; wall seconds and the peak RSS of that process (wait4's rusage)."""
    started = time.perf_counter()
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({code}); see {log}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024)}


def bench_env(prefect_home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "VROEG_CODE_VERSION": "bench",
    }
    env.pop("PREFECT_API_URL", None)
    return env


def _steps(warehouse: Path) -> dict[str, float]:
    from warehouse.store import connect

    con = connect(warehouse, read_only=True)
    try:
        rows = con.execute(
            """select step, epoch(finished_at) - epoch(started_at)
               from meta_run_step
               where run_id = (select run_id from meta_run order by started_at desc limit 1)
               order by started_at"""
        ).fetchall()
        flow = con.execute(
            "select epoch(finished_at) - epoch(started_at) from meta_run order by started_at desc limit 1"
        ).fetchall()[0][0]
    finally:
        con.close()
    return {"flow_body_seconds": round(flow, 2), **{f"step_{s}_seconds": round(d, 2) for s, d in rows}}


def prepare_workspace(template: Path, ws: Path) -> None:
    """A region workspace from the template: its warehouse (history taken in, the last week held
    back), reference and registration files, an empty inbox."""
    shutil.rmtree(ws, ignore_errors=True)
    (ws / "models").mkdir(parents=True)
    shutil.copyfile(template / "warehouse.duckdb", ws / "warehouse.duckdb")
    shutil.copytree(template / "region" / "reference", ws / "reference")
    shutil.copytree(template / "region" / "registraties", ws / "registraties")
    (ws / "inbox").mkdir()


def measure(template: Path, workdir: Path) -> dict:
    ws = workdir / "nightly"
    prepare_workspace(template, ws)
    env = bench_env(CACHE / "prefect-home")
    log = workdir / "nightly.log"
    first_as_of = (END_DATE - timedelta(days=7)).isoformat()
    first = run_timed([_vroeg(), "nightly", "-w", str(ws), "--as-of", first_as_of], env, log)
    first.update(_steps(ws / "warehouse.duckdb"))
    shutil.copyfile(ws / "warehouse.duckdb", workdir / "before-night.duckdb")
    files = _fill_inbox(template, ws)
    night_cmd = [_vroeg(), "nightly", "-w", str(ws), "--as-of", END_DATE.isoformat()]
    night = run_timed(night_cmd, env, log)
    night.update(_steps(ws / "warehouse.duckdb"))
    night["files_in_inbox"] = files

    # The same night again, against a running `prefect server start` (the production path: the
    # server is up before cron starts the run), from the same warehouse and inbox.
    from flows.deploy import local_server

    shutil.copyfile(workdir / "before-night.duckdb", ws / "warehouse.duckdb")
    _fill_inbox(template, ws)
    server_home = CACHE / "prefect-server-home"
    with local_server(
        server_home, _free_port(), workdir / "prefect-server.log", {"PREFECT_UI_ENABLED": "false"}
    ) as url:
        served = run_timed(night_cmd, {**env, "PREFECT_API_URL": url}, log)
    served.update(_steps(ws / "warehouse.duckdb"))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import prefect, flows.nightly"], env=env, check=True, capture_output=True
    )
    night["python_and_prefect_import_seconds"] = round(time.perf_counter() - started, 2)
    return {"first_run_after_history": first, "next_night": night, "next_night_with_prefect_server": served}


def _fill_inbox(template: Path, ws: Path) -> int:
    """The held-back week's files with their receipts (sidecars, signals/receipts.py); returns the files."""
    files = 0
    for path in sorted((template / "night").glob("*/*/*")):
        target = ws / "inbox" / path.relative_to(template / "night")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        files += not path.name.startswith(".")
    return files


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
