"""The evaluator's report: Dutch numbers on chart axes, and years the data does not fully cover."""

from __future__ import annotations

import io
import re
from datetime import date

from indicators.overview import coverage_lines, gap_nl, section_note
from indicators.report import dutch_number_tick, subplots


def test_ticks_use_a_decimal_comma_and_a_thousands_point():
    assert [dutch_number_tick(v) for v in (0.0, 2.5, 0.25, 1234.5, 12000.0, -0.0)] == [
        "0",
        "2,5",
        "0,25",
        "1.234,5",
        "12.000",
        "0",
    ]


def test_every_chart_axis_writes_numbers_the_dutch_way():
    plt, figure, axes = subplots((4, 3))
    axes.plot([0, 1, 2], [0.5, 1.5, 2.5])
    figure.canvas.draw()
    labels = [t.get_text() for t in axes.get_yticklabels() if t.get_text()]
    assert any("," in label for label in labels) and not any("." in label for label in labels), labels
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    # matplotlib writes tick text as comments in the SVG: "<!-- 1,5 -->"
    ticks = re.findall(r"<!-- ([-0-9.,]+) -->", buffer.getvalue())
    assert "1,5" in ticks and "1.5" not in ticks


def test_a_year_the_data_starts_in_is_named_incomplete_and_its_change_is_not_computed():
    first = date(2025, 3, 3)
    assert gap_nl(first, 2025) == "onvolledig jaar: gegevens vanaf 3 maart 2025"
    assert gap_nl(first, 2026) is None and gap_nl(date(2025, 1, 1), 2025) is None
    assert gap_nl(first, 2024) == "geen gegevens over 2024: gegevens vanaf 3 maart 2025"
    note, change_void, no_data = section_note(first, 2026, 2025)
    assert "Basisjaar 2025: onvolledig jaar: gegevens vanaf 3 maart 2025." in note
    assert "niet berekend" in note and change_void and not no_data
    assert section_note(first, 2026, 2026) == (None, False, False)
    assert section_note(first, 2024, 2025)[2], "a year without data gets no chart"
    assert coverage_lines({"signalen": first, "overlast": None}, 2026, 2025) == [
        "Financiële signalen 2025: onvolledig jaar: gegevens vanaf 3 maart 2025."
    ]
