from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from rules.engine import apply_rules
from rules.lanes import default_lanes
from rules.schema import CATALOGUE, CatalogueError, load_ruleset
from warehouse.migrate import migrate


def _copy_catalogue(tmp_path: Path) -> Path:
    for f in CATALOGUE.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_catalogue_is_valid_and_every_rule_explains_itself_in_dutch():
    ruleset, lanes = load_ruleset(), default_lanes()
    assert len(ruleset.rules) >= 3
    # every lane but the default one has rules that route households into it
    assert {r.lane for r in ruleset.rules} - {None} == set(lanes.codes) - {lanes.default_lane}
    for rule in ruleset.rules:
        assert "{" in rule.reason and rule.rationale and rule.owner
        assert (rule.acute is not None) == (rule.lane is not None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"when": {"all": [{"feature": "shoe_size", "op": "gt", "value": 3}]}}, "unknown feature"),
        ({"when": {"all": [{"feature": "arrears_months", "op": "gt", "value": "twee"}]}}, "number"),
        (
            {"when": {"all": [{"feature": "arrears_months", "op": "between", "value": [1]}]}},
            "between",
        ),
        ({"tier": "hoog"}, "tier"),
        ({"lane": "urgent"}, "onbekende baan"),
        ({"lane": "vroeg_erop_af"}, "standaardbaan"),
        ({"lane": "acuut"}, "acute.date"),
        ({"acute": {"date": ["water_stage"], "action": "Bel vandaag nog"}}, "acute"),
        ({"reason": "Achterstand {arrears_eur:euro}"}, "format"),
        ({"reason": None}, "reason"),
    ],
)
def test_malformed_rule_fails_with_file_and_problem(tmp_path, change, message):
    folder = _copy_catalogue(tmp_path)
    path = folder / "R005_huurachterstand_hoog.yaml"
    rule = yaml.safe_load(path.read_text(encoding="utf-8"))
    rule.update(change)
    path.write_text(yaml.safe_dump(rule, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_ruleset(folder)
    assert "R005_huurachterstand_hoog.yaml" in str(info.value)
    assert message in str(info.value)


def test_rules_fire_with_dutch_reasons_and_observed_values():
    con = duckdb.connect()
    migrate(con)
    as_of = date(2026, 10, 31)
    con.execute(
        """insert into int_household__features (as_of_date, household_id, address_key, gemeente, wijk,
           buurt, wijkteam, nuisance_reports_short_window, nuisance_reports_long_window,
           ggd_reports_long_window, distinct_sources, financial_signals_stacking_window,
           has_financial_signal, first_signal_date, last_signal_date, arrears_eur, arrears_months,
           arrears_since_date, arrears_signal_date, eviction_stage, planned_eviction_date,
           days_until_planned_eviction, days_since_first_signal)
           values (?, 'h1', 'a', 'g', 'w', 'b', 't', 0, 0, 0, 2, 1, true, ?, ?, 1840, 2.5, ?, ?,
                   'ontruiming_gepland', ?, 20, 60)""",
        [
            as_of,
            date(2026, 9, 3),
            date(2026, 10, 1),
            date(2026, 9, 3),
            date(2026, 10, 1),
            date(2026, 11, 20),
        ],
    )
    apply_rules(con, load_ruleset(), as_of)
    hits = dict(con.execute("select rule_id, reason_nl from int_rule_hit").fetchall())
    assert hits["R005"] == "Huurachterstand van 2,5 maanden (€ 1.840) sinds 3 september 2026"
    assert hits["R001"] == "Ontruiming gepland op 20 november 2026 (over 20 dagen)"
    assert "R008" not in hits  # below two months only
    assert "R003" not in hits


def test_a_catalogue_that_leaves_a_lane_empty_for_good_is_refused(tmp_path):
    folder = _copy_catalogue(tmp_path)
    for path in folder.glob("R*.yaml"):
        rule = yaml.safe_load(path.read_text(encoding="utf-8"))
        if rule.get("lane") == "acuut":
            path.unlink()
    with pytest.raises(CatalogueError, match="Acuut"):
        load_ruleset(folder)


def test_a_rule_not_valid_on_the_as_of_date_is_a_warning_and_its_lane_empty_is_another():
    ruleset, lanes = load_ruleset(), default_lanes()
    first = min(r.valid_from for r in ruleset.rules)
    assert ruleset.validity_warnings(first, lanes) == []
    before = date(first.year - 1, 6, 1)
    warnings = ruleset.validity_warnings(before, lanes)
    assert len(warnings) == len(ruleset.rules) + 1
    assert all(w.startswith("Regel R") for w in warnings[:-1])
    assert "1 juni" in warnings[0] and "geldig vanaf" in warnings[0]
    assert warnings[-1].startswith("Baan Acuut blijft leeg")
    assert ruleset.valid_on(before) == ()


def test_rules_as_of_applies_another_days_catalogue():
    con = duckdb.connect()
    migrate(con)
    ruleset = load_ruleset()
    first = min(r.valid_from for r in ruleset.rules)
    before = date(first.year - 1, 6, 30)
    con.execute(
        """insert into int_household__features (as_of_date, household_id, address_key, gemeente, wijk,
           buurt, wijkteam, nuisance_reports_short_window, nuisance_reports_long_window,
           ggd_reports_long_window, distinct_sources, financial_signals_stacking_window,
           has_financial_signal, first_signal_date, last_signal_date, arrears_months, days_since_first_signal)
           values (?, 'h1', 'a', 'g', 'w', 'b', 't', 0, 0, 0, 1, 1, true, ?, ?, 3, 10)""",
        [before, before, before],
    )
    assert apply_rules(con, ruleset, before) == 0
    assert apply_rules(con, ruleset, before, rules_as_of=first) >= 1
