"""`vroeg schedule` and `vroeg deploy`: running the nightly flow on one machine or on a Prefect
server with a work pool."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from cli.options import WorkspaceOpt, console, quiet_prefect


def schedule(
    workspace: WorkspaceOpt = Path("data/demo"),
    port: Annotated[int, typer.Option(help="Port of the local Prefect server (loopback only).")] = 4200,
) -> None:
    """One machine: start a local Prefect server and run the nightly flow every night at 02:00
    Europe/Amsterdam until stopped (Ctrl-C). The server's database and log live in
    <workspace>/.prefect; its UI is at http://127.0.0.1:<port>."""
    from flows.deploy import NIGHTLY_CRON, TIMEZONE, local_server, serve_nightly

    quiet_prefect()
    home = workspace.resolve() / ".prefect"
    from prefect.settings import PREFECT_API_URL, temporary_settings

    minute, hour = (int(x) for x in NIGHTLY_CRON.split()[:2])
    with (
        local_server(home, port, home / "server.log") as api_url,
        temporary_settings({PREFECT_API_URL: api_url}),
    ):
        console.print(
            f"Prefect-server draait op {api_url.removesuffix('/api')}; de nachtelijke run start elke dag om "
            f"{hour:02d}:{minute:02d} ({TIMEZONE}). Stoppen met Ctrl-C."
        )
        serve_nightly(workspace)


def deploy(
    workspace: WorkspaceOpt = Path("data/demo"),
    pool: Annotated[
        str, typer.Option(help="Process work pool the worker polls (created if absent).")
    ] = "vroeg",
) -> None:
    """Production: register the nightly deployment (02:00 Europe/Amsterdam) on the Prefect server of
    PREFECT_API_URL. Then start a worker: `prefect worker start --pool <pool>`."""
    from flows.deploy import DEPLOYMENT_NAME, deploy_nightly

    if not os.environ.get("PREFECT_API_URL"):
        console.print(
            "[red]Zet eerst PREFECT_API_URL[/] (bijv. http://127.0.0.1:4200/api) naar de Prefect-server."
        )
        raise typer.Exit(2)
    deployment_id = deploy_nightly(workspace, pool)
    console.print(
        f"Deployment nightly/{DEPLOYMENT_NAME} ({deployment_id}) staat op work pool '{pool}'. "
        f"Start een worker met: prefect worker start --pool {pool}"
    )
