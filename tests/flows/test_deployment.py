"""The production path and the one-machine schedule, against real Prefect servers on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from tests.conftest import TINY_AS_OF, _free_port, history_manifest

pytestmark = pytest.mark.flow

POOL = "vroeg-test"


def _workspace(tiny_region: Path, target: Path) -> Path:
    import shutil

    for part in ("inbox", "reference", "registraties"):
        shutil.copytree(tiny_region / part, target / part)
    return target


def _runs_of(deployment_id, state_names: set[str] | None = None) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
        )
    return [r for r in runs if state_names is None or r.state_name in state_names]


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def _at_two_in_amsterdam(runs: list) -> bool:
    local = [r.expected_start_time.astimezone(ZoneInfo("Europe/Amsterdam")) for r in runs]
    return all((t.hour, t.minute) == (2, 0) for t in local) and all(
        r.expected_start_time > datetime.now(tz=UTC) for r in runs
    )


def test_deployment_on_a_work_pool_runs_on_a_worker_and_its_cron_creates_scheduled_runs(
    prefect_server, tiny_region, tmp_path
):
    from prefect.deployments import run_deployment

    from flows.deploy import DEPLOYMENT_NAME, deploy_nightly
    from flows.regions import process_worker_command

    workspace = _workspace(tiny_region, tmp_path / "ws")
    deployment_id = deploy_nightly(workspace, POOL)

    scheduled = _wait_for(lambda: _runs_of(deployment_id, {"Scheduled"}), 60, "scheduled runs from the cron")
    assert _at_two_in_amsterdam(scheduled)

    run = run_deployment(
        f"nightly/{DEPLOYMENT_NAME}",
        parameters={"as_of": TINY_AS_OF.isoformat(), "history_manifest": history_manifest(workspace)},
        timeout=0,
    )
    worker = subprocess.run(
        process_worker_command(POOL, "--run-once"),
        env={**os.environ, "PREFECT_API_URL": prefect_server},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert worker.returncode == 0, worker.stdout[-2000:] + worker.stderr[-2000:]

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    with get_client(sync_client=True) as client:
        finished = client.read_flow_run(run.id)
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
    assert finished.state_name == "Completed", "\n".join(log.message for log in logs)[-3000:]
    lists = workspace / "lists" / TINY_AS_OF.isoformat()
    assert len(list(lists.glob("*.csv"))) == 13
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        recorded = con.execute("select flow_run_id, status from meta_run").fetchall()
    finally:
        con.close()
    assert recorded == [(str(run.id), "ok")] or recorded[0][0] == str(run.id)


def test_schedule_command_serves_the_nightly_flow_on_its_own_local_server(tmp_path):
    """`vroeg schedule` starts a Prefect server and serves the nightly deployment on the cron."""
    port = _free_port()
    env = {**os.environ, "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5"}
    env.pop("PREFECT_API_URL", None)
    vroeg = Path(sys.executable).with_name("vroeg")
    process = subprocess.Popen(
        [str(vroeg), "schedule", "--workspace", str(tmp_path), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, temporary_settings

        def deployment():
            try:
                with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
                    return client.read_deployment_by_name("nightly/vroegsignalering-lokaal")
            except Exception:
                assert process.poll() is None, process.stdout.read()
                return None

        served = _wait_for(deployment, 120, "the served deployment")
        assert served.parameters == {"workspace": str(tmp_path.resolve())}

        def scheduled():
            with temporary_settings({PREFECT_API_URL: api}):
                return _runs_of(served.id, {"Scheduled"})

        assert _at_two_in_amsterdam(_wait_for(scheduled, 60, "scheduled runs of the served deployment"))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
    assert (tmp_path / ".prefect" / "server.log").exists()
