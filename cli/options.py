"""What every `vroeg` command shares: the workspace option, the console, quiet Prefect logging."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()

WorkspaceOpt = Annotated[
    Path,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (inbox, reference, warehouse, lists).",
        envvar="VROEG_WORKSPACE",
    ),
]


def quiet_prefect() -> None:
    import logging

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
