"""The repository itself: what a merge can leave behind unnoticed."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFLICT_MARKER = re.compile(r"^(<{7} |={7}$|>{7} )", re.MULTILINE)


def test_no_file_keeps_a_merge_conflict_marker():
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    conflicted = []
    for name in filter(None, tracked):
        path = ROOT / name.decode()
        if not path.is_file() or path.suffix in {".xlsx", ".png", ".duckdb"}:
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        if CONFLICT_MARKER.search(text):
            conflicted.append(str(path.relative_to(ROOT)))
    assert conflicted == []
