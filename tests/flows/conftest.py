"""The demo region taken in by the real nightly flow, shared by the flow tests that need its size."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import TINY_AS_OF, history_manifest


@pytest.fixture(scope="session")
def demo_run(prefect_server, default_region, tmp_path_factory):
    """(region, workspace): the demo region's whole history taken in as a go-live does (no purge)."""
    from flows.nightly import nightly

    region, generated = default_region
    assert generated.end_date == TINY_AS_OF  # the demo's as-of date
    workspace = tmp_path_factory.mktemp("demo-ws")
    for part in ("inbox", "reference", "registraties"):
        shutil.copytree(region / part, workspace / part)
    summary = nightly(str(workspace), TINY_AS_OF, purge=False, history_manifest=history_manifest(workspace))
    assert summary["status"] in {"ok", "partial"}
    return region, workspace
