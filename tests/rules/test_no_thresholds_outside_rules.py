"""Every threshold, window and cut-off that decides who is listed lives in `rules/` (YAML).

The pipeline's Python and SQL outside `rules/` may compare against 0 and 1 only, and step dates by
one day (first row of a window, "more than one", sign of a number, the day before a month start);
anything else is a policy choice that belongs in a versioned rule file where owners and auditors
can see it. The synthetic generator, benchmarks and
tests are not part of the pipeline.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ["signals", "lists", "warehouse", "flows", "evaluation", "cli", "indicators"]
STRUCTURAL = {0, 1}
# Comparisons that are not about residents: each with the reason it may stay in code.
ALLOWED = {
    ("signals/pseudonymise.py", 16): "minimum length of the pseudonymisation key (security, not policy)",
    ("signals/receipts.py", 3): "a manifest path is <supplier>/<feed>/<file> in the inbox (structure)",
    ("signals/registry.py", 64): "maximum length of a configured team or supplier code (config check)",
    ("signals/parse.py", 8): "bytes needed before a NUL pattern can say UTF-16 (encoding detection)",
    ("signals/reasons.py", 32): "ASCII control characters are below 0x20 (showing them as symbols)",
    ("signals/reasons.py", 127): "DEL is 0x7F (showing control characters as symbols)",
}

_NUMBER = r"-?\d+(?:\.\d+)?"
_SQL_COMPARISON = re.compile(rf"(?:<>|!=|>=|<=|=|>|<|\bbetween)\s*\(?\s*({_NUMBER})\b", re.IGNORECASE)
_SQL_WINDOW = re.compile(
    rf"\binterval\s*'?\s*{_NUMBER}|\bto_(?:days|months|years)\(\s*{_NUMBER}", re.IGNORECASE
)


def _files(suffix: str) -> list[Path]:
    return sorted(p for folder in PIPELINE for p in (ROOT / folder).rglob(f"*{suffix}"))


def _sql_without_comments(text: str) -> str:
    return re.sub(r"--[^\n]*", "", text)


def sql_thresholds(text: str) -> list[str]:
    """Numeric literals compared against, or used as a time window, in a SQL text."""
    sql = _sql_without_comments(text)
    found = [m.group(0) for m in _SQL_COMPARISON.finditer(sql) if float(m.group(1)) not in STRUCTURAL]
    return found + [m.group(0) for m in _SQL_WINDOW.finditer(sql)]


def python_thresholds(source: str) -> list[tuple[int, object]]:
    """(line, value) for numeric literals in comparisons or timedelta(...) calls."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in {
            "timedelta",
            "relativedelta",
        }:
            operands = [*node.args, *(k.value for k in node.keywords)]
        else:
            continue
        for operand in operands:
            value = operand
            if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
                value = value.operand
            numeric = isinstance(value, ast.Constant) and type(value.value) in (int, float)
            if numeric and value.value not in STRUCTURAL:
                found.append((node.lineno, value.value))
    return found


def test_the_scanner_finds_thresholds_it_is_meant_to_find():
    assert sql_thresholds("where arrears_months >= 2 and x = 1") == [">= 2"]
    assert sql_thresholds("where event_date > $as_of - interval 90 days") == ["interval 90"]
    assert sql_thresholds("-- a comment about > 5 days\nwhere amount between 500 and 900") == ["between 500"]
    assert python_thresholds("if household.arrears > 1500:\n    pass") == [(1, 1500)]
    assert python_thresholds("window = timedelta(days=90)") == [(1, 90)]
    assert python_thresholds("if len(rows) > 1 and n == 0:\n    pass") == []


@pytest.mark.parametrize("path", _files(".sql"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_threshold_in_pipeline_sql(path):
    assert sql_thresholds(path.read_text(encoding="utf-8")) == [], (
        f"{path.relative_to(ROOT)}: move this threshold into rules/ and pass it as a parameter"
    )


@pytest.mark.parametrize("path", _files(".py"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_threshold_in_pipeline_python(path):
    relative = path.relative_to(ROOT).as_posix()
    found = [
        (line, value)
        for line, value in python_thresholds(path.read_text(encoding="utf-8"))
        if (relative, value) not in ALLOWED
    ]
    assert found == [], f"{relative}: thresholds {found}: move them into rules/ (YAML)"
