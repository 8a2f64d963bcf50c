"""`vroeg`: generate the demo region, run the nightly flow, look at lists and runs.

The sub-commands live next to this file, one module per job (rules, model, reports, production,
portal, backup); this module makes the app and registers them. Every command is a thin shell over the
library.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli import backup, model, production, reports
from cli.options import WorkspaceOpt, console, quiet_prefect
from cli.portal import portal_app
from cli.regions import regions_app
from cli.rules import rules_app

app = typer.Typer(
    help="Vroegsignalering: van leveringen naar een geprioriteerde lijst per sociaal wijkteam.",
    no_args_is_help=True,
    add_completion=False,
    # Locals in a traceback may hold delivered rows: never print them.
    pretty_exceptions_show_locals=False,
)


@app.callback()
def main() -> None:
    """Vroegsignalering: van leveringen naar een geprioriteerde lijst per sociaal wijkteam."""
    from warehouse.workspace import keep_files_private

    keep_files_private()  # every file this command writes is the owner's alone


app.add_typer(rules_app, name="rules")
app.add_typer(model.model_app, name="model")
contracts_app = typer.Typer(help="De feedcontracten en hun documentatie.", no_args_is_help=True)
app.add_typer(contracts_app, name="contracts")
app.add_typer(portal_app, name="portal")
app.add_typer(regions_app, name="regions")

DEMO_END_DATE = date(2026, 10, 31)
# The list before it: the demo's list says what is new and changed since a week earlier.
DEMO_PREVIOUS_AS_OF = date(2026, 10, 24)


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
    history_manifest: Annotated[
        Path | None,
        typer.Option(
            "--history-manifest",
            help="History import: a CSV with columns path,received_at (path relative to the inbox); "
            "the files it names are received at that moment instead of at first sight.",
            dir_okay=False,
        ),
    ] = None,
    history_from_file_names: Annotated[
        bool,
        typer.Option(
            "--history-from-file-names",
            help="History import: a file named YYYY-MM-DD_... is received on that day (start of the day, "
            "Europe/Amsterdam) instead of at first sight.",
        ),
    ] = False,
) -> None:
    """Run the nightly flow for one as-of date: ingest, purge, features, rules, lists, indicators.

    A file in a drop folder is received when a run first sees it, at the latest at the end of the
    as-of day (Europe/Amsterdam); a history import dates files explicitly (README, "Taking in a
    history").
    """
    quiet_prefect()
    from flows.local import local_mode_settings
    from flows.nightly import nightly as nightly_flow
    from signals.receipts import ManifestError, read_history_manifest

    if history_manifest is not None and history_from_file_names:
        raise typer.BadParameter(
            "Kies één bron voor de historie: --history-manifest of --history-from-file-names."
        )
    if history_manifest is not None:
        try:
            read_history_manifest(history_manifest, workspace / "inbox")  # refused before the run starts
        except ManifestError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from exc
    with local_mode_settings():
        summary = nightly_flow(
            str(workspace),
            date.fromisoformat(as_of) if as_of else None,
            purge,
            str(history_manifest.resolve()) if history_manifest else None,
            history_from_file_names,
        )
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
        # Go-live: take in the delivered history without purging, each file received when the
        # generator's manifest says, fit the first scorecard on it, then the regular nightly run
        # (with the retention purge) publishes the lists with it.
        nightly(
            workspace=workspace,
            as_of=DEMO_END_DATE.isoformat(),
            purge=False,
            history_manifest=workspace / "inbox" / "manifest.csv",
        )
        model.train(workspace=workspace, ground_truth=workspace / "ground_truth")
        # Last week's list, so that tonight's says what is new and what changed since (as every
        # installation's does from its second night on).
        nightly(workspace=workspace, as_of=DEMO_PREVIOUS_AS_OF.isoformat())
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
    received = datetime.now(tz=UTC).replace(microsecond=0)  # the receipt: now, never the file's mtime
    incoming = IncomingFile(file.resolve(), supplier, feed, received, channel="cli")
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
            "select rank, lane, acute_date, score, is_within_capacity, is_new, address_key, reasons_nl, "
            "wgs_open from fct_list_entry where wijkteam = ? and as_of_date = ? order by rank limit ?",
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
def runs(
    workspace: WorkspaceOpt = Path("data/demo"),
    limit: Annotated[int, typer.Option(help="Number of runs to show.")] = 10,
) -> None:
    """Show the last runs with their steps and counts."""
    from warehouse.run_journal import read_journal
    from warehouse.runs import last_runs
    from warehouse.store import read_only
    from warehouse.workspace import Workspace

    with read_only(workspace / "warehouse.duckdb") as con:
        rows = last_runs(con, limit)
    # a run killed after its swap: live, but its list files and inbox not yet done
    journal = read_journal(Workspace(workspace.resolve())) or {}
    unfinished = journal.get("run_id") if journal.get("phase") == "swapping" else None
    table = Table(title="Laatste runs")
    cells = []
    for run in rows:
        step_text = "\n".join(
            f"{s['step']}: {s['status']} {s['rows_in']} → {s['rows_out']}"
            + (f" ({(s['finished_at'] - s['started_at']).total_seconds():.0f} s)" if s["finished_at"] else "")
            + (f"\n  {s['error']}" if s["error"] else "")
            for s in run["steps"]
            if s["step"]
        )
        status = run["status"] + (f"\n{run['status_reason']}" if run["status_reason"] else "")
        if run["run_id"] == unfinished:
            status = (
                "niet afgerond: lijsten en inbox nog niet bijgewerkt (de volgende run maakt het af)\n"
                + status
            )
        status += "".join(f"\n[yellow]⚠ {w}[/]" for w in run["warnings"])
        cells.append(
            (
                run["run_id"] + (f"\nprefect {run['flow_run_id'][:8]}" if run["flow_run_id"] else ""),
                str(run["as_of_date"]),
                f"{run['started_at']:%Y-%m-%d %H:%M}",
                status,
                step_text,
                f"regels {run['rules_version']}\nmodel {run['model_version'] or '—'}"
                f"\ncode {run['code_version']}",
            )
        )
    headers = ("run", "peildatum", "gestart (UTC)", "status", "stappen (in → uit, seconden)", "versies")
    needed = 1
    for i, header in enumerate(headers):
        # a word (a supplier folder, a version) is never split over two lines: a column is at least
        # as wide as its longest word, and the table is printed wider than a narrow terminal if need be
        longest = max((len(w) for row in cells for w in row[i].split()), default=1)
        table.add_column(header, overflow="fold", min_width=min(longest, 60))
        needed += min(longest, 60) + 3
    for row in cells:
        table.add_row(*row)
    Console(width=max(console.width, needed)).print(table)


@app.command()
def purge(
    workspace: WorkspaceOpt = Path("data/demo"),
    on: Annotated[str | None, typer.Option("--date", help="Purge date YYYY-MM-DD (default: today).")] = None,
) -> None:
    """Delete personal data whose retention term (config/retention.yaml) has passed; counts only."""
    quiet_prefect()
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


# After this module's own commands, in help order.
app.command()(reports.indicators)
app.command()(reports.ddas)
app.command()(production.schedule)
app.command()(production.deploy)
app.command()(backup.backup)
app.command()(backup.restore)

if __name__ == "__main__":
    app()
