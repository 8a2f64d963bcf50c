"""Peak memory of one delivery through the real intake: CSV, XLSX and JSON by size, and zip bombs.

    python -m bench.intake_memory [--out bench/results]

Every case runs in a fresh process. The process first takes a small delivery in (so Python,
polars, DuckDB, fastexcel and Great Expectations are loaded and warm), then resets the kernel's
peak-RSS counter (`/proc/self/clear_refs`), takes the measured delivery in, and reports the peak
RSS above the RSS just before: the memory that delivery needed. The budget is 500 MB per delivery
for any file within the upload limit (`max_delivery_mb`, config/suppliers.yaml).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BUDGET_MB = 500
CASES = [  # (kind, MB of file; for XLSX the rows are sized by MB of CSV; bombs: MB they inflate to)
    ("csv", 5),
    ("csv", 10),
    ("csv", 24),  # just within the 25 MB upload limit
    ("csv", 40),  # beyond it: refused before it is read
    ("xlsx", 10),
    ("xlsx", 22),  # ~96 MB unpacked, just within the workbook limit
    ("xlsx", 26),  # beyond it: refused from the archive's directory
    ("json", 10),
    ("json", 24),
    ("bomb", 1024),
    ("bomb", 3072),
    ("lying", 20),
]


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    raise RuntimeError(field)


def _delivery(kind: str, size_mb: int, folder: Path) -> tuple[Path, Path]:
    """A huurachterstand delivery of about `size_mb` MB (bombs: inflating to that size)."""
    import polars as pl

    from bench.intake import make_delivery

    if kind in ("bomb", "lying"):
        from synthetic.hostile import lying_archive, zip_bomb

        _, reference = make_delivery(folder, 1000)
        path = folder / "inbox" / f"{kind}.xlsx"
        path.write_bytes(zip_bomb(size_mb) if kind == "bomb" else lying_archive())
        return path, reference
    rows = size_mb * 14_000  # ~71 bytes per row in the benchmark's CSV
    csv_path, reference = make_delivery(folder, rows)
    if kind == "csv":
        return csv_path, reference
    frame = pl.read_csv(csv_path, separator=";", encoding="cp1252", infer_schema=False)
    if kind == "xlsx":
        rows = size_mb * 9_000  # an XLSX row is ~110 bytes compressed
        path = csv_path.with_suffix(".xlsx")
        frame.head(rows).write_excel(path)
    else:
        path = csv_path.with_suffix(".json")
        frame.head(size_mb * 4_400).write_json(path)  # ~225 bytes per JSON record
    return path, reference


def measure(kind: str, size_mb: int) -> dict:
    os.environ.setdefault("VROEG_PSEUDONYM_KEY", "benchmark-key-not-for-production")
    from signals.addresses import load_reference
    from signals.intake import IncomingFile, ingest_files
    from signals.pseudonymise import pseudonym_key
    from warehouse.store import write_session

    folder = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    path, reference = _delivery(kind, size_mb, folder)
    warm_path, _ = _delivery("csv", 1, folder / "warm")
    at = datetime(2026, 10, 5, 7, tzinfo=UTC)
    with write_session(folder / "w.duckdb") as con:
        load_reference(con, reference)
        ingest_files(
            con, [IncomingFile(warm_path, "zaanoever", "huurachterstand", at)], folder / "a", pseudonym_key()
        )
        Path("/proc/self/clear_refs").write_text("5")
        before = _status("VmRSS")
        start = time.perf_counter()
        (record,) = ingest_files(
            con, [IncomingFile(path, "zaanoever", "huurachterstand", at)], folder / "a", pseudonym_key()
        )
        seconds = time.perf_counter() - start
        peak = _status("VmHWM")
    return {
        "kind": kind,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "inflates_to_mb": size_mb if kind in ("bomb", "lying") else None,
        "status": record.status,
        "rows": record.rows_read,
        "seconds": round(seconds, 2),
        "peak_above_start_mb": peak - before,
    }


def run_all() -> dict:
    results = []
    for kind, size in CASES:
        out = subprocess.run(
            [sys.executable, "-m", "bench.intake_memory", "--case", kind, str(size)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(results[-1], file=sys.stderr)
    return {
        "budget_mb": BUDGET_MB,
        "cases": results,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average": os.getloadavg(),
        "date": datetime.now(tz=UTC).date().isoformat(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", nargs=2, metavar=("KIND", "MB"))
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args()
    if args.case:
        print(json.dumps(measure(args.case[0], int(args.case[1]))))
        return
    result = run_all()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "intake_memory.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
