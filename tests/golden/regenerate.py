"""Regenerate the golden lists of the tiny region: `make golden` (review the diff, then commit).

Runs the real nightly flow (Prefect local mode) on the tiny region of tests/conftest.py and copies
the CSV lists into tests/golden/lists/. Never edit the golden files by hand.

The tiny region is too small to train on, so the flow scores with a frozen scorecard
(tests/golden/scorecard.json, fitted by `vroeg demo` on the 80,000-household default region): the
golden lists then show scorecard order, points and reasons. Replace it only when the scorecard spec
(rules/scorecard.yaml) changes version: copy `data/demo/models/scorecard.json` after `make demo`.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

GOLDEN = Path(__file__).parent / "lists"
SCORECARD = Path(__file__).parent / "scorecard.json"


def install_scorecard(workspace: Path) -> None:
    """Put the frozen scorecard where the nightly flow looks for the one in use."""
    (workspace / "models").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SCORECARD, workspace / "models" / "scorecard.json")


def main() -> int:
    os.environ.setdefault("VROEG_PSEUDONYM_KEY", "test-key-not-for-production-0001")
    os.environ["VROEG_CODE_VERSION"] = "test"
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from flows.nightly import nightly
    from synthetic import generate_region
    from tests.conftest import TINY, TINY_AS_OF

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate_region(root, **TINY)
        install_scorecard(root)
        summary = nightly(str(root), TINY_AS_OF)
        source = Path(summary["lists_dir"])
        shutil.rmtree(GOLDEN, ignore_errors=True)
        GOLDEN.mkdir(parents=True)
        for csv in sorted(source.glob("*.csv")):
            shutil.copyfile(csv, GOLDEN / csv.name)
    print(f"golden lists written to {GOLDEN} ({len(list(GOLDEN.glob('*.csv')))} teams)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
