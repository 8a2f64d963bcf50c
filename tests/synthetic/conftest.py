"""Synthetic regions shared by the tests of the generator (each generated once per session).

The default (demo) region is in tests/conftest.py: the indicator flow tests use it too."""

from pathlib import Path

import pytest

from synthetic import GenerationResult, generate_region

SMALL = {"households": 400, "seed": 20261123}


@pytest.fixture(scope="session")
def small_region(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationResult]:
    """A 400-household region over the default 36 months (about a second)."""
    root = tmp_path_factory.mktemp("synthetic-400")
    return root, generate_region(root, **SMALL)
