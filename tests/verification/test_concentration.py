"""Verification: concentration metrics give their textbook values, in the real model too.

On arrays the identities are exact (HHI of ``n`` equal firms ``10000/n``, their top-4 share
``min(4, n)/n``, their Gini 0, and the population Gini of ``(0, 0, 0, 9)`` 0.75), to 1e-12.
In the model (``verify_concentration``: ``n`` identical labs, no startups) one lab gives
exactly 10000, and ``n`` labs give ``10000/n`` plus the multinomial noise of ``N`` users
choosing among identical labs, ``10000 X2 / (n N)`` with Pearson's ``X2 ~ chi2(n - 1)``
(``verification_checks.model_hhi_check``). An HHI that forgets a firm, a top-4 share that
sums three and a Gini with the sample factor fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from verification_checks import (
    gini_check,
    hhi_equal_check,
    model_hhi_check,
    top4_equal_check,
)
from verification_mutants import mutant

from sim.metrics import gini, hhi, top_k_share

SIZES = [1, 2, 3, 7, 50]
GINI = [((5.0, 5.0, 5.0), 0.0), ((0.0, 0.0, 0.0, 9.0), 0.75), ((1.0, 3.0), 0.25)]


@pytest.mark.parametrize("n", SIZES)
def test_equal_firms(n):
    for check in (hhi_equal_check(n), top4_equal_check(n)):
        assert check.passed, check


@pytest.mark.parametrize("values,expected", GINI)
def test_gini_textbook_values(values, expected):
    check = gini_check(values, expected)
    assert check.passed, check


def test_empty_market_is_undefined():
    # an empty market has no concentration: undefined, not perfect competition
    assert np.isnan(hhi(np.zeros(3))) and np.isnan(top_k_share(np.zeros(3)))
    assert hhi(np.array([0.0, 7.0, 0.0])) == 10000.0
    assert gini(np.zeros(3)) == 0.0


def test_array_checks_fail_on_broken_metrics():
    with mutant("hhi_forgets_a_firm"):
        assert not any(hhi_equal_check(n).passed for n in SIZES)
    with mutant("top_k_three"):  # the same as the top-4 share for three firms or fewer
        assert not any(top4_equal_check(n).passed for n in SIZES if n > 3)
    with mutant("gini_sample"):
        assert not gini_check(*GINI[1]).passed


@pytest.mark.parametrize("n", [1, 2, 4, 8])
def test_the_model_with_n_identical_labs(n):
    check = model_hhi_check(n)
    assert check.passed, (check, check.detail)


@pytest.mark.parametrize("n", [1, 8])
def test_model_check_fails_when_the_hhi_forgets_a_firm(n):
    with mutant("hhi_forgets_a_firm"):
        check = model_hhi_check(n)
    assert not check.passed, check
