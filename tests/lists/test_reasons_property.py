"""Property: every number in a list entry's reasons is the household's own signal, and its points add up.

Hypothesis generates one household's delivered signals (several feeds, some learned only after the
as-of date, some outside the windows). The real pipeline steps (linking, features, rules, scoring,
list) run on them in DuckDB; an oracle written independently here, in plain Python, derives what the
household's reasons must say from the signals themselves. Rule reasons are matched against their
template, scorecard reasons against their bin, and the points against the score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lists.build import build_lists
from rules.engine import apply_rules
from rules.schema import PLACEHOLDER, default_ruleset
from rules.scorecard import BinnedFeature, load_prior, load_spec
from rules.scoring import score_households
from signals.features import build_features, link_signals
from signals.registry import teams
from warehouse.migrate import migrate

AS_OF = date(2026, 10, 31)
ADDRESS = "1501FI-12"
PERSON = "p-0001"
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
EVICTION_STAGES = ["dagvaarding", "vonnis", "aanzegging", "ontruiming_gepland", "ingetrokken"]
WATER_STAGES = [
    "herinnering",
    "aankondiging_afsluiting",
    "afsluiting_gepland",
    "afgesloten",
    "heraangesloten",
]


@dataclass(frozen=True)
class Signal:
    feed: str
    event: date
    known: date
    amount: float | None = None
    months: float | None = None
    since: date | None = None
    stage: str | None = None
    planned: date | None = None
    urgency: str | None = None
    arrangement: bool | None = None


# Amounts in whole euros plus cents, never exactly half a euro (rounding half-way is not the point).
amounts = st.tuples(st.integers(20, 6_000), st.integers(0, 99).filter(lambda c: c != 50)).map(
    lambda t: t[0] + t[1] / 100
)
offsets = st.integers(0, 420)  # days before the as-of date
lags = st.integers(0, 15)  # days between the event and our learning of it


def _dated(draw, offset: int) -> tuple[date, date]:
    event = AS_OF - timedelta(days=offset)
    return event, event + timedelta(days=draw(lags))


@st.composite
def household(draw) -> list[Signal]:
    signals = []
    for offset in draw(st.lists(offsets, max_size=3, unique=True)):
        event, known = _dated(draw, offset)
        months = draw(st.integers(1, 90)) / 10 + 0.03  # never a tie at one decimal
        signals.append(
            Signal(
                "huurachterstand",
                event,
                known,
                amount=draw(amounts),
                months=round(months, 2),
                since=event - timedelta(days=draw(st.integers(0, 200))),
                arrangement=draw(st.sampled_from([None, True, False])),
            )
        )
    if draw(st.booleans()):
        event, known = _dated(draw, draw(offsets))
        stage = draw(st.sampled_from(EVICTION_STAGES))
        planned = AS_OF + timedelta(days=draw(st.integers(1, 70))) if stage == "ontruiming_gepland" else None
        signals.append(Signal("ontruiming", event, known, stage=stage, planned=planned, amount=draw(amounts)))
    if draw(st.booleans()):
        event, known = _dated(draw, draw(st.integers(0, 150)))
        stage = draw(st.sampled_from(WATER_STAGES))
        planned = event + timedelta(days=draw(st.integers(1, 40))) if stage == "afsluiting_gepland" else None
        signals.append(
            Signal("waterafsluiting", event, known, amount=draw(amounts), stage=stage, planned=planned)
        )
    for offset in draw(st.lists(offsets, max_size=5)):
        signals.append(Signal("overlast", *_dated(draw, offset)))
    for offset in draw(st.lists(offsets, max_size=3)):
        signals.append(
            Signal(
                "ggd_melding",
                *_dated(draw, offset),
                urgency=draw(st.sampled_from(["laag", "hoog", "crisis"])),
            )
        )
    return signals


# --- the oracle: what the household's features are, from its signals, in plain Python -------------


def oracle(signals: list[Signal]) -> dict[str, object]:
    w = default_ruleset().features
    known = [s for s in signals if s.known <= AS_OF and AS_OF - s.event < timedelta(days=w.lookback_days)]

    def within(s: Signal, days: int) -> bool:
        return AS_OF - s.event < timedelta(days=days)

    def latest(feed: str, days: int | None = None) -> Signal | None:
        found = [s for s in known if s.feed == feed and (days is None or within(s, days))]
        return max(found, key=lambda s: s.event) if found else None

    values: dict[str, object] = {}
    rent = latest("huurachterstand", w.financial_window_days)
    if rent:
        earlier = [s for s in known if s.feed == "huurachterstand" and s.event < rent.event]
        previous = max(earlier, key=lambda s: s.event) if earlier else None
        values |= {
            "arrears_eur": rent.amount,
            "arrears_months": rent.months,
            "arrears_since_date": rent.since,
            "arrears_signal_date": rent.event,
            "has_payment_arrangement": rent.arrangement,
            "arrears_change_eur": round(rent.amount - previous.amount, 2) if previous else None,
        }
    rents = [s for s in known if s.feed == "huurachterstand"]
    last = latest("huurachterstand")
    if last:
        values |= {
            "last_arrears_months": last.months,
            "last_arrears_eur": last.amount,
            "days_since_arrears_signal": (AS_OF - last.event).days,
            "months_in_arrears": round((AS_OF - last.since).days / 30.4, 1),
            "has_broken_arrangement": any(s.arrangement for s in rents) and not last.arrangement,
        }
    values["arrears_signals_long_window"] = len(rents)
    eviction = latest("ontruiming")
    if eviction:
        values |= {
            "eviction_stage": eviction.stage,
            "eviction_stage_date": eviction.event,
            "planned_eviction_date": eviction.planned,
            "days_until_planned_eviction": (eviction.planned - AS_OF).days if eviction.planned else None,
            "days_in_eviction_stage": (AS_OF - eviction.event).days,
            "eviction_reason": "huurachterstand",  # what _row delivers
        }
    water = latest("waterafsluiting", w.financial_window_days)
    if water:
        values |= {
            "water_stage": water.stage,
            "water_signal_date": water.event,
            "water_arrears_eur": water.amount,
        }
    nuisance = [s for s in known if s.feed == "overlast"]
    ggd = [s for s in known if s.feed == "ggd_melding"]
    crisis = [s.event for s in ggd if s.urgency == "crisis" and within(s, w.short_window_days)]
    financial = {"huurachterstand", "waterafsluiting"}
    values |= {
        "nuisance_reports_short_window": sum(within(s, w.short_window_days) for s in nuisance),
        "nuisance_reports_long_window": len(nuisance),
        "ggd_reports_long_window": sum(within(s, w.ggd_window_days) for s in ggd),
        "ggd_crisis_date": max(crisis) if crisis else None,
        "distinct_sources": len({s.feed for s in known if within(s, w.stacking_window_days)}),
        "financial_signals_stacking_window": sum(
            s.feed in financial and within(s, w.stacking_window_days) for s in known
        ),
        "water_signals_long_window": sum(s.feed == "waterafsluiting" for s in known),
        "was_reached_recently": False,
        "has_active_trajectory": False,
        "unreached_contact_attempts": 0,
    }
    values["is_signalled"] = bool(known)
    values["last_signal_date"] = max((s.event for s in known), default=None)
    care = values["nuisance_reports_long_window"] >= 1 or values["ggd_reports_long_window"] >= 1
    arrears = (values.get("last_arrears_months") or 0) >= 1
    values |= {  # the scorecard's combinations (rules/scorecard.yaml)
        "arrears_and_care": arrears and care,
        "procedure_and_care": values.get("eviction_stage") in ("dagvaarding", "vonnis", "aanzegging")
        and care,
        "arrears_and_water": arrears and values["water_signals_long_window"] >= 1,
        "procedure_and_arrears": values.get("eviction_stage") in ("dagvaarding", "vonnis", "aanzegging")
        and (values.get("last_arrears_months") or 0) >= 2,
        "arrears_unreached": False,  # no registrations here
    }
    return values


def render(value: object, fmt: str) -> str:
    """The Dutch rendering a reason template asks for, written independently of rules/engine.py."""
    if value is None:
        return "onbekend"
    match fmt:
        case "eur":
            return "€ " + f"{value:,.0f}".replace(",", ".")
        case "maanden":
            return f"{value:.1f}".replace(".", ",")
        case "datum":
            return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
        case "tekst":
            return str(value).replace("_", " ")
        case _:
            return str(value)


def in_bin(value: object, label: str, feature: str) -> bool:
    """Does the household's value belong to the scorecard bin called `label`?"""
    spec = next(t for t in load_spec().terms if t.name == feature)
    if not isinstance(spec, BinnedFeature):  # a combination: yes or no
        return label == ("ja" if value else "nee")
    if spec.categories == (True,):
        return (label == "ja") == (value is True)
    if value is None:
        return label == "geen"
    if spec.categories is not None:
        return label == str(value).replace("_", " ")
    number = float(value)
    if label.startswith("< "):
        return number < float(label[2:].replace(",", "."))
    if label.startswith("≥ "):
        return number >= float(label[2:].replace(",", "."))
    low, high = (float(x.replace(",", ".")) for x in label.split(" – "))
    return low <= number < high


# --- running the real pipeline on one household --------------------------------------------------


def _row(s: Signal) -> list[object]:
    """The staging row of a signal, in the column order of warehouse/migrations/0004_staging.sql."""
    match s.feed:
        case "huurachterstand":
            return ["C1", 650, s.amount, s.months, s.since, None, s.arrangement, s.event]
        case "ontruiming":
            return ["C1", "huurachterstand", s.stage, s.event, s.planned, s.amount]
        case "waterafsluiting":
            return ["K1", s.amount, s.stage, s.event, s.planned, s.event]
        case "overlast":
            return ["geluid", s.event, 2, "open", None]
        case "ggd_melding":
            return ["vervuiling", s.urgency, s.event, None, None]
    raise ValueError(s.feed)


def _insert(con: duckdb.DuckDBPyConnection, signals: list[Signal]) -> None:
    for n, s in enumerate(signals):
        known_at = datetime(s.known.year, s.known.month, s.known.day, 7, tzinfo=UTC)
        row = [f"d{n}", 1, "corp", f"ref{n}", known_at, s.known, ADDRESS, PERSON, *_row(s)]
        con.execute(f"insert into stg_{s.feed} values ({', '.join('?' * len(row))})", row)  # noqa: S608


@pytest.fixture(scope="module")
def base() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    migrate(con)
    con.execute(
        "insert into ref_address values (?, '1501FI', 12, null, 'Kade', 'Zaandam', 'Zaanstad', 'Oost', 'B1', "
        "'zaanstad-centrum')",
        [ADDRESS],
    )
    return con


def _run(base: duckdb.DuckDBPyConnection, signals: list[Signal]):
    con = base.cursor()
    con.execute("begin")
    _insert(con, signals)
    ruleset = default_ruleset()
    link_signals(con)
    build_features(con, AS_OF, ruleset.features.model_dump(mode="json"))
    apply_rules(con, ruleset, AS_OF)
    score_households(con, AS_OF, load_prior())
    build_lists(con, AS_OF, ruleset, teams(), "run", "test")
    hits = con.execute("select rule_id, reason_nl from int_rule_hit").fetchall()
    entries = con.execute(
        "select score, reasons_nl, score_points, rule_reasons_nl, lane from fct_list_entry"
    ).fetchall()
    con.execute("rollback")
    return hits, entries


def _template_regex(template: str) -> tuple[re.Pattern, list[tuple[str, str]]]:
    pattern, fields, pos = "", [], 0
    for match in PLACEHOLDER.finditer(template):
        pattern += re.escape(template[pos : match.start()]) + "(.+?)"
        fields.append((match.group(1), match.group(2) or ""))
        pos = match.end()
    return re.compile(pattern + re.escape(template[pos:]) + "$"), fields


SCORE_REASON = re.compile(r"^(?P<label>.+): (?P<bin>.+) \((?P<points>[+-]?\d+) punt(?:en)?\)$")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(signals=household())
def test_reasons_state_the_households_own_signals_and_points_add_up(base, signals):
    hits, entries = _run(base, signals)
    expected = oracle(signals)
    rules = {r.id: r for r in default_ruleset().rules}

    for rule_id, reason in hits:
        regex, fields = _template_regex(rules[rule_id].reason)
        match = regex.match(reason)
        assert match, f"{rule_id}: {reason!r} does not follow its template"
        for (feature, fmt), shown in zip(fields, match.groups(), strict=True):
            assert shown == render(expected.get(feature), fmt), (rule_id, feature, reason)

    # every household with a signal known by the as-of date within the lookback window is listed
    assert bool(entries) == expected["is_signalled"]
    if not entries:
        assert not hits
        return
    (score, reasons, contributions, rule_reasons, lane), *others = entries
    assert not others
    assert sorted(rule_reasons) == sorted(reason for _, reason in hits)
    assert score == sum(c["points"] for c in contributions)
    card = load_prior()
    for c in contributions:  # every term's bin is the household's, with that bin's points
        assert in_bin(expected.get(c["feature"]), c["bin"], c["feature"]), c
        assert c["points"] == card.points[c["feature"]][card.labels[c["feature"]].index(c["bin"])]
    acute = [reason for rule_id, reason in hits if rules[rule_id].lane == "acuut"]
    assert (lane == "acuut") == bool(acute)
    if acute:  # the acute lane's entry starts with the reason of a rule that put it there
        assert reasons[0] in acute
        reasons = reasons[1:]
    positive = [c for c in contributions if c["points"] > 0]
    if not positive and not acute and rule_reasons:  # nothing earns points: the rules explain it
        assert reasons == rule_reasons[:3]
        return
    if not positive and not acute:  # nor any rule: the household's latest signal does
        (reason,) = reasons
        assert reason.startswith("Laatste signaal (") and reason.endswith(
            render(expected["last_signal_date"], "datum")
        )
        return
    by_label = {c["label"]: c for c in contributions}
    for reason in reasons:  # only what raises the score is a reason, largest first
        match = SCORE_REASON.match(reason)
        assert match, reason
        shown = by_label[match["label"]]
        assert (match["bin"], int(match["points"])) == (shown["bin"], shown["points"])
        assert shown["points"] > 0
