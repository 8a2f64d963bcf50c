"""`vroeg regions`: many regions on one Prefect work pool — check, deploy, and watch them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.options import console

regions_app = typer.Typer(
    help="Meerdere regio's: controleren, uitrollen op een work pool, volgen.", no_args_is_help=True
)

RegionsOpt = Annotated[
    Path,
    typer.Option(
        "--regions", help="Het regiobestand (zie config/regions.example.yaml).", envvar="VROEG_REGIONS"
    ),
]


def _load(path: Path):
    from pydantic import ValidationError

    from signals.regions import load_regions

    try:
        return load_regions(path)
    except (OSError, ValidationError, ValueError) as exc:
        console.print(f"[red]Het regiobestand {path} is niet bruikbaar:[/] {exc}")
        raise typer.Exit(2) from exc


@regions_app.command("check")
def check(regions: RegionsOpt = Path("config/regions.yaml")) -> None:
    """Check every region: its configuration folder, its teams' gemeenten and its key file."""
    from signals.regions import check_region

    config = _load(regions)
    problems = [p for region in config.regions for p in check_region(region)]
    for problem in problems:
        console.print(f"[red]{problem}[/]")
    if problems:
        raise typer.Exit(1)
    console.print(f"{len(config.regions)} regio's in orde.")


@regions_app.command("deploy")
def deploy(regions: RegionsOpt = Path("config/regions.yaml")) -> None:
    """Register every region's nightly (and monthly model training) on the work pool of the file."""
    from flows.regions import deploy_regions
    from signals.regions import check_region

    if not os.environ.get("PREFECT_API_URL"):
        console.print(
            "[red]Zet eerst PREFECT_API_URL[/] (bijv. http://127.0.0.1:4200/api) naar de Prefect-server."
        )
        raise typer.Exit(2)
    config = _load(regions)
    problems = [p for region in config.regions for p in check_region(region)]
    if problems:
        for problem in problems:
            console.print(f"[red]{problem}[/]")
        raise typer.Exit(1)
    deployed = deploy_regions(config)
    console.print(
        f"{len(deployed)} regio's staan op work pool '{config.work_pool}' (hoogstens {config.concurrency} "
        f"tegelijk). Start op elke machine een worker: prefect worker start --pool {config.work_pool}"
    )


@regions_app.command("status")
def status(regions: RegionsOpt = Path("config/regions.yaml")) -> None:
    """Every region's latest run: peildatum, status, duration and warnings (from its run history)."""
    from portal.dutch import run_words
    from signals.regions import region_status

    config = _load(regions)
    table = Table(title="Regio's: de laatste run")
    for column in ("regio", "peildatum", "status", "duur (s)", "waarschuwingen"):
        table.add_column(column)
    for row in region_status(config):
        seconds = "" if row["seconds"] is None else f"{row['seconds']:.1f}".replace(".", ",")
        table.add_row(
            row["name"],
            row["as_of_date"].strftime("%d-%m-%Y") if row["as_of_date"] else "nog geen run",
            run_words(row["status"]),
            seconds,
            "\n".join(row["warnings"]) or "",
        )
    console.print(table)


@regions_app.command("worker")
def worker(
    regions: RegionsOpt = Path("config/regions.yaml"),
    run_once: Annotated[bool, typer.Option("--run-once", help="Run what is due now, then stop.")] = False,
    poll_seconds: Annotated[float, typer.Option(help="Seconds between two looks at the work pool.")] = 15.0,
    report: Annotated[
        Path | None, typer.Option(help="Append one JSON line per run here (for bench.regions).")
    ] = None,
) -> None:
    """Run the regions' due nightlies one after the other in this one process (start-up paid once).

    The alternative to `prefect worker start --pool <pool>`, which starts a subprocess per run
    (flows/region_worker.py says what each gives)."""
    import json
    from dataclasses import asdict

    from flows.region_worker import serve_regions

    if not os.environ.get("PREFECT_API_URL"):
        console.print(
            "[red]Zet eerst PREFECT_API_URL[/] (bijv. http://127.0.0.1:4200/api) naar de Prefect-server."
        )
        raise typer.Exit(2)
    config = _load(regions)
    by_deployment = {r.deployment_name: r for r in config.regions}
    for run in serve_regions(config.work_pool, poll_seconds, run_once=run_once):
        region = by_deployment.get(run.deployment)
        overhead = None if run.flow_seconds is None else run.seconds - run.flow_seconds
        if report is not None:
            line = {**asdict(run), "region": region.code if region else None, "overhead_seconds": overhead}
            with report.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")
        said = f"{region.name if region else run.deployment}: {run.state} in {run.seconds:.1f} s"
        if overhead is not None:
            said += f", waarvan buiten de flow {overhead:.1f} s"
        console.print(said.replace(".", ","))
