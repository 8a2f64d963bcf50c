"""Where a pipeline installation keeps its files. Nothing here is read from the working directory
implicitly: the CLI passes the workspace root (default `data/demo`, or `$VROEG_WORKSPACE`)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# Everything under a workspace holds personal data or secrets (warehouse and its working copies,
# portal.sqlite and its -wal/-shm, the inbox archive, quarantine, reports, lists, models, the
# pseudonym key): new files are 0600 and new folders 0700, for the owner of the process alone.
PRIVATE_UMASK = 0o077

# The demo's pseudonymisation key, at the workspace root (signals/pseudonymise.py); a backup leaves
# it out and a restore puts a key there only when asked (warehouse/backup.py, restore.py).
DEMO_KEY_FILE = ".pseudonym.key"


def keep_files_private() -> None:
    """From now on, this process creates files 0600 and folders 0700 (a process umask).

    Called where a process starts working on a workspace: the `vroeg` command, the portal's app
    factory, the nightly flow. Files placed by others (a supplier's delivery in the inbox, the
    reference tables the operator copies in) keep the mode they were given."""
    os.umask(PRIVATE_UMASK)


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def default(cls) -> Workspace:
        return cls(Path(os.environ.get("VROEG_WORKSPACE", "data/demo")).resolve())

    def resolve(self, stored: str) -> Path:
        """A path the warehouse stores (raw_delivery.archive_path): relative to the workspace root.
        Warehouses before migration 0024 may hold absolute paths outside the root; they resolve as
        they are, and `is_inside` tells whether this workspace may touch them."""
        return self.root / stored

    def relative(self, path: Path) -> str:
        """How a path under the workspace is stored: relative to the root, with forward slashes."""
        return Path(path).resolve().relative_to(self.root.resolve()).as_posix()

    def is_inside(self, path: Path) -> bool:
        return path.resolve().is_relative_to(self.root.resolve())

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def reference(self) -> Path:
        return self.root / "reference"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def lists(self) -> Path:
        return self.root / "lists"

    @property
    def models(self) -> Path:
        """The scorecard in use (scorecard.json), earlier versions and their model cards."""
        return self.root / "models"

    @property
    def exports(self) -> Path:
        """Record-level exports (DDAS) and their log; removed after ddas_exports_months."""
        return self.root / "exports"

    @property
    def portal_state(self) -> Path:
        """The portal's own SQLite file: accounts, audit log, the coordinators' registrations."""
        return self.root / "portal.sqlite"

    @property
    def reports(self) -> Path:
        """Delivery reports. They quote delivered values: personal data, same retention as the archive."""
        return self.root / "reports"


@cache
def code_version() -> str:
    """The git commit of this checkout (with -dirty), else the package version."""
    if os.environ.get("VROEG_CODE_VERSION"):
        return os.environ["VROEG_CODE_VERSION"]
    repo = Path(__file__).resolve().parents[1]
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        try:
            return version("vroegsignalering")
        except PackageNotFoundError:
            return "unknown"
