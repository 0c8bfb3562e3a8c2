"""Fixtures the verification modules share."""

from __future__ import annotations

import numba
import pytest


@pytest.fixture(scope="module")
def one_numba_thread():
    """Tiny arrays only pay thread overhead; results do not depend on the threads."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)
