"""`vroeg indicators` and `vroeg ddas`: the evaluators' figures and the DDAS export."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.options import WorkspaceOpt, console


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


def ddas(
    gemeente: Annotated[
        str, typer.Option("--gemeente", help="Gemeentecode (bijv. 0479) of naam (Zaanstad).")
    ],
    van: Annotated[str, typer.Option("--van", help="Eerste signaaldatum van de periode (JJJJ-MM-DD).")],
    tot: Annotated[str, typer.Option("--tot", help="Laatste signaaldatum van de periode, inclusief.")],
    gebruiker: Annotated[
        str,
        typer.Option(
            "--gebruiker",
            help="Uw account op het portaal (beheerder); wachtwoord: $VROEG_PORTAL_PASSWORD of gevraagd.",
            envvar="VROEG_GEBRUIKER",
        ),
    ],
    versie: Annotated[
        str, typer.Option("--versie", help="DDAS-versie: 1.2 (standaard) of 0.9 (overgangsperiode).")
    ] = "1.2",
    code: Annotated[
        str | None, typer.Option("--code", help="De code van uw tweede factor (anders gevraagd).")
    ] = None,
    workspace: WorkspaceOpt = Path("data/demo"),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Het JSON-bestand (standaard <workspace>/exports/ddas_<code>_<van>_<tot>_v<versie>.json).",
        ),
    ] = None,
) -> None:
    """Export the DDAS levering of one gemeente and period: vroegsignalen and vroegsignaalzaken.

    Version 1.2 identifies every client by address (postcode, huisnummer, toevoeging): personal
    data. Only an administrator makes it, with the portal password and second-factor code; every
    export and every refusal is in the portal's audit log, the file is written 0600 and removed
    after ddas_exports_months (config/retention.yaml). Every export is also logged in
    <workspace>/exports/ddas_exports.jsonl (counts and file hash, no contents).
    """
    import os

    from indicators.ddas import DdasExportRefused, ddas_export, write_export
    from portal import state
    from portal.operator import OperatorRefused, confirm_operator
    from signals.retention import retention
    from warehouse.store import read_only
    from warehouse.workspace import Workspace, keep_files_private

    keep_files_private()
    try:
        first, last = date.fromisoformat(van), date.fromisoformat(tot)
    except ValueError as exc:
        raise typer.BadParameter(f"Een datum als JJJJ-MM-DD, bijv. 2026-01-31 ({exc}).") from exc
    ws = Workspace(workspace.resolve())
    if not ws.portal_state.exists():
        console.print(
            f"[red]Geen portaal in {ws.root}: alleen een beheerder van het portaal maakt een DDAS-export.[/]"
        )
        raise typer.Exit(1)
    password = os.environ.get("VROEG_PORTAL_PASSWORD") or typer.prompt("Wachtwoord", hide_input=True)
    con = state.open_state(ws.portal_state)
    try:
        try:
            account = confirm_operator(
                con, gebruiker, password, code or typer.prompt("Code van de tweede factor")
            )
        except OperatorRefused as refused:
            console.print(f"[red]{refused}[/]")
            raise typer.Exit(1) from refused
        try:
            with read_only(ws.warehouse) as wh:
                export = ddas_export(wh, gemeente, first, last, retention(), version=versie)
        except DdasExportRefused as refused:
            state.audit(
                con, "ddas_export_mislukt", username=account.username, role=account.role, detail=str(refused)
            )
            console.print(f"[red]{refused}[/]")
            raise typer.Exit(1) from refused
        name = f"ddas_{export.gemeentecode}_{export.van}_{export.tot}_v{export.version}.json"
        out = out or ws.exports / name
        written = write_export(export, out, ws.exports / "ddas_exports.jsonl")
        counts = export.counts
        state.audit(
            con,
            "ddas_export",
            username=account.username,
            role=account.role,
            as_of_date=export.as_of,
            detail=(
                f"versie {export.version}, gemeente {export.gemeentecode}, {export.van} t/m {export.tot}: "
                + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items())
                + f"; bestand {written.name}"
            ),
        )
    finally:
        con.close()
    console.print(
        f"DDAS-levering v{export.version} gemeente {export.gemeentecode}, {export.van:%d-%m-%Y} t/m "
        f"{export.tot:%d-%m-%Y} (peildatum {export.as_of:%d-%m-%Y}): {counts['vroegsignalen']} vroegsignalen "
        f"van {counts['huishoudens']} huishoudens, {counts['vroegsignaalzaken']} vroegsignaalzaken met "
        f"{counts['contactpogingen']} contactpogingen en {counts['zaken_met_resultaat']} resultaten."
    )
    if counts["resultaten_weggelaten"]:
        console.print(
            f"{counts['resultaten_weggelaten']} resultaten kent versie {export.version} niet; "
            "ze zijn weggelaten."
        )
    if export.version != "0.9":
        console.print(
            "[bold]Dit bestand bevat adressen van inwoners (persoonsgegevens):[/] lever het alleen "
            "aan het CBS; het wordt na de bewaartermijn verwijderd."
        )
    console.print(f"Geschreven (voldoet aan het DDAS-schema v{export.version}): [bold]{written}[/]")
