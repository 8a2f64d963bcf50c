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
