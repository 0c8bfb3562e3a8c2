"""Shared helpers for the test suite.

Tests run against the installed ``aieco`` (``make test`` installs it non-editable), so they
exercise the artefact a user gets, configs included.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.params import Params

TINY = {"name": "tiny", "n_users": 2000, "n_niches": 4, "n_labs": 4, "n_startups": 8,
        "max_startups": 100, "n_civil_society": 6, "n_malicious": 40}


def tiny_params(steps: int = 3, **groups: dict) -> Params:
    """A scenario small enough to run in well under a second."""
    pop = {**TINY, **groups.pop("population", {})}
    run = {"steps": steps, "progress": False, **groups.pop("run", {})}
    return Params().replace(population=pop, run=run, **groups)


def aieco(*args: str, cwd: Path | None = None, env: dict | None = None,
          timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real ``aieco`` console script of this environment in a subprocess."""
    exe = Path(sys.executable).with_name("aieco")
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd,
                          env=full_env, timeout=timeout)


def numeric_columns(df):
    import pandas as pd

    return [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]


@pytest.fixture
def tiny() -> Params:
    return tiny_params()
