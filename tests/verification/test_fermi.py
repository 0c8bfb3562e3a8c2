"""Verification: neutral Fermi imitation fixes one mutant among Z with probability 1/Z.

Traulsen, Nowak & Pacheco (2006): under neutral selection (``beta = 0``) the pairwise-
comparison process fixes a single mutant with probability ``1/Z``. The real model runs
``verify_fermi`` (one safe lab among Z, no mutation, 2000 events in one quarter); the
check (``verification_checks.fermi_check``) compares the mean final safe share of 1500
runs with ``1/Z`` within ``4 sqrt((1/Z)(1 - 1/Z) / runs)`` (0.045 at Z = 4, 0.034 at
Z = 8). A rule biased by 5 points towards copying SAFE fails it.
"""

from __future__ import annotations

import pytest
from verification_checks import fermi_check
from verification_mutants import mutant

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_numba_thread")]

RUNS = 1500




@pytest.mark.parametrize("z", [4, 5, 8])
def test_single_mutant_fixes_with_probability_one_over_z(z):
    check = fermi_check(z, RUNS)
    assert check.detail["absorbed"] == RUNS  # 2000 events absorb every run
    assert check.passed, check


def test_fermi_check_fails_on_a_biased_imitation_rule():
    """Copying SAFE with probability 0.55 and UNSAFE with 0.45 makes SAFE a mutant of
    relative fitness 11/9: one fixes among 8 with probability 0.23, not 0.125 (the
    tolerance is 0.034)."""
    with mutant("imitation_biased"):
        check = fermi_check(8, RUNS, key=1)
    assert not check.passed, check
