"""Property: every signalled household is in exactly one lane, every acute situation is in Acuut on
the first night it is known, and the capacity line applies to Vroeg erop af only.

Hypothesis generates a few households at addresses of one team with a small capacity, each with
delivered signals of several feeds (some known only days after the event, some outside the
windows). The real steps of the nightly run (linking, features, rules, scoring with the prior, the
Wgs follow-up and the list) run in DuckDB for the night each acute signal became known and for a
last night; the acute situations are recognised here, independently, from PRODUCT.md's
definition and the configured windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lists.build import build_lists
from rules.engine import apply_rules
from rules.lanes import default_lanes
from rules.schema import CATALOGUE, default_ruleset
from rules.scorecard import load_prior
from rules.scoring import score_households
from signals.features import build_features, link_signals
from signals.registry import Team, TeamConfig
from warehouse.migrate import migrate

LAST_NIGHT = date(2026, 10, 31)
TEAM = "zaanstad-centrum"
CAPACITY = 2
ADDRESSES = ["1501FI-12", "1501FI-14", "1501FI-16", "1501FI-18", "1501FI-20"]
TEAMS = TeamConfig(
    version="test",
    default_capacity_per_week=CAPACITY,
    teams=(Team(code=TEAM, name="Test", gemeente="Zaanstad", capacity_per_week=CAPACITY),),
)


def _eviction_window() -> tuple[int, int]:
    """The configured weeks within which a planned eviction is acute (the rule file's window)."""
    rule = yaml.safe_load((CATALOGUE / "R001_ontruiming_gepland.yaml").read_text(encoding="utf-8"))
    between = next(c for c in rule["when"]["all"] if c["op"] == "between")
    return tuple(between["value"])


@dataclass(frozen=True)
class Signal:
    address: int
    feed: str
    event: date
    known: date
    stage: str | None = None
    planned: date | None = None
    urgency: str | None = None
    crisis: bool | None = None


offsets = st.integers(0, 200)
lags = st.integers(0, 20)


@st.composite
def signal(draw) -> Signal:
    address = draw(st.integers(0, len(ADDRESSES) - 1))
    event = LAST_NIGHT - timedelta(days=draw(offsets))
    known = event + timedelta(days=draw(lags))
    feed = draw(
        st.sampled_from(
            ["huurachterstand", "ontruiming", "waterafsluiting", "overlast", "ggd_melding", "ddas"]
        )
    )
    match feed:
        case "ontruiming":
            stage = draw(
                st.sampled_from(["dagvaarding", "vonnis", "aanzegging", "ontruiming_gepland", "ingetrokken"])
            )
            planned = (
                event + timedelta(days=draw(st.integers(5, 90))) if stage == "ontruiming_gepland" else None
            )
            return Signal(address, feed, event, known, stage=stage, planned=planned)
        case "waterafsluiting":
            stage = draw(
                st.sampled_from(
                    ["herinnering", "aankondiging_afsluiting", "afsluiting_gepland", "afgesloten"]
                )
            )
            planned = (
                event + timedelta(days=draw(st.integers(1, 40))) if stage == "afsluiting_gepland" else None
            )
            return Signal(address, feed, event, known, stage=stage, planned=planned)
        case "ggd_melding":
            return Signal(
                address, feed, event, known, urgency=draw(st.sampled_from(["laag", "hoog", "crisis"]))
            )
        case "ddas":
            return Signal(address, feed, event, known, crisis=draw(st.booleans()))
    return Signal(address, feed, event, known)


def _row(s: Signal) -> list[object]:
    """The staging row's feed columns, in the order of warehouse/migrations/0004_staging.sql, 0008."""
    match s.feed:
        case "huurachterstand":
            return ["C1", 650, 900, 1.4, s.event - timedelta(days=40), None, False, s.event]
        case "ontruiming":
            return ["C1", "huurachterstand", s.stage, s.event, s.planned, 900]
        case "waterafsluiting":
            return ["K1", 80, s.stage, s.event, s.planned, s.event]
        case "overlast":
            return ["geluid", s.event, 2, "open", None]
        case "ggd_melding":
            return ["vervuiling", s.urgency, s.event, None, None]
        case "ddas":
            return ["energieleverancier", 150, None, s.event, s.crisis, False, None, "0479"]
    raise ValueError(s.feed)


@pytest.fixture(scope="module")
def base() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    migrate(con)
    for key in ADDRESSES:
        number = int(key.split("-")[1])
        con.execute(
            "insert into ref_address values "
            "(?, '1501FI', ?, null, 'Kade', 'Zaandam', 'Zaanstad', 'Oost', 'B1', ?)",
            [key, number, TEAM],
        )
    return con


def _acute_on(signals: list[Signal], address: int, night: date) -> bool:
    """PRODUCT.md's acute situations, from the household's signals known on `night`."""
    w = default_ruleset().features
    low, high = _eviction_window()
    known = [s for s in signals if s.address == address and s.known <= night and s.event <= night]

    def latest(feed: str, days: int | None = None) -> Signal | None:
        found = [s for s in known if s.feed == feed and (days is None or (night - s.event).days < days)]
        return max(found, key=lambda s: (s.event, s.known)) if found else None

    eviction = latest("ontruiming")
    if eviction and eviction.stage == "ontruiming_gepland" and low <= (eviction.planned - night).days <= high:
        return True
    water = latest("waterafsluiting", w.financial_window_days)
    if water and water.stage in ("afsluiting_gepland", "afgesloten"):
        return True
    if any(
        s.feed == "ggd_melding" and s.urgency == "crisis" and (night - s.event).days < w.short_window_days
        for s in known
    ):
        return True
    return any(
        s.feed == "ddas" and s.crisis and (night - s.event).days < w.financial_window_days for s in known
    )


def _night(con: duckdb.DuckDBPyConnection, night: date) -> list[tuple]:
    ruleset = default_ruleset()
    link_signals(con)
    build_features(con, night, ruleset.features.model_dump(mode="json"))
    apply_rules(con, ruleset, night)
    score_households(con, night, load_prior())
    build_lists(con, night, ruleset, TEAMS, "run", "test")
    return con.execute(
        "select address_key, lane, lane_rank, is_within_capacity from fct_list_entry where as_of_date = ?",
        [night],
    ).fetchall()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(signals=st.lists(signal(), min_size=1, max_size=12))
def test_one_lane_each_acute_on_the_first_night_known_capacity_only_in_the_ranked_lane(base, signals):
    lanes = default_lanes()
    con = base.cursor()
    con.execute("begin")
    try:
        for n, s in enumerate(signals):
            known_at = datetime(s.known.year, s.known.month, s.known.day, 7, tzinfo=UTC)
            row = [f"d{n}", 1, "corp", f"ref{n}", known_at, s.known, ADDRESSES[s.address], None, *_row(s)]
            con.execute(f"insert into stg_{s.feed} values ({', '.join('?' * len(row))})", row)  # noqa: S608
        nights = sorted({s.known for s in signals if s.known <= LAST_NIGHT} | {LAST_NIGHT})
        for night in nights:
            entries = _night(con, night)
            signalled = {
                ADDRESSES[s.address]
                for s in signals
                if s.known <= night and s.event <= night and (night - s.event).days < 365
            }
            # one row per signalled household (one person-less household per address here), one lane each
            assert sorted(a for a, *_ in entries) == sorted(signalled)
            assert {lane for _, lane, _, _ in entries} <= set(lanes.codes)
            for address, lane, _, _ in entries:
                acute = _acute_on(signals, ADDRESSES.index(address), night)
                assert (lane == "acuut") == acute, (night, address, lane)
            ranked = sorted(rank for _, lane, rank, _ in entries if lane == lanes.default_lane)
            assert ranked == list(range(1, len(ranked) + 1))
            for _, lane, rank, within in entries:
                assert within == (lane != lanes.default_lane or rank <= CAPACITY)
        # the first night each acute signal was known, its household was in Acuut
        for s in signals:
            if s.known <= LAST_NIGHT and _acute_on(signals, s.address, s.known):
                lane = con.execute(
                    "select lane from fct_list_entry where as_of_date = ? and address_key = ?",
                    [s.known, ADDRESSES[s.address]],
                ).fetchall()
                assert lane == [("acuut",)]
    finally:
        con.execute("rollback")
