"""Running the nightly flow unattended: the production deployment and the one-machine schedule.

Production: a `prefect server`, a process work pool, this repository's nightly deployment with a
cron of 02:00 Europe/Amsterdam, and a `prefect worker` that picks the runs up (README, "Running
it every night"). One machine: `vroeg schedule` starts a local Prefect server and serves the same
flow on the same cron from one process. Prefect's temporary server runs flows but never
schedules them, so both paths need a real server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

import httpx
from prefect.schedules import Cron

from flows.nightly import nightly
from flows.train_model import train_model

REPO = Path(__file__).resolve().parents[1]
ENTRYPOINT = "flows/nightly.py:nightly"
MODEL_ENTRYPOINT = "flows/train_model.py:train_model"
NIGHTLY_CRON = "0 2 * * *"
# The monthly champion/challenger: after the night of the 2nd, which recorded the month-end's
# snapshot and the labels that matured with it.
MODEL_CRON = "0 3 2 * *"
TIMEZONE = "Europe/Amsterdam"
DEPLOYMENT_NAME = "vroegsignalering"
LOCAL_DEPLOYMENT_NAME = "vroegsignalering-lokaal"


def nightly_schedule() -> Cron:
    return Cron(NIGHTLY_CRON, timezone=TIMEZONE)


def model_schedule() -> Cron:
    return Cron(MODEL_CRON, timezone=TIMEZONE)


def ensure_work_pool(name: str) -> None:
    """Create the process work pool `name` on the server of PREFECT_API_URL, if it is not there."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))


def deploy_nightly(workspace: Path, work_pool: str, name: str = DEPLOYMENT_NAME) -> UUID:
    """Register the nightly deployment (code from this checkout) with its cron on the work pool, and
    the monthly model training beside it; returns the nightly deployment's id."""
    ensure_work_pool(work_pool)
    train_model.from_source(source=str(REPO), entrypoint=MODEL_ENTRYPOINT).deploy(
        name=name,
        work_pool_name=work_pool,
        schedules=[model_schedule()],
        parameters={"workspace": str(Path(workspace).resolve())},
        concurrency_limit=1,
        description="Vroegsignalering: maandelijks een scorekaart trainen, toetsen en kiezen.",
        print_next_steps=False,
        ignore_warnings=True,
    )
    return nightly.from_source(source=str(REPO), entrypoint=ENTRYPOINT).deploy(
        name=name,
        work_pool_name=work_pool,
        schedules=[nightly_schedule()],
        parameters={"workspace": str(Path(workspace).resolve())},
        concurrency_limit=1,  # never two nightly runs on one warehouse
        description="Vroegsignalering: inlezen, opschonen, kenmerken, regels en score, lijsten.",
        print_next_steps=False,
        ignore_warnings=True,
    )


def serve_nightly(workspace: Path) -> None:
    """Serve the nightly flow and the monthly model training on their crons from this process (needs
    PREFECT_API_URL to a real server)."""
    from prefect import serve

    parameters = {"workspace": str(Path(workspace).resolve())}
    serve(
        nightly.to_deployment(
            name=LOCAL_DEPLOYMENT_NAME,
            schedules=[nightly_schedule()],
            parameters=parameters,
            concurrency_limit=1,
        ),
        train_model.to_deployment(
            name=LOCAL_DEPLOYMENT_NAME,
            schedules=[model_schedule()],
            parameters=parameters,
            concurrency_limit=1,
        ),
    )


def wait_healthy(api_url: str, process: subprocess.Popen | None = None, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{api_url}/health", timeout=2).is_success:
                return
        except httpx.HTTPError:
            pass
        if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
            raise RuntimeError(f"Prefect server at {api_url} did not become healthy")
        time.sleep(0.5)


@contextmanager
def local_server(
    home: Path, port: int, log_path: Path, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """A `prefect server start` on loopback with its database in `home`; yields the API URL."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        **(extra_env or {}),
    }
    env.pop("PREFECT_API_URL", None)
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/api"
        try:
            wait_healthy(url, process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
