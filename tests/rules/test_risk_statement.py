"""The risk as a sentence with its subject (rules/risk_statement.py), and how the portal writes the
scorecard's name, totals, vocabulary values and addresses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from portal.dutch import address_line, scorecard_name, total_points, words
from rules.risk_statement import STAGE_WORDS, horizon_months, risk_statement
from rules.scorecard import load_spec

CONTRACTS = Path(__file__).resolve().parents[2] / "signals" / "contracts"


def _enum(feed: str, column: str) -> list[str]:
    contract = yaml.safe_load((CONTRACTS / f"{feed}.yaml").read_text(encoding="utf-8"))
    return next(c["values"] for c in contract["columns"] if c["name"] == column)


def test_every_stage_a_supplier_can_deliver_has_words():
    assert set(_enum("ontruiming", "fase")) <= set(STAGE_WORDS)
    assert all("_" not in w for w in STAGE_WORDS.values())


def test_the_sentence_names_what_the_chance_is_of_with_the_horizon_from_the_spec():
    spec = load_spec()
    assert horizon_months(spec) == 6 and spec.label_horizon_days == 182
    none = risk_statement(0.2227, None)
    assert none.applies and none.percentage == "22,27%"
    assert none.sentence == (
        "Geschatte kans dat een ontruimingsprocedure binnen 6 maanden de aanzegging bereikt: 22,27%"
    )
    # a running procedure is "de" procedure; a withdrawn one is over, the chance is of a new one
    assert "kans dat de ontruimingsprocedure" in risk_statement(0.3, "vonnis").sentence
    assert "kans dat een ontruimingsprocedure" in risk_statement(0.3, "ingetrokken").sentence
    assert risk_statement(None, None).percentage == "onbekend"
    shorter = spec.model_copy(update={"label_horizon_days": 91, "label_stages": ("vonnis", "aanzegging")})
    assert "binnen 3 maanden het vonnis bereikt" in risk_statement(0.1, None, shorter).sentence


@pytest.mark.parametrize("stage", load_spec().label_stages)
def test_once_the_procedure_is_at_a_label_stage_the_sentence_says_the_stage_not_a_percentage(stage):
    said = risk_statement(0.2227, stage)
    assert not said.applies and said.percentage is None
    assert "%" not in said.sentence and "22,27" not in said.sentence
    assert said.sentence.startswith(f"De ontruimingsprocedure is al in de fase {STAGE_WORDS[stage]};")
    assert "_" not in said.sentence and "niet meer" in said.sentence


@pytest.mark.parametrize("stage", ["dagvaarding", "vonnis", "ingetrokken", None])
def test_before_a_label_stage_the_percentage_is_shown(stage):
    assert risk_statement(0.05, stage).percentage == "5,00%"


def test_the_scorecard_is_named_in_words_never_by_its_version_string():
    fitted = scorecard_name("2026.11.2+202604.5bc9947c")
    assert fitted == "scorekaart getraind op de eigen gegevens tot en met april 2026"
    assert scorecard_name("prior-2026.12.1").startswith("voorlopige scorekaart")
    assert scorecard_name("iets-anders") == "scorekaart"
    assert scorecard_name("geen") == "" and scorecard_name(None) == ""


def test_totals_values_and_addresses_are_written_for_a_dutch_reader():
    assert total_points(88) == "88 punten" and total_points(-5) == "−5 punten" and total_points(1) == "1 punt"
    assert words("agressie_intimidatie") == "agressie of intimidatie"
    assert words("ontruiming_gepland") == "ontruiming gepland"
    assert (
        address_line("Zonnebloemsteeg 3-10", "1501AB", "Zaandam") == "Zonnebloemsteeg 3-10, 1501 AB Zaandam"
    )
    for feed, column in [
        ("ontruiming", "fase"),
        ("ontruiming", "reden"),
        ("ggd_melding", "categorie"),
        ("ggd_melding", "status"),
        ("overlast", "categorie"),
        ("overlast", "status"),
        ("waterafsluiting", "fase"),
        ("ddas", "signaalpartner"),
        ("ddas", "status"),
    ]:
        assert all("_" not in words(v) for v in _enum(feed, column)), (feed, column)
