"""Recall at capacity does not depend on how ties happen to be broken (household ids are keyed hashes)."""

from __future__ import annotations

from datetime import date

import polars as pl

from evaluation.metrics import expected_at_capacity


def _frame(ids: list[str]) -> pl.DataFrame:
    # one team, capacity 3; points 5, 3, 3, 3, 1: three households tie across the capacity line
    return pl.DataFrame(
        {
            "as_of_date": [date(2026, 1, 31)] * 5,
            "wijkteam": ["t"] * 5,
            "capacity": [3] * 5,
            "household_id": ids,
            "points": [5, 3, 3, 3, 1],
            "label": [True, True, False, False, True],
        }
    )


def test_a_tied_block_on_the_capacity_line_counts_its_expected_share():
    selected, hits = expected_at_capacity(_frame(["a", "b", "c", "d", "e"]), [("points", True)])
    # the 5 is in; 2 of the 3 tied slots go to the block of three with one escalation: 2/3 expected
    assert selected == 3
    assert hits == 1 + 2 / 3


def test_the_figure_is_the_same_whatever_the_household_ids():
    one = expected_at_capacity(_frame(["a", "b", "c", "d", "e"]), [("points", True)])
    other = expected_at_capacity(_frame(["e", "z", "a", "b", "c"]), [("points", True)])
    assert one == other


def test_without_ties_it_is_the_plain_count_at_capacity():
    frame = _frame(list("abcde")).with_columns(pl.Series("points", [5, 4, 3, 2, 1]))
    assert expected_at_capacity(frame, [("points", True)]) == (3, 1.0 + 1.0)
