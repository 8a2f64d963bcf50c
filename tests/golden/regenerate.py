"""Regenerate the golden lists and indicator tables of the tiny region: `make golden` (review the
diff, then commit).

Runs the real nightly flow (Prefect local mode) on the tiny region of tests/conftest.py, copies
the CSV lists into tests/golden/lists/ and writes the indicator tables (as `vroeg indicators
--out` does) of INDICATOR_YEARS into tests/golden/indicators/. Never edit the golden files by hand.

The tiny region is a fresh installation without a trained scorecard: the prior scorecard
(rules/prior_scorecard.yaml) ranks its lists, as it does on any installation's first night.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

GOLDEN = Path(__file__).parent / "lists"
GOLDEN_INDICATORS = Path(__file__).parent / "indicators"
# The tiny region's delivered history (14 months to 2026-10-31) covers the baseline year and the next.
INDICATOR_YEARS = (2025, 2026)


def write_indicator_tables(warehouse: Path, out: Path) -> list[Path]:
    """The suppressed indicator tables of INDICATOR_YEARS as CSV files in `out`."""
    from indicators.config import indicator_config
    from indicators.tables import indicator_tables, write_csv
    from warehouse.store import read_only

    written = []
    with read_only(warehouse) as con:
        for year in INDICATOR_YEARS:
            written += write_csv(indicator_tables(con, year, indicator_config()), out, year)
    return written


def main() -> int:
    os.environ.setdefault("VROEG_PSEUDONYM_KEY", "test-key-not-for-production-0001")
    os.environ["VROEG_CODE_VERSION"] = "test"
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from flows.nightly import nightly
    from synthetic import generate_region
    from tests.conftest import TINY, TINY_AS_OF, history_manifest

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate_region(root, **TINY)
        summary = nightly(str(root), TINY_AS_OF, history_manifest=history_manifest(root))
        source = Path(summary["lists_dir"])
        shutil.rmtree(GOLDEN, ignore_errors=True)
        GOLDEN.mkdir(parents=True)
        for csv in sorted(source.glob("*.csv")):
            shutil.copyfile(csv, GOLDEN / csv.name)
        shutil.rmtree(GOLDEN_INDICATORS, ignore_errors=True)
        indicators = write_indicator_tables(root / "warehouse.duckdb", GOLDEN_INDICATORS)
    print(f"golden lists written to {GOLDEN} ({len(list(GOLDEN.glob('*.csv')))} teams)")
    print(f"golden indicator tables written to {GOLDEN_INDICATORS} ({len(indicators)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
