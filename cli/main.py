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
from cli.portal import portal_app  # noqa: E402 - after the other sub-apps, in help order

app.add_typer(portal_app, name="portal")
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
    purge: Annotated[
        bool,
        typer.Option(help="Apply the retention purge (--no-purge only to take in a history at go-live)."),
    ] = True,
) -> None:
    """Run the nightly flow for one as-of date: ingest, purge, features, rules, lists, indicators."""
    _quiet_prefect()
    from flows.nightly import nightly as nightly_flow

    with _local_mode_settings():
        summary = nightly_flow(str(workspace), date.fromisoformat(as_of) if as_of else None, purge)
    _print_summary(summary)


def _local_mode_settings():
    """Without a Prefect server (local mode): no flow-run heartbeats.

    Heartbeats let a server mark crashed runs; the temporary local server runs no such service, and
    each of the nightly's seven flow runs waits ~1 s for its heartbeat thread to stop (Prefect
    3.8.8; bench/, BENCHMARKS.md). With PREFECT_API_URL set, Prefect's own settings apply.
    """
    from contextlib import nullcontext

    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if PREFECT_API_URL.value():
        return nullcontext()
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


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
    for warning in summary.get("warnings", []):
        console.print(f"  [yellow]⚠ {warning}[/]")
    purged = summary.get("purged", {})
    if purged:
        console.print(
            "  bewaartermijn verstreken, verwijderd: "
            + ", ".join(f"{t} {n}" for t, n in sorted(purged.items()))
        )
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
    if not (workspace / "models" / "scorecard.json").exists():
        # Go-live: take in the delivered history without purging, fit the first scorecard on it,
        # then the regular nightly run (with the retention purge) publishes the lists with it.
        nightly(workspace=workspace, as_of=DEMO_END_DATE.isoformat(), purge=False)
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
    """Show a team's list in the terminal, lane by lane."""
    from rules.lanes import default_lanes
    from warehouse.store import read_only

    lanes = default_lanes()
    with read_only(workspace / "warehouse.duckdb") as con:
        day = (
            date.fromisoformat(as_of)
            if as_of
            else con.execute("select max(as_of_date) from fct_list_entry").fetchall()[0][0]
        )
        rows = con.execute(
            "select rank, lane, acute_date, score, is_within_capacity, is_new, address_key, reasons_nl, wgs_open "
            "from fct_list_entry where wijkteam = ? and as_of_date = ? order by rank limit ?",
            [team, day, limit],
        ).fetchall()
    table = Table(title=f"Vroegsignaleringslijst {team} — peildatum {day}")
    for header in ("#", "baan", "punten", "capaciteit", "nieuw", "Wgs open", "adres", "redenen"):
        table.add_column(header, overflow="fold")
    for rank, lane, acute_date, score, within, new, address, reasons, wgs_open in rows:
        table.add_row(
            str(rank),
            lanes.label(lane) + (f"\n{acute_date:%d-%m-%Y}" if acute_date else ""),
            str(score),
            "ja" if within else "—",
            "nieuw" if new else "",
            str(wgs_open or ""),
            address,
            "\n".join(reasons),
        )
    console.print(table)
    if not rows:
        console.print("Geen regels voor dit team op deze peildatum.")


@app.command()
def indicators(
    year: Annotated[int, typer.Option("--year", help="Jaar van de indicatoren, bijv. 2026.")],
    workspace: WorkspaceOpt = Path("data/demo"),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Map voor de CSV-bestanden (puntkomma, UTF-8 met BOM) en het rapport met grafieken (HTML).",
        ),
    ] = None,
) -> None:
    """Show the evaluators' indicators of a year (small cells hidden); write CSV files and the report."""
    import polars as pl

    from indicators.config import indicator_config
    from indicators.report import latest_as_of, render_report
    from indicators.tables import indicator_tables, write_csv
    from warehouse.store import read_only

    config = indicator_config()
    with read_only(workspace / "warehouse.duckdb") as con:
        tables = indicator_tables(con, year, config)
        report = render_report(con, year, config, latest_as_of(con)) if out is not None else None
    for title, frame in tables.values():
        table = Table(title=f"{title} — {year}")
        needed = 1
        for column in frame.columns:
            # a number folded over two lines would read as two numbers: values never wrap (headers may)
            widest = frame[column].cast(pl.String).str.len_chars().max() or 0
            table.add_column(column, overflow="fold", min_width=max(widest, 1))
            needed += max(widest, 10) + 3
        for row in frame.iter_rows():
            table.add_row(*("" if v is None else str(v) for v in row))
        # a wide table is printed wider than a narrow terminal rather than squeezed below its values
        Console(width=max(console.width, needed)).print(table)
        if frame.is_empty():
            console.print(f"Geen cijfers opgeslagen voor {year}.")
    console.print(
        f'"<{config.min_cell}": 1 tot en met {config.min_cell - 1}; "{config.secondary_label}": afgeschermd'
        " omdat het verborgen aantal anders uit een totaal volgt."
    )
    if out is not None:
        written = write_csv(tables, out, year)
        page = out / f"indicatoren_{year}.html"
        page.write_text(report, encoding="utf-8")
        console.print("Geschreven: " + ", ".join(str(p) for p in [*written, page]))


@app.command()
def ddas(
    gemeente: Annotated[
        str, typer.Option("--gemeente", help="Gemeentecode (bijv. 0479) of naam (Zaanstad).")
    ],
    van: Annotated[str, typer.Option("--van", help="Eerste signaaldatum van de periode (YYYY-MM-DD).")],
    tot: Annotated[str, typer.Option("--tot", help="Laatste signaaldatum van de periode, inclusief.")],
    workspace: WorkspaceOpt = Path("data/demo"),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Het JSON-bestand (standaard <workspace>/exports/ddas_<code>_<van>_<tot>.json)."
        ),
    ] = None,
) -> None:
    """Export the DDAS v0.9 levering of one gemeente and period: vroegsignalen and vroegsignaalzaken.

    Record level, without personal fields (indicators/DEFINITIONS.md, "DDAS-export"). Refused when
    fewer than min_cell (config/indicators.yaml) households had a vroegsignaal in the period. Every
    export is logged in <workspace>/exports/ddas_exports.jsonl (counts and file hash, no contents).
    """
    from indicators.config import indicator_config
    from indicators.ddas import DdasExportRefused, ddas_export, shown_counts, write_export
    from warehouse.retention import retention
    from warehouse.store import read_only

    try:
        first, last = date.fromisoformat(van), date.fromisoformat(tot)
    except ValueError as exc:
        raise typer.BadParameter(f"Een datum als JJJJ-MM-DD, bijv. 2026-01-31 ({exc}).") from exc
    min_cell = indicator_config().min_cell
    try:
        with read_only(workspace / "warehouse.duckdb") as con:
            export = ddas_export(con, gemeente, first, last, min_cell, retention())
    except DdasExportRefused as refused:
        console.print(f"[red]{refused}[/]")
        raise typer.Exit(1) from refused
    exports = workspace / "exports"
    out = out or exports / f"ddas_{export.gemeentecode}_{export.van}_{export.tot}.json"
    written = write_export(export, out, exports / "ddas_exports.jsonl", min_cell)
    shown = shown_counts(export.counts, min_cell)
    console.print(
        f"DDAS-levering gemeente {export.gemeentecode}, {export.van} t/m {export.tot} "
        f"(peildatum {export.as_of}): {shown['vroegsignalen']} vroegsignalen van "
        f"{shown['huishoudens']} huishoudens, {shown['vroegsignaalzaken']} vroegsignaalzaken met "
        f"{shown['contactpogingen']} contactpogingen en {shown['zaken_met_resultaat']} resultaten."
    )
    console.print(f"Geschreven (voldoet aan het DDAS-schema v0.9): [bold]{written}[/]")


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
    for header in ("run", "peildatum", "gestart (UTC)", "status", "stappen (in → uit, seconden)", "versies"):
        table.add_column(header, overflow="fold")
    for run in rows:
        step_text = "\n".join(
            f"{s['step']}: {s['status']} {s['rows_in']} → {s['rows_out']}"
            + (f" ({(s['finished_at'] - s['started_at']).total_seconds():.0f} s)" if s["finished_at"] else "")
            + (f"\n  {s['error']}" if s["error"] else "")
            for s in run["steps"]
            if s["step"]
        )
        status = run["status"] + (f"\n{run['status_reason']}" if run["status_reason"] else "")
        status += "".join(f"\n[yellow]⚠ {w}[/]" for w in run["warnings"])
        table.add_row(
            run["run_id"] + (f"\nprefect {run['flow_run_id'][:8]}" if run["flow_run_id"] else ""),
            str(run["as_of_date"]),
            f"{run['started_at']:%Y-%m-%d %H:%M}",
            status,
            step_text,
            f"regels {run['rules_version']}\nmodel {run['model_version'] or '—'}\ncode {run['code_version']}",
        )
    console.print(table)


@app.command()
def schedule(
    workspace: WorkspaceOpt = Path("data/demo"),
    port: Annotated[int, typer.Option(help="Port of the local Prefect server (loopback only).")] = 4200,
) -> None:
    """One machine: start a local Prefect server and run the nightly flow every night at 02:00
    Europe/Amsterdam until stopped (Ctrl-C). The server's database and log live in
    <workspace>/.prefect; its UI is at http://127.0.0.1:<port>."""
    from flows.deploy import NIGHTLY_CRON, TIMEZONE, local_server, serve_nightly

    _quiet_prefect()
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


@app.command()
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


@app.command()
def purge(
    workspace: WorkspaceOpt = Path("data/demo"),
    on: Annotated[str | None, typer.Option("--date", help="Purge date YYYY-MM-DD (default: today).")] = None,
) -> None:
    """Delete personal data whose retention term (config/retention.yaml) has passed; counts only."""
    _quiet_prefect()
    from flows.nightly import today_amsterdam
    from flows.purge_expired_data import purge_expired_data, sweep_expired_files
    from warehouse.store import working_copy

    purge_date = date.fromisoformat(on) if on else today_amsterdam()
    with working_copy(workspace.resolve() / "warehouse.duckdb") as working:
        counts = purge_expired_data(str(working), purge_date)
    swept = sweep_expired_files(str(workspace.resolve()), purge_date)
    everything = {**counts, **swept}
    console.print(
        f"Bewaartermijnen per {purge_date}: "
        + (", ".join(f"{t} {n}" for t, n in sorted(everything.items()) if n) or "niets verlopen")
    )


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
