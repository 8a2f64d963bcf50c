"""`vroeg model`: train a challenger and decide what ranks (train), or backtest every candidate on the
installation's own history (backtest)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.options import WorkspaceOpt, console

model_app = typer.Typer(help="De scorekaart trainen, toetsen en kiezen.", no_args_is_help=True)

GroundTruthOpt = Annotated[
    Path | None,
    typer.Option(
        help="Synthetic data only: the generator's ground truth (ceiling, data limit, audit attributes)."
    ),
]


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{option}: een datum als JJJJ-MM-DD, bijv. 2026-01-31.") from exc


def _print_tables(backtest) -> None:
    """The backtest in a terminal: per ordering, what it found at capacity in the ranked lane and
    in the whole list (all columns and the lead times are in the model card and backtest.json)."""
    from evaluation.report import dutch_percent
    from rules.lanes import default_lanes

    lanes = default_lanes()
    lane = {r["candidate"]: r for r in backtest.lane.iter_rows(named=True)}
    lane["list"] = lane["live"]  # the list orders the lane by the live scorecard
    span = f"{backtest.first:%d-%m-%Y} t/m {backtest.last:%d-%m-%Y}"
    table = Table(title=f"Backtest {span}: gevonden binnen de capaciteit")
    for header in ("ordening", lanes.label(lanes.default_lane), "vroeg", "precisie", "hele lijst"):
        table.add_column(header, no_wrap=header != "ordening")
    for row in backtest.whole.iter_rows(named=True):
        ranked = lane[row["candidate"]]
        table.add_row(
            row["label"],
            dutch_percent(ranked["recall"]),
            dutch_percent(ranked["early_warning_recall"]),
            dutch_percent(ranked["precision"]),
            dutch_percent(row["recall"]),
        )
    console.print(table)


@model_app.command("train")
def train(
    workspace: WorkspaceOpt = Path("data/demo"),
    ground_truth: GroundTruthOpt = None,
) -> None:
    """Fit a challenger on the recorded snapshots, backtest it against the prior on the last labelled
    months, make the better one live, and write the decision and the model card."""
    from evaluation.publish import publish
    from evaluation.train import NotEnoughHistory, train_and_decide
    from warehouse.store import read_only
    from warehouse.workspace import Workspace

    ws = Workspace(workspace.resolve())
    with read_only(ws.warehouse) as con:
        (today,) = con.execute("select max(as_of_date) from meta_run where status <> 'failed'").fetchall()[0]
        try:
            training = train_and_decide(con, ground_truth, today)
        except NotEnoughHistory as short:
            console.print(f"[yellow]{short}[/]")
            return
    decision, card = publish(training, ws.models)
    _print_tables(training.backtest)
    console.print(training.decision.reason_nl)
    console.print(f"Besluit: {decision}\nModelkaart: {card}")


@model_app.command("backtest")
def backtest(
    workspace: WorkspaceOpt = Path("data/demo"),
    van: Annotated[
        str | None, typer.Option("--van", help="First month-end (YYYY-MM-DD); default all.")
    ] = None,
    tot: Annotated[str | None, typer.Option("--tot", help="Last month-end, inclusive; default all.")] = None,
    rules_as_of: Annotated[
        str | None,
        typer.Option(
            "--rules-as-of",
            help="Apply the rule catalogue valid on this date to every month-end (e.g. today's catalogue to "
            "the past); default: the rules valid on each month-end itself.",
        ),
    ] = None,
    ground_truth: GroundTruthOpt = None,
) -> None:
    """Rank every labelled month-end, as known then, by every candidate (live scorecard, prior, the
    challenger as it would have been trained then, baselines) and report recall and precision at each
    team's weekly capacity, per lane and for the whole list, early warning and lead times. The figures
    and the chart go to <workspace>/models/backtests/."""
    from evaluation.backtest import run_backtest
    from evaluation.report import write_backtest
    from rules.lanes import default_lanes
    from rules.schema import default_ruleset
    from rules.scorecard import load_spec
    from rules.scoring import live_scorecard
    from signals.registry import teams
    from warehouse.store import read_only
    from warehouse.workspace import Workspace

    ws = Workspace(workspace.resolve())
    first, last = _date(van, "--van"), _date(tot, "--tot")
    live = live_scorecard(ws.models)
    with read_only(ws.warehouse) as con:
        try:
            result = run_backtest(
                con,
                load_spec(),
                default_ruleset(),
                default_lanes(),
                teams(),
                live.card,
                first,
                last,
                _date(rules_as_of, "--rules-as-of"),
                ground_truth,
            )
        except ValueError as empty:
            console.print(f"[red]Geen backtest:[/] {empty}")
            raise typer.Exit(1) from empty
    _print_tables(result)
    if live.card.kind == "fitted" and live.card.trained_through and live.card.trained_through >= result.first:
        console.print(
            "[yellow]Let op:[/] de live scorekaart is getraind t/m "
            f"{live.card.trained_through:%d-%m-%Y} en kent dus een deel van deze uitkomsten; de getrainde "
            "scorekaart 'zoals toen getraind' en de voorlopige scorekaart kennen ze niet."
        )
    folder = ws.models / "backtests" / f"{result.first.isoformat()}_{result.last.isoformat()}"
    figures, chart = write_backtest(result, folder)
    console.print(f"Cijfers: {figures}\nGrafiek: {chart}")
