"""Every action the audit log can record has a Dutch label, and the audit page shows labels only.

The actions are found in the code itself: the string arguments of every `audit(...)` call, and the
actions the household forms hand back to their audit call (`return [("action", detail)]`, or
`lines.append(("action", detail))`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from portal import dutch
from portal.security import ROLES

ROOT = Path(__file__).resolve().parents[2]
ACTION = re.compile(r"^[a-z]+(?:_[a-z]+)*$")


def _strings(node: ast.AST) -> set[str]:
    return {
        n.value
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and ACTION.match(n.value)
    }


def written_actions() -> set[str]:
    found = set()
    for path in ROOT.glob("**/*.py"):
        if {".venv", "tests", "bench"} & set(path.relative_to(ROOT).parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name == "audit":
                    # the action is the only positional string argument; keyword values are fields
                    found |= set().union(*(_strings(a) for a in node.args)) if node.args else set()
            if path.name == "household_forms.py":
                if isinstance(node, ast.Return) and isinstance(node.value, ast.List):
                    lines = node.value.elts
                elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "append":
                    lines = node.args
                else:
                    continue
                for line in lines:
                    if isinstance(line, ast.Tuple) and len(line.elts) == 2:
                        found |= _strings(line.elts[0])
    return found


def test_every_audit_action_written_in_the_code_has_a_dutch_label():
    actions = written_actions()
    # the scan must see every kind of call, else this test proves nothing
    assert {"ingelogd", "lijst_geexporteerd", "toegewezen", "account_gedeactiveerd"} <= actions
    missing = actions - set(dutch.AUDIT_ACTIONS)
    assert not missing, f"audit actions without a Dutch label in portal/dutch.py: {sorted(missing)}"
    for label in dutch.AUDIT_ACTIONS.values():
        assert "_" not in label


def test_every_role_has_a_dutch_label():
    assert set(dutch.ROLE_LABELS) == set(ROLES)
    assert dutch.role_label("coordinator") == "coördinator"
    assert dutch.role_label("administrator") == "beheerder"


def test_the_audit_page_shows_labels_not_codes(tmp_path):
    from portal import state
    from portal.security import hash_password
    from tests.portal.conftest import PASSWORD, login, make_client

    con = state.open_state(tmp_path / "portal.sqlite")
    state.add_account(con, "admin", "administrator", hash_password(PASSWORD))
    state.audit(con, "lijst_geexporteerd", username="coen", role="coordinator", as_of_date="2026-11-30")
    con.close()
    client = make_client(tmp_path)
    login(client, "admin")
    page = client.get("/beheer/audit").text
    assert "lijst geëxporteerd" in page and "coördinator" in page and "30-11-2026" in page
    assert "ingelogd" in page and "beheerder" in page
    assert not re.search(r">[a-z]+_[a-z_]+<", page), "a snake_case code in a table cell"
    assert ">coordinator<" not in page and ">administrator<" not in page


def test_every_step_and_status_of_a_nightly_run_has_words():
    """The runs page says steps and statuses in Dutch: every `run.step("…")` of the nightly flow and
    every status a run or a step is given is in portal/dutch.py."""
    root = Path(__file__).resolve().parents[2]
    flow = (root / "flows" / "nightly.py").read_text(encoding="utf-8")
    runs = (root / "warehouse" / "runs.py").read_text(encoding="utf-8")
    journal = (root / "warehouse" / "run_journal.py").read_text(encoding="utf-8")
    steps = set(re.findall(r'\bstep\("([a-z_]+)"\)', flow))
    statuses = set(re.findall(r'status(?:: str)? = "([a-z_]+)"', flow + runs))
    statuses |= set(re.findall(r'"([a-z_]+)" if reasons else "([a-z_]+)"', flow)[0])
    statuses |= set(re.findall(r'^ABORTED = "([a-z_]+)"', journal, re.MULTILINE))
    assert steps and {"ok", "failed", "running", "partial", "afgebroken"} <= statuses
    assert steps <= set(dutch.RUN_STEPS), steps - set(dutch.RUN_STEPS)
    assert statuses <= set(dutch.RUN_STATUSES), statuses - set(dutch.RUN_STATUSES)
    assert all("_" not in dutch.run_words(v) for v in steps | statuses)
