"""Many regions on many machines: one nightly deployment per region on one process work pool.

A regional collaboration, a province or a hosting provider runs many regions. Each region is a
workspace of its own (warehouse, archive, lists, portal with its own accounts), with its own
configuration folder (teams, suppliers, retention, DDAS; `VROEG_CONFIG_DIR`) and its own
pseudonymisation key file. `config/regions.yaml` (or any file passed with `--regions`) names them;
`vroeg regions deploy` registers, per region, the nightly flow and the monthly model training on
one process work pool, with the region's cron, its tag `regio:<code>` and, as the run's
environment, the region's configuration folder and key file and nothing else's. The work pool's
concurrency limit caps how many nightlies run at once over all machines; every deployment runs at
most one run at a time (one warehouse, one writer). Workers on any number of machines pick the runs
up: Prefect's process worker (`prefect worker start --pool <pool>`, a subprocess per run) or
`vroeg regions worker` (flows/region_worker.py, many regions in one process). The regions file and
each region's status: signals/regions.py.
"""

from __future__ import annotations

import sys
from uuid import UUID

from prefect.schedules import Cron

from flows.deploy import ENTRYPOINT, MODEL_CRON, MODEL_ENTRYPOINT, REPO, TIMEZONE
from signals.regions import Regions


def process_worker_command(pool: str, *options: str) -> list[str]:
    """Prefect's process worker on `pool` (`prefect worker start --pool <pool> …`) in this Python."""
    return [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool, *options]


def ensure_region_pool(name: str, concurrency: int) -> None:
    """The process work pool `name` with at most `concurrency` runs at once (created or updated)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=name, type="process", concurrency_limit=concurrency))
        else:
            client.update_work_pool(name, WorkPoolUpdate(concurrency_limit=concurrency))


def deploy_regions(regions: Regions) -> dict[str, UUID]:
    """Register every region's nightly and model training on the pool; returns nightly ids per code."""
    from flows.nightly import nightly
    from flows.train_model import train_model

    ensure_region_pool(regions.work_pool, regions.concurrency)
    deployed = {}
    for region in regions.regions:
        common = {
            "name": region.deployment_name,
            "work_pool_name": regions.work_pool,
            "parameters": {"workspace": str(region.workspace)},
            "job_variables": {"env": region.env()},
            "tags": ["vroegsignalering", f"regio:{region.code}"],
            "concurrency_limit": 1,  # one warehouse, one writer
            "print_next_steps": False,
            "ignore_warnings": True,
        }
        train_model.from_source(source=str(REPO), entrypoint=MODEL_ENTRYPOINT).deploy(
            schedules=[Cron(MODEL_CRON, timezone=TIMEZONE)],
            description=f"Vroegsignalering {region.name}: maandelijks een scorekaart trainen en kiezen.",
            **common,
        )
        deployed[region.code] = nightly.from_source(source=str(REPO), entrypoint=ENTRYPOINT).deploy(
            schedules=[Cron(region.schedule, timezone=TIMEZONE)],
            description=f"Vroegsignalering {region.name}: de nacht (inlezen, kenmerken, regels, lijsten).",
            **common,
        )
    return deployed
