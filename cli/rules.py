"""`vroeg rules`: check the rule catalogue and try a rule on a date."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.options import WorkspaceOpt, console

rules_app = typer.Typer(help="De regelcatalogus controleren en uitproberen.", no_args_is_help=True)


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
