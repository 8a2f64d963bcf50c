"""One long-lived process that runs many regions' nightlies: start-up paid once, not per region.

Prefect's process worker runs every flow run in a fresh subprocess, so each region pays again for
importing Python, Prefect, polars, DuckDB and Great Expectations (the region bench: a 15 s
`vroeg nightly` of which the flow body is 6–8 s). This worker takes the scheduled runs of the
regions' deployments from the same work pool (flows/regions.py) and runs them one after the other
in its own process with `prefect.flow_engine.run_flow`, exactly as the process worker's subprocess
would: the run is claimed by proposing Pending (so the pool's and the deployment's concurrency
limits hold), then the engine proposes Running and records every task and the final state on the
server, where Prefect's UI shows it like any other run.

Isolation between regions inside one process: before and after each run the region's environment
(its configuration folder, its key file, its code; signals/regions.py `REGION_ENV`) replaces the
previous one and every cached configuration of the project's packages is cleared, so no team,
supplier, retention term or key of one region is ever seen by another's run. A region's failure is
its run's Failed state; the next region runs. What a subprocess gives and this does not: a crash of
the interpreter itself (out of memory, a segfault in a native library) stops this worker and with
it the regions queued behind it — run a process worker beside it on another machine (the README's
two-machine set-up) when that matters more than the start-up time.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from signals.regions import REGION_ENV

# The project's packages whose module-level caches may hold one region's configuration.
PACKAGES = ("signals", "rules", "lists", "indicators", "warehouse", "flows", "evaluation", "portal")
# The flows a region's deployment may run, by Prefect flow name → module:function.
FLOWS = {"nightly": "flows.nightly:nightly", "train_model": "flows.train_model:train_model"}

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegionRun:
    flow_run_id: str
    deployment: str
    state: str
    seconds: float  # from handing the claimed run to Prefect's engine until it returned
    flow_seconds: float | None  # the flow function's own time (the nightly's summary), if it finished


def clear_config_caches() -> int:
    """Clear every functools cache of the project's loaded modules; returns how many."""
    cleared = 0
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in PACKAGES:
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", None) == name:
                clear()
                cleared += 1
    return cleared


@contextmanager
def region_environment(env: dict[str, str]) -> Iterator[None]:
    """This process as the region of `env` (REGION_ENV keys only) for the duration; restored after."""
    before = {k: os.environ.get(k) for k in REGION_ENV}
    try:
        for key in REGION_ENV:
            os.environ.pop(key, None)
            if key in env:
                os.environ[key] = env[key]
        clear_config_caches()
        yield
    finally:
        for key, value in before.items():
            os.environ.pop(key, None)
            if value is not None:
                os.environ[key] = value
        clear_config_caches()


def _flow(name: str):
    module, function = FLOWS[name].split(":")
    return getattr(importlib.import_module(module), function)


def run_scheduled_once(pool: str) -> list[RegionRun]:
    """Claim and run, one after the other, every run of `pool` that is due now."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import Abort
    from prefect.flow_engine import run_flow
    from prefect.states import Pending
    from prefect.utilities.engine import propose_state_sync

    done = []
    with get_client(sync_client=True) as client:
        due = client.get_scheduled_flow_runs_for_work_pool(pool, scheduled_before=datetime.now(UTC))
        for response in due:
            run = response.flow_run
            flow_name = client.read_flow(run.flow_id).name
            if flow_name not in FLOWS or run.deployment_id is None:
                continue  # not a region's flow: a process worker of the pool takes it
            deployment = client.read_deployment(run.deployment_id)
            env = {
                **(deployment.job_variables or {}).get("env", {}),
                **(run.job_variables or {}).get("env", {}),
            }
            try:
                if not propose_state_sync(client, Pending(), flow_run_id=run.id).is_pending():
                    continue  # a concurrency limit holds it back
            except Abort:
                continue  # another worker claimed it first
            started = time.perf_counter()
            with region_environment(env):
                state = run_flow(_flow(flow_name), flow_run=client.read_flow_run(run.id), return_type="state")
            seconds = time.perf_counter() - started
            result = state.result(raise_on_failure=False) if state.is_completed() else None
            flow_seconds = result.get("flow_seconds") if isinstance(result, dict) else None
            done.append(RegionRun(str(run.id), deployment.name, state.name, seconds, flow_seconds))
            logger.info("regio %s: %s in %.1f s", deployment.name, state.name, seconds)
    return done


def serve_regions(pool: str, poll_seconds: float, run_once: bool = False) -> Iterator[RegionRun]:
    """Poll `pool` and run what is due, until stopped; `run_once`: until nothing due is left (the
    pool's concurrency limit may hand out only some of the due runs per look). Yields each run."""
    while True:
        found = run_scheduled_once(pool)
        yield from found
        if run_once and not found:
            return
        if not found:
            time.sleep(poll_seconds)
