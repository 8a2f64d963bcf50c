"""The evaluator page shows the last training's backtest: the decision, the ranked lane's figures per
ordering with small counts hidden, and the chart — aggregates only."""

from __future__ import annotations

import json
import re
import shutil

from evaluation.report import evaluator_view

ROW = {
    "candidate": "live",
    "label": "live scorekaart",
    "selected": 1696,
    "escalations_found": 100.5,
    "escalations": 153,
    "precision": 0.059,
    "recall": 0.657,
    "early_warning_found": 3.2,
    "early_warnings": 69,
    "early_warning_recall": 0.046,
}


def _models(folder, rows):
    folder.mkdir(parents=True, exist_ok=True)
    figures = {"first": "2025-08-31", "last": "2026-03-31", "months": 8, "lane": rows}
    (folder / "backtest.json").write_text(json.dumps(figures), encoding="utf-8")
    (folder / "backtest.svg").write_text('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>')
    decision = {"reason_nl": "De voorlopige scorekaart blijft live: getoetst."}
    (folder / "decision.json").write_text(json.dumps(decision), encoding="utf-8")
    return folder


def test_small_counts_and_the_shares_made_from_them_are_hidden(tmp_path):
    view = evaluator_view(_models(tmp_path / "models", [ROW]), 5)
    (row,) = view["rows"]
    assert (row["found"], row["escalations"], row["recall"]) == ("100,5", "153", "65,7%")
    assert row["early"] == "x"  # 3,2 of 69 early escalations: a share of a count below 5
    assert view["chart"].startswith("data:image/svg+xml;base64,")
    assert evaluator_view(tmp_path / "nothing", 5) is None


def test_the_evaluator_page_shows_the_backtest_and_the_decision(portal_workspace, as_user):
    models = portal_workspace.root / "models"
    backup = portal_workspace.root / "models.before-test"
    if models.exists():
        shutil.move(models, backup)
    try:
        _models(
            models,
            [ROW, {**ROW, "candidate": "prior", "label": "voorlopige scorekaart (prior)", "escalations": 3}],
        )
        text = as_user("evaluator").get("/evaluatie").text
    finally:
        shutil.rmtree(models, ignore_errors=True)
        if backup.exists():
            shutil.move(backup, models)
    assert "Toets van de rangschikking op de eigen geschiedenis" in text
    assert "De voorlopige scorekaart blijft live: getoetst." in text
    assert "<td>live scorekaart</td><td>1.696</td><td>100,5</td><td>153</td><td>65,7%</td>" in text
    assert "<td>&lt; 5</td>" in text
    assert not re.search(r"<td>[1-4]</td>", text)


def test_the_evaluator_page_opens_with_an_overview_and_explains_an_incomplete_year(portal_workspace, as_user):
    text = as_user("evaluator").get("/evaluatie").text
    overview, details = text.index("In het kort"), text.index("<details")
    assert overview < details < text.index("<figure"), "the overview first, the charts in the details"
    head = text[overview:details]
    assert "per 1.000 inwoners per maand" in head and "basisjaar" in head
    # The tiny region's data starts in the baseline year: said so, and no change is computed from it.
    assert re.search(r"onvolledig jaar: gegevens vanaf \d+ [a-z]+ \d{4}", head)
    assert "-100,0" not in text
    assert "Een verandering ten opzichte van" in text
