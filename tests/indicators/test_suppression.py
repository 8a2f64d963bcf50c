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


# -- complementary suppression ---------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from indicators.suppression import Sum, area_hierarchy  # noqa: E402


def _hierarchy(gemeenten: dict[str, list[int]]) -> pl.DataFrame:
    """Region, gemeenten and wijken whose counts add up: {gemeente: [wijk counts]}."""
    rows = [("regio", None, "regio", sum(sum(w) for w in gemeenten.values()))]
    for g, wijken in gemeenten.items():
        rows.append(("gemeente", g, g, sum(wijken)))
        rows += [("wijk", g, f"{g}-{i}", n) for i, n in enumerate(wijken)]
    return pl.DataFrame(rows, schema=["level", "gemeente", "area", "n"], orient="row")


def _attacker_learns(frame: pl.DataFrame, published: pl.DataFrame) -> set[str]:
    """Areas whose hidden count an attacker works out by repeatedly solving a sum with one unknown."""
    known = {a: int(p) for a, p in zip(frame["area"], published["n"], strict=True) if p.isdigit()}
    true = dict(zip(frame["area"], frame["n"], strict=True))
    sums = [("regio", [a for a, lv in zip(frame["area"], frame["level"], strict=True) if lv == "gemeente"])]
    for g in frame.filter(pl.col("level") == "gemeente")["area"]:
        sums.append((g, frame.filter(pl.col("level") == "wijk", pl.col("gemeente") == g)["area"].to_list()))
    learned: set[str] = set()
    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            if not parts:
                continue
            members = [total, *parts]
            unknown = [m for m in members if m not in known]
            if len(unknown) == 1:
                (u,) = unknown
                known[u] = true[u]  # solvable: total - sum(parts), or the missing part
                learned.add(u)
                changed = True
    return learned


def test_a_lone_hidden_gemeente_takes_a_second_one_with_it():
    frame = _hierarchy({"A": [3], "B": [9], "C": [0]})
    out = suppress(frame, counts=["n"], derived={}, min_cell=5, sums=area_hierarchy(["n"]))
    shown = dict(zip(out["area"], out["n"], strict=True))
    assert shown["A"] == "<5"
    assert shown["B"] == "x"  # the smallest positive other part, not the region and not the zero
    assert shown["regio"] == "12" and shown["C"] == "0"
    assert _attacker_learns(frame, out) == set()


def test_a_total_is_hidden_when_no_other_part_can_be():
    frame = pl.DataFrame({"area": ["a"], "total": [7], "p1": [3], "p2": [4], "p3": [0]})
    out = suppress(
        frame,
        counts=["total", "p1", "p2", "p3"],
        derived={},
        min_cell=5,
        sums=[Sum(total_column="total", part_columns=("p1", "p2", "p3"))],
    )
    assert out.row(0) == ("a", "7", "<5", "<5", "0")  # two parts hidden: nothing to subtract
    frame = pl.DataFrame({"area": ["a"], "total": [3], "p1": [3], "p2": [0]})
    out = suppress(
        frame,
        counts=["total", "p1", "p2"],
        derived={},
        min_cell=5,
        sums=[Sum(total_column="total", part_columns=("p1", "p2"))],
    )
    assert out.row(0) == ("a", "<5", "<5", "0")


def test_a_derived_figure_of_a_secondary_cell_is_emptied_too():
    frame = _hierarchy({"A": [2], "B": [40]}).with_columns((pl.col("n") / 10).alias("rate"))
    out = suppress(frame, counts=["n"], derived={"rate": ["n"]}, min_cell=5, sums=area_hierarchy(["n"]))
    row_b = out.filter(pl.col("area") == "B").row(0, named=True)
    assert row_b["n"] == "x" and row_b["rate"] is None


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from("ABCDE"),
        st.lists(st.integers(min_value=0, max_value=12), min_size=0, max_size=4),
        min_size=1,
        max_size=5,
    )
)
def test_no_small_count_can_be_worked_out_from_the_published_sums(gemeenten):
    frame = _hierarchy(gemeenten)
    out = suppress(frame, counts=["n"], derived={}, min_cell=5, sums=area_hierarchy(["n"]))
    published = dict(zip(out["area"], out["n"], strict=True))
    true = dict(zip(frame["area"], frame["n"], strict=True))
    for area, n in true.items():
        assert published[area] == ("<5" if 1 <= n <= 4 else published[area])
        if published[area] not in {"<5", "x"}:
            assert published[area] == str(n)
    learned = _attacker_learns(frame, out)
    assert not [a for a in learned if 1 <= true[a] <= 4]
