"""`vroeg`: generate the demo region, run the nightly flow, look at lists and runs, check rules."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="Vroegsignalering: van leveringen naar een geprioriteerde lijst per sociaal wijkteam.",
    no_args_is_help=True,
    add_completion=False,
    # Locals in a traceback may hold delivered rows: never print them.
    pretty_exceptions_show_locals=False,
)
rules_app = typer.Typer(help="De regelcatalogus controleren en uitproberen.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
model_app = typer.Typer(help="De scorekaart trainen en evalueren.", no_args_is_help=True)
app.add_typer(model_app, name="model")
contracts_app = typer.Typer(help="De feedcontracten en hun documentatie.", no_args_is_help=True)
app.add_typer(contracts_app, name="contracts")
console = Console()

DEMO_END_DATE = date(2026, 10, 31)

WorkspaceOpt = Annotated[
    Path,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (inbox, reference, warehouse, lists).",
        envvar="VROEG_WORKSPACE",
    ),
]


def _quiet_prefect() -> None:
    import logging

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


@app.command()
def generate(
    workspace: WorkspaceOpt = Path("data/demo"),
    households: Annotated[int, typer.Option(help="Number of households (80,000 ≈ the Zaanstreek).")] = 80_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same region.")] = 20261123,
    months: Annotated[int, typer.Option(help="Months of delivered history.")] = 36,
    end_date: Annotated[
        str, typer.Option(help="Last delivery date (YYYY-MM-DD).")
    ] = DEMO_END_DATE.isoformat(),
) -> None:
    """Generate a synthetic region: inbox deliveries, reference tables, and (apart) ground truth."""
    from rich.progress import Progress

    from signals.pseudonymise import create_demo_key
    from synthetic import generate_region

    with Progress(console=console, transient=True) as bar:
        jobs: dict[str, int] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in jobs:
                jobs[step] = bar.add_task(step, total=total)
            bar.update(jobs[step], completed=done, total=total)

        result = generate_region(
            workspace,
            households=households,
            seed=seed,
            months=months,
            end_date=date.fromisoformat(end_date),
            progress=progress,
        )
    create_demo_key(workspace)
    console.print(result.format_calibration(), soft_wrap=True, markup=False, highlight=False)
    console.print(
        f"Regio gegenereerd in [bold]{workspace}[/] (ground truth apart in {workspace / 'ground_truth'})."
    )


@app.command()
def nightly(
    workspace: WorkspaceOpt = Path("data/demo"),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Peildatum YYYY-MM-DD (default: today).")
    ] = None,
) -> None:
    """Run the nightly flow for one as-of date: ingest, features, rules, lists, run record."""
    _quiet_prefect()
    from flows.nightly import nightly as nightly_flow

    summary = nightly_flow(str(workspace), date.fromisoformat(as_of) if as_of else None)
    _print_summary(summary)


def _print_summary(summary: dict) -> None:
    intake = summary["intake"]
    console.print(
        f"Run [bold]{summary['run_id']}[/] peildatum {summary['as_of']}: [bold]{summary['status']}[/]\n"
        f"  leveringen nieuw {intake['deliveries_new']}, afgewezen {intake['deliveries_rejected']}; "
        f"regels gelezen {intake['rows_read']}, geladen {intake['rows_loaded']}, "
        f"in quarantaine {intake['rows_quarantined']}"
    )
    if summary.get("status_reason"):
        console.print(f"  [yellow]{summary['status_reason']}[/]")
    teams = ", ".join(f"{t} {n}" for t, n in sorted(summary["per_team"].items()))
    console.print(f"  lijsten per team: {teams}")
    console.print(f"De lijsten staan in [bold]{summary['lists_dir']}[/] (CSV en XLSX per wijkteam).")


@app.command()
def demo(
    workspace: WorkspaceOpt = Path("data/demo"),
    households: Annotated[int, typer.Option(help="Number of households.")] = 80_000,
) -> None:
    """Generate the demo region (if absent), run the nightly flow, and say where the lists are."""
    if not (workspace / "inbox").exists():
        generate(workspace=workspace, households=households)
    nightly(workspace=workspace, as_of=DEMO_END_DATE.isoformat())
    if not (workspace / "models" / "scorecard.json").exists():
        # First run: fit the scorecard on the history just loaded, then rebuild the lists with it.
        model_train(workspace=workspace, ground_truth=workspace / "ground_truth")
        nightly(workspace=workspace, as_of=DEMO_END_DATE.isoformat())


@app.command()
def ingest(
    file: Annotated[
        Path, typer.Argument(help="The delivered file (CSV, XLSX or JSON).", exists=True, dir_okay=False)
    ],
    supplier: Annotated[str, typer.Option(help="Supplier code (config/suppliers.yaml).")],
    feed: Annotated[
        str, typer.Option(help="Feed: huurachterstand, ontruiming, waterafsluiting, overlast, ggd_melding.")
    ],
    workspace: WorkspaceOpt = Path("data/demo"),
) -> None:
    """Take one delivery in now and print its report (exit 1 when the file is rejected)."""
    from datetime import UTC, datetime

    from signals.addresses import load_reference
    from signals.intake import IncomingFile, ingest_files
    from signals.pseudonymise import pseudonym_key
    from signals.report import delivery_report, report_text
    from warehouse.store import write_session
    from warehouse.workspace import Workspace

    ws = Workspace(workspace.resolve())
    incoming = IncomingFile(file.resolve(), supplier, feed, datetime.now(tz=UTC), channel="cli")
    with write_session(ws.warehouse) as con:
        if con.execute("select count(*) from ref_address").fetchall()[0][0] == 0:
            load_reference(con, ws.reference)
        records = ingest_files(con, [incoming], ws.archive, pseudonym_key(ws.root), reports_dir=ws.reports)
        if not records:
            console.print("Dit bestand is al eerder geleverd; er verandert niets.")
            return
        report = delivery_report(con, records[0].delivery_id)
    console.print(report_text(report), markup=False, highlight=False)
    console.print(f"Rapport: {ws.reports / report.file_stem}.html en .csv")
    if records[0].status == "afgewezen":
        raise typer.Exit(1)


@app.command("list")
def show_list(
    team: Annotated[str, typer.Argument(help="Team code, e.g. zaanstad-poelenburg.")],
    workspace: WorkspaceOpt = Path("data/demo"),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Peildatum (default: the latest list).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many entries.")] = 30,
) -> None:
    """Show a team's list in the terminal."""
    from warehouse.store import read_only

    with read_only(workspace / "warehouse.duckdb") as con:
        day = (
            date.fromisoformat(as_of)
            if as_of
            else con.execute("select max(as_of_date) from fct_list_entry").fetchall()[0][0]
        )
        rows = con.execute(
            "select rank, tier, score, is_within_capacity, is_new, address_key, reasons_nl "
            "from fct_list_entry where wijkteam = ? and as_of_date = ? order by rank limit ?",
            [team, day, limit],
        ).fetchall()
    table = Table(title=f"Vroegsignaleringslijst {team} — peildatum {day}")
    for header in ("#", "prioriteit", "score", "capaciteit", "nieuw", "adres", "redenen"):
        table.add_column(header, overflow="fold")
    for rank, tier, score, within, new, address, reasons in rows:
        table.add_row(
            str(rank),
            tier,
            str(score),
            "ja" if within else "—",
            "nieuw" if new else "",
            address,
            "\n".join(reasons),
        )
    console.print(table)
    if not rows:
        console.print("Geen regels voor dit team op deze peildatum.")


@app.command()
def runs(
    workspace: WorkspaceOpt = Path("data/demo"),
    limit: Annotated[int, typer.Option(help="Number of runs to show.")] = 10,
) -> None:
    """Show the last runs with their steps and counts."""
    from warehouse.runs import last_runs
    from warehouse.store import read_only

    with read_only(workspace / "warehouse.duckdb") as con:
        rows = last_runs(con, limit)
    table = Table(title="Laatste runs")
    for header in (
        "run",
        "peildatum",
        "gestart (UTC)",
        "status",
        "stappen (in → uit)",
        "regels",
        "code",
    ):
        table.add_column(header, overflow="fold")
    for run_id, as_of, started, _finished, status, reason, rules_v, code_v, steps in rows:
        step_text = "\n".join(
            f"{s['step']}: {s['status']} {s['rows_in']} → {s['rows_out']}" for s in steps if s["step"]
        )
        table.add_row(
            run_id,
            str(as_of),
            f"{started:%Y-%m-%d %H:%M}",
            status + (f"\n{reason}" if reason else ""),
            step_text,
            rules_v,
            code_v,
        )
    console.print(table)


@rules_app.command("validate")
def rules_validate() -> None:
    """Check every rule file against the schema; exit 1 with the problem if one is wrong."""
    from rules.schema import CatalogueError, load_ruleset

    try:
        ruleset = load_ruleset()
    except CatalogueError as exc:
        console.print(f"[red]Regelcatalogus ongeldig:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"Regelcatalogus {ruleset.version}: {len(ruleset.rules)} regels, alle geldig.")


@rules_app.command("preview")
def rules_preview(
    rule_id: Annotated[str, typer.Argument(help="Rule id, e.g. R005.")],
    as_of: Annotated[str, typer.Option("--as-of", help="Peildatum with features (YYYY-MM-DD).")],
    workspace: WorkspaceOpt = Path("data/demo"),
) -> None:
    """Who would this rule fire for on a date, per team (from that date's features)."""
    from rules.engine import preview_rule
    from rules.schema import default_ruleset
    from warehouse.store import read_only

    rule = next((r for r in default_ruleset().rules if r.id == rule_id), None)
    if rule is None:
        console.print(f"[red]Onbekende regel {rule_id}[/]")
        raise typer.Exit(1)
    with read_only(workspace / "warehouse.duckdb") as con:
        counts = preview_rule(con, rule, date.fromisoformat(as_of))
    table = Table(title=f"{rule.id} {rule.title} — peildatum {as_of}")
    table.add_column("wijkteam")
    table.add_column("huishoudens", justify="right")
    for team, n in counts:
        table.add_row(team, str(n))
    table.add_row("[bold]totaal[/]", f"[bold]{sum(n for _, n in counts)}[/]")
    console.print(table)


@model_app.command("train")
def model_train(
    workspace: WorkspaceOpt = Path("data/demo"),
    ground_truth: Annotated[
        Path | None,
        typer.Option(
            help="Synthetic data only: the generator's ground truth, for the ceiling and the audit."
        ),
    ] = None,
) -> None:
    """Fit the scorecard on earlier as-of dates, evaluate on later ones, publish it with its model card."""
    from evaluation.train import publish, train_and_evaluate
    from warehouse.store import write_session
    from warehouse.workspace import Workspace

    ws = Workspace(workspace.resolve())
    with write_session(ws.warehouse) as con:
        evaluation = train_and_evaluate(con, ground_truth)
    card_path, model_card = publish(evaluation, ws.models)
    console.print(evaluation.capacity)
    console.print(f"Scorekaart {evaluation.card.version}: {card_path}\nModelkaart: {model_card}")


@contracts_app.command("docs")
def contracts_docs(
    out: Annotated[Path, typer.Option(help="Where to write the supplier documentation.")] = Path(
        "docs/feeds.md"
    ),
) -> None:
    """Write the Dutch supplier documentation generated from signals/contracts/*.yaml."""
    from signals.contracts.docs import render_feed_docs

    out.write_text(render_feed_docs() + "\n", encoding="utf-8")
    console.print(f"Geschreven: {out}")


if __name__ == "__main__":
    app()
