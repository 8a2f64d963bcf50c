"""Running flows without a Prefect server (Prefect's local mode)."""

from __future__ import annotations


def local_mode_settings():
    """Without a Prefect server (local mode): no flow-run heartbeats.

    Heartbeats let a server mark crashed runs; the temporary local server runs no such service, and
    each of the nightly's seven flow runs waits ~1 s for its heartbeat thread to stop (Prefect
    3.8.8; bench/, BENCHMARKS.md). With PREFECT_API_URL set, Prefect's own settings apply.
    """
    from contextlib import nullcontext

    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if PREFECT_API_URL.value():
        return nullcontext()
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})
