"""Named points where a test may kill the nightly run: a test-only seam, off unless asked for.

`VROEG_CRASH_AT=<name>` makes `crash_point(name)` kill the run's process group with SIGKILL the
moment it gets there (the crash test starts `vroeg nightly` in its own session, so the list
writers' worker processes and a temporary Prefect server die with it, as they would in a power
cut). No clean-up runs. Unset, a point costs a set and an environment look-up.

Every point is listed here, in the order a run passes them; tests/flows/test_crash_safety.py kills
a run at each and checks that the next run ends where an uninterrupted run would.
"""

from __future__ import annotations

import os
import signal

CRASH_POINTS = (
    "run_started",  # the journal says 'running'; nothing else touched yet
    "working_copy_made",  # the copy of the warehouse exists, not migrated
    "receipts_recorded",  # every inbox file's receipt written beside it
    "archive_part_written",  # a delivery's bytes in archive/…/<sha>.part, not yet renamed
    "archiving_halfway",  # half of the new deliveries archived
    "ingested",  # every delivery loaded into the working copy
    "snapshots_recorded",
    "purged",  # expired rows deleted from the working copy
    "features_built",
    "rules_applied",
    "list_files_halfway",  # some teams' list files written to lists/.next/<as_of>
    "lists_staged",  # every list file written to lists/.next/<as_of>
    "indicators_computed",
    "run_saved",  # the run record in the working copy
    "compacted",
    "checkpointed",  # the working copy complete and checkpointed, not yet fsynced
    "swap_marked",  # the journal says 'swapping' (what is still to do), the rename not done
    "swapped",  # the new warehouse is live; the lists, inbox and expired files not yet
    "lists_moving",  # the old as-of folder moved aside, the new one not yet in place
    "lists_in_place",
    "inbox_clearing",  # half of the files taken in cleared from the inbox
    "inbox_cleared",
    "files_swept",  # expired files deleted; the journal not yet removed
)
_POINTS = frozenset(CRASH_POINTS)


def crash_point(name: str) -> None:
    """Kill this run here if VROEG_CRASH_AT names this point (tests only)."""
    if name not in _POINTS:
        raise ValueError(f"unknown crash point {name!r}: add it to CRASH_POINTS")
    if os.environ.get("VROEG_CRASH_AT") != name:
        return
    os.killpg(os.getpgrp(), signal.SIGKILL)
