"""The backtest's figures as Dutch tables and one chart, for the model card and the evaluator page.

Aggregates only: per candidate, how many escalations it would have put above the capacity line.
Saved beside the model card as `backtest.json` (no household, no address) so the portal's evaluator
page shows the same figures without touching the warehouse's snapshots.
"""

from __future__ import annotations

import base64
import io
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # the portal imports this module: it must not pull in the fitting code
    from evaluation.backtest import Backtest

BLUE, GREY, ORANGE = "#1f5f99", "#9aa5b1", "#d9822b"

HEADERS = {
    "label": "ordening",
    "selected": "geselecteerd",
    "escalations_found": "gevonden escalaties",
    "escalations": "escalaties",
    "precision": "precisie",
    "recall": "recall",
    "early_warning_found": "gevonden vroeg (nog geen procedure)",
    "early_warnings": "escalaties vroeg",
    "early_warning_recall": "recall vroeg",
    "evictions": "uitgevoerde ontruimingen",
    "listed_before": "vooraf geselecteerd",
    "listed_share": "aandeel vooraf geselecteerd",
    "median_lead_weeks": "mediaan weken vooraf",
}
PERCENT = {"precision", "recall", "early_warning_recall", "listed_share"}
COUNTS = ("selected", "escalations_found", "escalations", "early_warning_found", "early_warnings")


def dutch_number(value: float | int | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return f"{value:,.{digits}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def dutch_percent(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.1f}%".replace(".", ",")


def rows_nl(frame: pl.DataFrame, columns: list[str]) -> tuple[list[str], list[list[str]]]:
    """Dutch headers and cells: percentages, decimal commas, thousands with a point."""
    cells = []
    for row in frame.select(columns).iter_rows(named=True):
        cells.append(
            [
                dutch_percent(row[c]) if c in PERCENT else row[c] if c == "label" else dutch_number(row[c])
                for c in columns
            ]
        )
    return [HEADERS[c] for c in columns], cells


LANE_COLUMNS = [
    "label",
    "selected",
    "escalations_found",
    "escalations",
    "precision",
    "recall",
    "early_warning_found",
    "early_warnings",
    "early_warning_recall",
]
LEAD_COLUMNS = ["label", "evictions", "listed_before", "listed_share", "median_lead_weeks"]


def markdown_table(frame: pl.DataFrame, columns: list[str]) -> str:
    headers, cells = rows_nl(frame, columns)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def chart_svg(backtest: Backtest) -> str:
    """Recall at capacity in the ranked lane per candidate: all escalations and early warnings."""
    from indicators.report import subplots

    frame = backtest.lane
    labels = frame["label"].to_list()
    plt, figure, axes = subplots((7.5, 0.45 * len(labels) + 1.2), percent=True)
    positions = list(range(len(labels)))[::-1]
    axes.barh(
        [p + 0.2 for p in positions], frame["recall"] * 100, height=0.4, color=BLUE, label="alle escalaties"
    )
    axes.barh(
        [p - 0.2 for p in positions],
        frame["early_warning_recall"] * 100,
        height=0.4,
        color=ORANGE,
        label="vroeg (nog geen procedure)",
    )
    axes.set_yticks(positions, labels)
    axes.set_xlim(0, 100)
    axes.set_xlabel("gevonden binnen de capaciteit (recall)")
    axes.legend(frameon=False, loc="lower right")
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    return buffer.getvalue()


def backtest_summary(backtest: Backtest) -> dict:
    """The backtest's aggregates as JSON-ready data (what backtest.json holds)."""
    return {
        "first": backtest.first.isoformat(),
        "last": backtest.last.isoformat(),
        "months": len(backtest.dates),
        "rules_as_of": backtest.rules_as_of.isoformat() if backtest.rules_as_of else None,
        "live_version": backtest.live_version,
        "has_truth": backtest.has_truth,
        "lane": backtest.lane.to_dicts(),
        "whole": backtest.whole.to_dicts(),
        "acute": backtest.acute,
        "lead": backtest.lead.to_dicts(),
    }


def write_backtest(backtest: Backtest, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    figures, chart = folder / "backtest.json", folder / "backtest.svg"
    figures.write_text(
        json.dumps(backtest_summary(backtest), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    chart.write_text(chart_svg(backtest), encoding="utf-8")
    return figures, chart


def _suppressed(value: float, minimum: int) -> str:
    """A count for evaluators: 1 to minimum - 1 (rounded) shown as "< minimum"."""
    return f"< {minimum}" if 0 < round(value) < minimum else dutch_number(value)


def evaluator_view(models_dir: Path, minimum: int) -> dict | None:
    """What the evaluator page shows of the last training's backtest: the decision, the ranked lane's
    figures per ordering (counts below `minimum` hidden, and the shares computed from them) and the
    chart as a data URI. None before the first `vroeg model train`."""
    figures, chart, decision = (models_dir / n for n in ("backtest.json", "backtest.svg", "decision.json"))
    if not figures.exists():
        return None
    data = json.loads(figures.read_text(encoding="utf-8"))
    rows = []
    for row in data["lane"]:
        small = any(0 < round(row[c]) < minimum for c in ("escalations_found", "escalations"))
        small_early = any(0 < round(row[c]) < minimum for c in ("early_warning_found", "early_warnings"))
        rows.append(
            {
                "label": row["label"],
                "selected": _suppressed(row["selected"], minimum),
                "found": _suppressed(row["escalations_found"], minimum),
                "escalations": _suppressed(row["escalations"], minimum),
                "recall": "x" if small else dutch_percent(row["recall"]),
                "precision": "x" if small else dutch_percent(row["precision"]),
                "early": "x" if small_early else dutch_percent(row["early_warning_recall"]),
            }
        )
    svg = chart.read_bytes() if chart.exists() else b""
    return {
        "first": data["first"],
        "last": data["last"],
        "months": data["months"],
        "rows": rows,
        "chart": "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii") if svg else None,
        "decision": json.loads(decision.read_text(encoding="utf-8")) if decision.exists() else None,
    }
