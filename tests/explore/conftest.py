"""Fixtures for the explorer's tests: a tiny sweep folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import write_sweep


@pytest.fixture(scope="session")
def tiny_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A collected-nowhere tiny sweep (8 runs of 4 quarters)."""
    return write_sweep(tmp_path_factory.mktemp("sweeps") / "tiny_concentration")
