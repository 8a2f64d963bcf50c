"""What the estimated risk is about, as one Dutch sentence, and when it no longer applies.

The scorecard estimates the chance that an eviction procedure reaches one of the label stages
(rules/scorecard.yaml `label_stages`; the first is the one the sentence names) within the label
horizon (`label_horizon_days`, said in months). A percentage without that subject reads as "the
risk of something"; and for a household whose procedure is already at a label stage the estimate
answers a question that has been overtaken, so the sentence then says where the procedure is
instead of giving a percentage.

The household page uses `risk_statement`; the list and the export can use the same function, so
that the wording lives here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.scorecard import ScorecardSpec, format_risk, load_spec

# The stages of an eviction procedure (signals/contracts/ontruiming.yaml, column `fase`) as a
# coordinator says them; a test keeps this complete.
STAGE_WORDS = {
    "dagvaarding": "dagvaarding",
    "vonnis": "vonnis",
    "aanzegging": "aanzegging",
    "ontruiming_gepland": "ontruiming gepland",
    "ontruiming_uitgevoerd": "ontruiming uitgevoerd",
    "ingetrokken": "ingetrokken",
}
# A stage as what a procedure "reaches" (the object of the sentence, with its article).
STAGE_REACHED = {
    "dagvaarding": "de dagvaarding",
    "vonnis": "het vonnis",
    "aanzegging": "de aanzegging",
    "ontruiming_gepland": "een geplande ontruiming",
    "ontruiming_uitgevoerd": "de ontruiming",
}
# A withdrawn procedure is over: the chance is about a new one ("een"), not "de" running one.
ENDED_STAGE = "ingetrokken"
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class RiskStatement:
    """The sentence a reader sees about a household's estimated risk.

    `applies` is False when the procedure is already at a label stage: then `percentage` is None
    and `sentence` says the stage instead. `lead` is the sentence before its percentage, for a page
    that sets the percentage apart ("Geschatte kans dat …: <strong>22,27%</strong>").
    """

    applies: bool
    sentence: str
    percentage: str | None
    lead: str


def horizon_months(spec: ScorecardSpec) -> int:
    """The label horizon in whole months: 182 days → 6."""
    return round(spec.label_horizon_days / DAYS_PER_MONTH)


def stage_words(stage: str) -> str:
    """An eviction stage in words: ontruiming_gepland → ontruiming gepland."""
    return STAGE_WORDS.get(stage, stage.replace("_", " "))


def _reaching(spec: ScorecardSpec) -> str:
    """'binnen 6 maanden de aanzegging bereikt'."""
    first = spec.label_stages[0]
    reached = STAGE_REACHED.get(first, f"de fase {stage_words(first)}")
    return f"binnen {horizon_months(spec)} maanden {reached} bereikt"


def risk_subject(spec: ScorecardSpec, running: bool = False) -> str:
    """What the estimate is the chance of: 'kans dat een ontruimingsprocedure binnen 6 maanden de
    aanzegging bereikt' ('de ontruimingsprocedure' when one is `running`)."""
    return f"kans dat {'de' if running else 'een'} ontruimingsprocedure {_reaching(spec)}"


def risk_applies(eviction_stage: str | None, spec: ScorecardSpec | None = None) -> bool:
    """False when the household's procedure is already at a stage the estimate is about."""
    spec = spec or load_spec()
    return eviction_stage not in spec.label_stages


def risk_statement(
    risk: float | None, eviction_stage: str | None, spec: ScorecardSpec | None = None
) -> RiskStatement:
    """The risk as a sentence with its subject, or, when the household's procedure (its
    `eviction_stage` on the as-of date, None without one) is already at a label stage, that stage.

    >>> risk_statement(0.2227, "vonnis").sentence
    'Geschatte kans dat de ontruimingsprocedure binnen 6 maanden de aanzegging bereikt: 22,27%'
    >>> risk_statement(0.2227, "ontruiming_gepland").percentage is None
    True
    """
    spec = spec or load_spec()
    if not risk_applies(eviction_stage, spec):
        sentence = (
            f"De ontruimingsprocedure is al in de fase {stage_words(eviction_stage)}; de kans dat zij "
            f"{_reaching(spec)}, geldt daarom niet meer."
        )
        return RiskStatement(applies=False, sentence=sentence, percentage=None, lead=sentence)
    running = eviction_stage is not None and eviction_stage != ENDED_STAGE
    percentage = "onbekend" if risk is None else format_risk(risk)
    lead = f"Geschatte {risk_subject(spec, running=running)}"
    return RiskStatement(applies=True, sentence=f"{lead}: {percentage}", percentage=percentage, lead=lead)
