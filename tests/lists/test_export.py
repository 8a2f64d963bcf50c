import polars as pl

from lists.export import neutralise_formulas


def test_spreadsheet_formulas_are_neutralised():
    frame = pl.DataFrame({"a": ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tx", "gewoon"], "n": [1] * 6})
    out = neutralise_formulas(frame)
    assert out["a"].to_list() == ['\'=HYPERLINK("x")', "'+1", "'-2", "'@SUM(A1)", "'\tx", "gewoon"]
    assert out["n"].to_list() == [1] * 6
