"""A rule that does not hold on the as-of date is a warning of the run; a night on which no rule
holds is "partial" — never a quiet list without rules (the real nightly flow on the tiny region,
with a copy of the catalogue in VROEG_RULES_DIR)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from rules.schema import CATALOGUE, default_ruleset
from tests.conftest import TINY_AS_OF, history_manifest

pytestmark = pytest.mark.flow


def _catalogue(tmp_path: Path, valid_from: dict[str, str]) -> Path:
    folder = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE, folder)
    for path in folder.glob("R*.yaml"):
        rule = yaml.safe_load(path.read_text(encoding="utf-8"))
        if rule["id"] in valid_from or "*" in valid_from:
            rule["valid_from"] = valid_from.get(rule["id"], valid_from.get("*"))
            path.write_text(yaml.safe_dump(rule, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def _run(tiny_region: Path, tmp_path: Path, monkeypatch, valid_from: dict[str, str]) -> tuple[dict, list]:
    from flows.nightly import nightly

    monkeypatch.setenv("VROEG_RULES_DIR", str(_catalogue(tmp_path, valid_from)))
    default_ruleset.cache_clear()
    workspace = tmp_path / "ws"
    for part in ("inbox", "reference", "registraties"):
        shutil.copytree(tiny_region / part, workspace / part)
    try:
        summary = nightly(str(workspace), TINY_AS_OF, history_manifest=history_manifest(workspace))
    finally:
        monkeypatch.delenv("VROEG_RULES_DIR")
        default_ruleset.cache_clear()
    with duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True) as con:
        rules = con.execute(
            "select distinct rule_id from int_rule_hit where as_of_date = ? order by 1", [TINY_AS_OF]
        ).fetchall()
    return summary, [r for (r,) in rules]


def test_a_rule_not_yet_valid_is_a_warning_and_is_not_applied(
    prefect_server, tiny_region, tmp_path, monkeypatch
):
    summary, fired = _run(tiny_region, tmp_path, monkeypatch, {"R008": "2027-01-01"})
    assert summary["status"] == "ok"
    assert any(w.startswith("Regel R008") and "1 januari 2027" in w for w in summary["warnings"])
    assert "R008" not in fired and fired


def test_a_night_on_which_no_rule_holds_is_partial_and_says_why(
    prefect_server, tiny_region, tmp_path, monkeypatch
):
    summary, fired = _run(tiny_region, tmp_path, monkeypatch, {"*": "2027-01-01"})
    assert summary["status"] == "partial"
    assert "Geen enkele regel geldt" in summary["status_reason"]
    assert any(w.startswith("Baan Acuut blijft leeg") for w in summary["warnings"])
    assert fired == []
    assert sum(summary["per_team"].values()) > 0  # the lists are still published, ranked by the scorecard
