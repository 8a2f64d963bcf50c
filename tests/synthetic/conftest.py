"""Synthetic regions shared by the tests of the generator (each generated once per session)."""

from pathlib import Path

import pytest

from synthetic import GenerationResult, generate_region

SMALL = {"households": 400, "seed": 20261123}


@pytest.fixture(scope="session")
def small_region(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationResult]:
    """A 400-household region over the default 36 months (about a second)."""
    root = tmp_path_factory.mktemp("synthetic-400")
    return root, generate_region(root, **SMALL)


@pytest.fixture(scope="session")
def default_region(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationResult]:
    """The default 80,000-household region (about 20 s on a 2-core machine)."""
    root = tmp_path_factory.mktemp("synthetic-default")
    return root, generate_region(root)
