"""The evaluators' report of one year: the indicator tables with charts, as one HTML page.

Charts are drawn by matplotlib (static SVG, embedded as data URIs: no JavaScript, nothing fetched)
from the *suppressed* tables, so a chart can never show what a table hides: a hidden count or a
figure derived from it is left out of the chart and named under it. The same body is shown on the
portal's evaluator page (`render_body`) and written as a standalone file (`render_report`).
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from importlib import resources

import duckdb
import polars as pl
from jinja2 import Environment, FunctionLoader, select_autoescape

from indicators import overview
from indicators.config import IndicatorConfig
from indicators.tables import MONTHS_NL, TOTAL, indicator_tables
from rules.schema import dutch_date

BLUE, GREY, ORANGE = "#1f5f99", "#9aa5b1", "#d9822b"


@dataclass
class Chart:
    title: str
    uri: str  # data:image/svg+xml;base64,…
    description: str  # the alt text: what the chart shows, in words
    left_out: list[str]  # areas or categories not drawn because their figure is hidden


@dataclass
class Section:
    stem: str
    title: str
    columns: list[str]
    rows: list[tuple]
    chart: Chart | None
    note: str | None = None  # why the year or the baseline is not a whole year (indicators/overview.py)


def _number(text: str | None) -> float | None:
    """A published figure back as a number; None for hidden ("<5", "x") or empty cells."""
    if text is None or text == "":
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    data = base64.b64encode(buffer.getvalue().encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{data}"


def dutch_number_tick(value: float, _position: int | None = None) -> str:
    """An axis tick as Dutch readers write numbers: 1.234,5 (thousands dot, decimal comma)."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return "0" if text in ("-0", "") else text


def dutch_axes(axes, percent: bool = False) -> None:
    """Dutch tick labels on both axes (categorical axes set their own labels afterwards)."""
    from matplotlib.ticker import FuncFormatter

    tick = (lambda v, p: dutch_number_tick(v, p) + "%") if percent else dutch_number_tick
    axes.xaxis.set_major_formatter(FuncFormatter(tick))
    axes.yaxis.set_major_formatter(FuncFormatter(tick))


def pyplot():
    """matplotlib for static SVG charts in this project's style (also the backtest chart).

    Draw through `subplots`, so that every chart's axes write numbers the Dutch way."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "vroegsignalering",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.formatter.use_locale": False,
        }
    )
    import matplotlib.pyplot as plt

    return plt


def subplots(figsize: tuple[float, float], percent: bool = False):
    """(pyplot, figure, axes) of one chart with Dutch tick labels (`percent`: 40%)."""
    plt = pyplot()
    figure, axes = plt.subplots(figsize=figsize)
    dutch_axes(axes, percent)
    return plt, figure, axes


def _area_label(row: dict) -> str:
    return "Regio" if row["niveau"] == "regio" else row["gebied"]


def _bars_against_baseline(
    frame: pl.DataFrame, now: str, base: str, year: int, baseline: int, unit: str, title: str
) -> Chart:
    """Grouped bars per area (regio and gemeenten): the year next to the baseline year."""
    rows = frame.filter(pl.col("niveau") != "wijk").to_dicts()
    labels, values_now, values_base, left_out = [], [], [], []
    for row in rows:
        a, b = _number(row[now]), _number(row[base])
        if a is None and b is None:
            left_out.append(_area_label(row))
            continue
        labels.append(_area_label(row))
        values_now.append(a if a is not None else 0.0)
        values_base.append(b if b is not None else 0.0)
        if a is None or b is None:
            left_out.append(f"{_area_label(row)} ({year if a is None else baseline})")
    plt, figure, axes = subplots((7, 3.2))
    positions = range(len(labels))
    axes.bar([p - 0.2 for p in positions], values_base, width=0.4, color=GREY, label=str(baseline))
    axes.bar([p + 0.2 for p in positions], values_now, width=0.4, color=BLUE, label=str(year))
    axes.set_xticks(list(positions), labels, rotation=20, ha="right")
    axes.set_ylim(0, max([*values_now, *values_base, 0.0]) * 1.15 or 1.0)
    axes.set_ylabel(unit)
    axes.legend(frameon=False)
    figure.tight_layout()
    uri = _svg(figure)
    plt.close(figure)
    pairs = "; ".join(
        f"{lab}: {b:.2f} → {a:.2f}" for lab, a, b in zip(labels, values_now, values_base, strict=True)
    )
    return Chart(title, uri, f"Staafdiagram {unit}, {baseline} tegenover {year}. {pairs}", left_out)


def _monthly_lines(frame: pl.DataFrame, title: str) -> Chart:
    plt, figure, axes = subplots((7, 3.2))
    left_out, described = [], []
    for (area,), rows in frame.group_by("gebied", maintain_order=True):
        months = [MONTHS_NL.index(m) for m in rows["maand"].to_list()]
        values = [_number(v) for v in rows["per 1.000 inwoners"].to_list()]
        shown = [(m, v) for m, v in zip(months, values, strict=True) if v is not None]
        if len(shown) < len(values):
            left_out.append(f"{'Regio' if area == 'regio' else area} ({len(values) - len(shown)} maanden)")
        if not shown:
            continue
        xs, ys = zip(*shown, strict=True)
        is_region = area == "regio"
        axes.plot(
            xs,
            ys,
            marker="o",
            linewidth=2.2 if is_region else 1.2,
            color=BLUE if is_region else None,
            label="Regio" if is_region else area,
        )
        described.append(f"{'Regio' if is_region else area}: {min(ys):.2f}–{max(ys):.2f}")
    axes.set_xticks(range(12), MONTHS_NL)
    axes.set_ylabel("per 1.000 inwoners")
    axes.set_ylim(bottom=0)
    axes.legend(frameon=False, fontsize=8, ncols=2)
    figure.tight_layout()
    uri = _svg(figure)
    plt.close(figure)
    return Chart(title, uri, "Lijndiagram per maand. " + "; ".join(described), left_out)


def _shares_per_area(frame: pl.DataFrame, columns: dict[str, str], title: str) -> Chart:
    """Grouped bars of shares (%) per area (regio and gemeenten)."""
    rows = frame.filter(pl.col("niveau") != "wijk").to_dicts()
    plt, figure, axes = subplots((7, 3.2))
    width = 0.8 / len(columns)
    left_out, described = [], []
    for i, (column, label) in enumerate(columns.items()):
        xs, ys = [], []
        for position, row in enumerate(rows):
            value = _number(row[column])
            if value is None:
                left_out.append(f"{_area_label(row)}: {label}")
                continue
            xs.append(position - 0.4 + width * (i + 0.5))
            ys.append(value)
        axes.bar(xs, ys, width=width, label=label, color=(BLUE, ORANGE, GREY)[i % 3])
        described.append(f"{label}: " + ", ".join(f"{y:.1f}%" for y in ys))
    axes.set_xticks(range(len(rows)), [_area_label(r) for r in rows], rotation=20, ha="right")
    axes.set_ylabel("%")
    axes.set_ylim(0, 100)
    axes.legend(frameon=False, fontsize=8)
    figure.tight_layout()
    uri = _svg(figure)
    plt.close(figure)
    return Chart(title, uri, "Staafdiagram aandelen per gebied. " + "; ".join(described), left_out)


def _distribution(frame: pl.DataFrame, category: str, title: str) -> Chart:
    """Horizontal bars of the region's distribution over a DDAS vocabulary."""
    rows = frame.filter(pl.col("niveau") == "regio", pl.col(category) != TOTAL).to_dicts()
    labels = [r[category] for r in rows]
    values = [_number(r["aandeel (%)"]) for r in rows]
    left_out = [lab for lab, v in zip(labels, values, strict=True) if v is None]
    shown = [(lab, v) for lab, v in zip(labels, values, strict=True) if v is not None]
    plt, figure, axes = subplots((7, 0.8 + 0.28 * max(len(shown), 1)))
    axes.barh([lab for lab, _ in shown], [v for _, v in shown], color=BLUE)
    axes.invert_yaxis()
    axes.set_xlabel("% van het totaal (regio)")
    figure.tight_layout()
    uri = _svg(figure)
    plt.close(figure)
    return Chart(
        title, uri, "Staafdiagram regio. " + "; ".join(f"{lab}: {v:.1f}%" for lab, v in shown), left_out
    )


def _lead_times(frame: pl.DataFrame, config: IndicatorConfig, title: str) -> Chart:
    region = frame.filter(pl.col("niveau") == "regio").to_dicts()
    labels = config.bucket_labels_nl
    values = [_number(region[0][f"eerste plaatsing {lab} vooraf"]) if region else None for lab in labels]
    left_out = [lab for lab, v in zip(labels, values, strict=True) if v is None]
    plt, figure, axes = subplots((7, 2.8))
    axes.bar(labels, [v or 0 for v in values], color=BLUE)
    axes.set_ylim(0, max([1.0, *(v for v in values if v is not None)]))
    axes.set_ylabel("uitgevoerde ontruimingen (regio)")
    figure.tight_layout()
    uri = _svg(figure)
    plt.close(figure)
    described = "; ".join(
        f"{lab}: {'verborgen' if v is None else int(v)}" for lab, v in zip(labels, values, strict=True)
    )
    return Chart(title, uri, "Staafdiagram doorlooptijd. " + described, left_out)


def sections(con: duckdb.DuckDBPyConnection, year: int, config: IndicatorConfig) -> list[Section]:
    """Every indicator table of `year` (suppressed) with its chart."""
    tables = indicator_tables(con, year, config)
    by = config.baseline_year
    repeat = f"aandeel herhaald signaal binnen {config.repeat_window_months} maanden (%)"
    charts = {
        "ontruimingen": lambda f: _bars_against_baseline(
            f,
            "per 1.000 corporatiewoningen per jaar",
            f"per 1.000 corporatiewoningen per jaar {by}",
            year,
            by,
            "per 1.000 corporatiewoningen per jaar",
            "Uitgevoerde ontruimingen per 1.000 corporatiewoningen per jaar",
        ),
        "ontruimingen_en_lijsten": lambda f: _lead_times(
            f, config, "Weken tussen eerste plaatsing op een lijst en de ontruiming"
        ),
        "overlast": lambda f: _bars_against_baseline(
            f,
            "per 1.000 corporatiewoningen per jaar",
            f"per 1.000 corporatiewoningen per jaar {by}",
            year,
            by,
            "per 1.000 corporatiewoningen per jaar",
            "Overlastmeldingen per 1.000 corporatiewoningen per jaar",
        ),
        "signalen": lambda f: _bars_against_baseline(
            f,
            "per 1.000 inwoners per maand",
            f"per 1.000 inwoners per maand {by}",
            year,
            by,
            "per 1.000 inwoners per maand",
            "Financiële signalen per 1.000 inwoners per maand",
        ),
        "signalen_per_maand": lambda f: _monthly_lines(
            f, f"Financiële signalen per 1.000 inwoners, per maand {year}"
        ),
        "herhaling_en_bereik": lambda f: _shares_per_area(
            f,
            {
                repeat: "herhaald signaal",
                "aandeel met contactpoging (%)": "contactpoging",
                "aandeel bereikt (%)": "bereikt",
            },
            "Herhaalde signalen, contactpogingen en bereik",
        ),
        "contactpogingen": lambda f: _distribution(
            f, "soort contactpoging", "Contactpogingen naar soort (regio)"
        ),
        "eindresultaten": lambda f: _distribution(f, "eindresultaat", "Eindresultaten (regio)"),
    }
    firsts = overview.first_dates(con)
    out = []
    for stem, (title, frame) in tables.items():
        note, change_void, no_data = overview.section_note(firsts[overview.source_of(stem)], year, by)
        change = f"verandering t.o.v. {by} (%)"
        if change_void and change in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(change))
        drawn = stem in charts and not frame.is_empty() and not no_data
        chart = charts[stem](frame) if drawn else None
        out.append(Section(stem, title, frame.columns, frame.rows(), chart, note))
    return out


def _template(name: str) -> str:
    return resources.files("indicators").joinpath("templates", name).read_text(encoding="utf-8")


_ENV = Environment(
    loader=FunctionLoader(_template), autoescape=select_autoescape(default=True, default_for_string=True)
)


def closing_nl(con: duckdb.DuckDBPyConnection, year: int) -> str:
    """Which closing date the stored figures of `year` used, and whether it has passed, in Dutch.

    Closed when the latest run's as-of date is on or after it: "Jaar afgesloten op 1 april 2026";
    before that "Nog open tot 1 april 2027 voor late leveringen".
    """
    closes, latest = con.execute(
        "select max(year_closes_on) filter (where year = $year), max(computed_as_of) from agg_indicator",
        {"year": year},
    ).fetchall()[0]
    if closes is None:
        return "Jaar afgesloten; de sluitingsdatum is niet vastgelegd (cijfers van vóór de sluitingsdatum)."
    if latest is not None and latest >= closes:
        return f"Jaar afgesloten op {dutch_date(closes)}: latere leveringen veranderen deze cijfers niet."
    return (
        f"Nog open tot {dutch_date(closes)} voor late leveringen: tot dan kunnen de cijfers nog veranderen."
    )


def render_body(con: duckdb.DuckDBPyConnection, year: int, config: IndicatorConfig) -> str:
    """The report's body (headings, charts, tables, notes): escaped HTML to embed in a page."""
    shown = sections(con, year, config)
    return _ENV.get_template("report_body.html").render(
        year=year,
        config=config,
        closing=closing_nl(con, year),
        sections=shown,
        headlines=overview.headlines(shown, year, config.baseline_year),
        coverage=overview.coverage_lines(overview.first_dates(con), year, config.baseline_year),
    )


def render_report(
    con: duckdb.DuckDBPyConnection, year: int, config: IndicatorConfig, as_of: date | None
) -> str:
    """A standalone HTML page (inline styles, no external resources)."""
    from markupsafe import Markup

    return _ENV.get_template("report.html").render(
        year=year,
        config=config,
        as_of=as_of,
        body=Markup(render_body(con, year, config)),
    )


# What a body is drawn by: these files and the indicator configuration (report_inputs).
_RENDERER = ("report.py", "overview.py", "tables.py", "templates/report_body.html")


def _shared_inputs(con: duckdb.DuckDBPyConnection, config: IndicatorConfig) -> bytes:
    """What every year's body depends on alike: the configuration, the renderer, the sources' first dates."""
    digest = hashlib.sha256(config.model_dump_json().encode())
    for name in _RENDERER:
        digest.update(resources.files("indicators").joinpath(name).read_bytes())
    digest.update(repr(overview.first_dates(con)).encode())
    return digest.digest()


def report_inputs(con: duckdb.DuckDBPyConnection, year: int, config: IndicatorConfig, shared: bytes) -> str:
    """A fingerprint of everything render_body(year) depends on (SHA-256, hex); `shared` is
    _shared_inputs, alike for every year."""
    digest = hashlib.sha256(shared)
    (figures,) = con.execute(
        "select coalesce(sum(hash(a)), 0)::varchar from agg_indicator as a where year in (?, ?)",
        [year, config.baseline_year],
    ).fetchall()[0]
    for part in (figures, closing_nl(con, year)):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def store_reports(con: duckdb.DuckDBPyConnection, config: IndicatorConfig) -> list[int]:
    """Draw the report body of every stored year whose inputs changed since it was drawn, and keep
    it in rpt_indicator_report for the portal (bodies of years no longer stored go). Returns the
    years drawn: after a regular night the open years; the closed ones stay as they were."""
    con.execute("delete from rpt_indicator_report where year not in (select year from agg_indicator)")
    drawn = dict(con.execute("select year, inputs_sha256 from rpt_indicator_report").fetchall())
    redrawn = []
    shared = _shared_inputs(con, config)
    for year in stored_years(con):  # at most the retained years, about ten
        inputs = report_inputs(con, year, config, shared)
        if drawn.get(year) == inputs:
            continue
        body = render_body(con, year, config)
        con.execute("delete from rpt_indicator_report where year = ?", [year])
        con.execute("insert into rpt_indicator_report values (?, ?, ?, now())", [year, inputs, body])
        redrawn.append(year)
    return redrawn


def stored_body(con: duckdb.DuckDBPyConnection, year: int) -> str | None:
    """The body the nightly drew for `year` (store_reports); None when there is none, also in a
    warehouse the nightly has not migrated yet (no rpt_indicator_report, migration 0027)."""
    (tables,) = con.execute(
        "select count(*) from duckdb_tables() where table_name = 'rpt_indicator_report'"
    ).fetchall()[0]
    if not tables:
        return None
    rows = con.execute("select body_html from rpt_indicator_report where year = ?", [year]).fetchall()
    return rows[0][0] if rows else None


def stored_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [
        y for (y,) in con.execute("select distinct year from agg_indicator order by year desc").fetchall()
    ]


def latest_as_of(con: duckdb.DuckDBPyConnection) -> date | None:
    return con.execute("select max(computed_as_of) from agg_indicator").fetchall()[0][0]
