"""Lane overrides applied to a night's list (lists/placement.py), on a few inline rows."""

from __future__ import annotations

from datetime import date

from lists.placement import night_capacity, place
from rules.lanes import default_lanes

LANES = default_lanes()
FIRST = date(2026, 5, 1)


def _row(household: str, lane: str, score: int, acute: date | None = None, within: bool = True) -> dict:
    return {
        "household_id": household,
        "lane": lane,
        "score": score,
        "acute_date": acute,
        "first_signal_date": FIRST,
        "is_within_capacity": within,
    }


def _night() -> list[dict]:
    """Two acute households, then four ranked ones with the capacity line after two."""
    return [
        _row("a1", "acuut", 10, date(2026, 11, 3)),
        _row("a2", "acuut", 50, date(2026, 11, 9)),
        _row("r1", "vroeg_erop_af", 90),
        _row("r2", "vroeg_erop_af", 60),
        _row("r3", "vroeg_erop_af", 40, within=False),
        _row("r4", "vroeg_erop_af", 20, within=False),
    ]


def _shown(placed: list[dict], lane: str) -> list[str]:
    return [r["household_id"] for r in placed if r["lane"] == lane]


def test_without_overrides_the_nights_list_is_shown_as_it_is():
    night = _night()
    placed = place(night, {}, LANES, configured_capacity=25)
    assert [r["household_id"] for r in placed] == [r["household_id"] for r in night]
    assert [r["is_within_capacity"] for r in placed] == [r["is_within_capacity"] for r in night]
    assert [r["rank"] for r in placed] == list(range(1, 7))
    assert [r["lane_rank"] for r in placed] == [1, 2, 1, 2, 3, 4]
    assert all(r["moved"] is None for r in placed)


def test_a_household_moved_to_the_acute_lane_without_a_date_comes_last_there():
    placed = place(_night(), {"r1": {"lane": "acuut", "reason": "zorgen"}}, LANES, 25)
    assert _shown(placed, "acuut") == ["a1", "a2", "r1"]
    assert _shown(placed, "vroeg_erop_af") == ["r2", "r3", "r4"]
    moved = next(r for r in placed if r["household_id"] == "r1")
    assert moved["rules_lane"] == "vroeg_erop_af" and moved["moved"]["reason"] == "zorgen"
    assert moved["is_within_capacity"] and moved["rank"] == 3
    # the line stays after the night's two: r3 moves up above it
    assert [r["is_within_capacity"] for r in placed if r["lane"] == "vroeg_erop_af"] == [True, True, False]


def test_a_household_with_an_acute_date_is_placed_by_that_date():
    night = _night()
    night[3] = _row("r2", "vroeg_erop_af", 60, acute=date(2026, 11, 5))  # a date a rule gave, say
    placed = place(night, {"r2": {"lane": "acuut", "reason": "x"}}, LANES, 25)
    assert _shown(placed, "acuut") == ["a1", "r2", "a2"]


def test_a_household_moved_to_the_ranked_lane_is_placed_by_its_score():
    placed = place(_night(), {"a2": {"lane": "vroeg_erop_af", "reason": "x"}}, LANES, 25)
    assert _shown(placed, "vroeg_erop_af") == ["r1", "r2", "a2", "r3", "r4"]
    assert [r["is_within_capacity"] for r in placed if r["lane"] == "vroeg_erop_af"] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert [r["rank"] for r in placed] == list(range(1, 7))


def test_an_override_to_the_rules_own_lane_keeps_the_place_and_the_mark():
    placed = place(_night(), {"r3": {"lane": "vroeg_erop_af", "reason": "terug"}}, LANES, 25)
    assert _shown(placed, "vroeg_erop_af") == ["r1", "r2", "r3", "r4"]
    assert next(r for r in placed if r["household_id"] == "r3")["moved"]["reason"] == "terug"


def test_the_input_rows_are_left_as_they_were():
    night = _night()
    before = [dict(r) for r in night]
    place(night, {"r1": {"lane": "acuut", "reason": "x"}}, LANES, 25)
    assert night == before


def test_the_nights_capacity_is_read_from_the_list_when_the_line_was_drawn():
    night = _night()
    assert night_capacity(night, "vroeg_erop_af", configured=25) == 2
    everyone_within = [r for r in night if r["household_id"] not in ("r3", "r4")]
    assert night_capacity(everyone_within, "vroeg_erop_af", configured=25) == 25
