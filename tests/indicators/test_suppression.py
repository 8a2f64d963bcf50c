"""Small-cell protection: counts 1–4 become "<5", figures derived from them are emptied."""

from __future__ import annotations

import polars as pl

from indicators.suppression import suppress


def test_small_counts_and_everything_derived_from_them_are_suppressed():
    frame = pl.DataFrame(
        {
            "area": ["a", "b", "c", "d"],
            "n": [0, 1, 4, 5],
            "homes": [100, 100, 3, 200],
            "rate": [0.0, 10.0, 1333.33, 25.0],
        }
    )
    out = suppress(frame, counts=["n", "homes"], derived={"rate": ["n", "homes"]}, min_cell=5)
    assert out["n"].to_list() == ["0", "<5", "<5", "5"]
    assert out["homes"].to_list() == ["100", "100", "<5", "200"]
    assert out["rate"].to_list() == ["0,0", None, None, "25,0"]
    assert out["area"].to_list() == ["a", "b", "c", "d"]


def test_a_derived_figure_from_a_missing_count_is_suppressed_too():
    frame = pl.DataFrame({"n": [7, 7], "base": [None, 9], "change": [None, -22.2]})
    out = suppress(frame, counts=["n", "base"], derived={"change": ["n", "base"]}, min_cell=5)
    assert out["change"].to_list() == [None, "-22,2"]
    assert out["base"].to_list() == ["", "9"]


def test_the_minimum_cell_size_is_a_parameter():
    frame = pl.DataFrame({"n": [9, 10]})
    assert suppress(frame, counts=["n"], derived={}, min_cell=10)["n"].to_list() == ["<10", "10"]
