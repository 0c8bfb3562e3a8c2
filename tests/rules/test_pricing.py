# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - MAX_SHARE 0.9 -> 0.99: test_lab_prices_table, test_markup_monotone, test_markup_table
# - markup without the share cap: test_lab_prices_table, test_markup_is_finite_at_full_share, ...
# - markup decreasing in share: test_lab_prices_table, test_markup_monotone, test_markup_table, ...
# - lab share of users holding a provider: test_lab_prices_table
# - startup price not grossed up: test_startup_prices_table
"""Logit markups: share capped at 0.9, monotone in share, fees grossed up (ODD 7.1)."""

from __future__ import annotations

import numpy as np
import pytest
from rule_states import make_labs, make_startups

from sim.params import MarketParams
from sim.rules import pricing


@pytest.mark.parametrize(("share", "alpha", "expected"), [
    (0.0, 1.0, 1.0),
    (0.5, 1.0, 2.0),
    (0.5, 2.0, 1.0),
    (0.8, 1.0, 5.0),
    (0.9, 1.0, 10.0),      # the cap itself
    (0.95, 1.0, 10.0),     # above the cap: priced as 0.9
    (1.0, 4.0, 2.5),       # a monopolist stays finite
])
def test_markup_table(share, alpha, expected):
    got = pricing.markup(np.array([share]), alpha)
    assert got[0] == pytest.approx(expected, rel=1e-12)


def test_markup_monotone():
    share = np.linspace(0.0, 1.0, 201)
    m = pricing.markup(share, 1.5)
    assert np.all(np.diff(m) >= 0.0)
    below = share < 0.9
    assert np.all(np.diff(m[below]) > 0.0)  # strictly increasing below the cap
    assert np.all(m[share >= 0.9] == m[share >= 0.9][0])  # flat at and above it


def test_markup_is_finite_at_full_share():
    with np.errstate(divide="raise", invalid="raise"):
        assert np.isfinite(pricing.markup(np.array([1.0]), 1.0)).all()


@pytest.mark.parametrize(("users", "n_users", "mc", "alpha", "expected"), [
    ([0, 1000, 1800, 2000], 2000, 0.2, 1.0, [1.2, 2.2, 10.2, 10.2]),
    ([0, 500], 1000, 0.0, 2.0, [0.5, 1.0]),
    # shares are of all users, the outside option included: 100 of 1000 users is 0.1
    # even when they are the only users holding a provider
    ([100, 0], 1000, 0.0, 1.0, [1.0 / 0.9, 1.0]),
    ([0, 0], 0, 0.3, 1.0, [1.3, 1.3]),  # no users at all: no division by zero
])
def test_lab_prices_table(users, n_users, mc, alpha, expected):
    labs = make_labs(len(users), users=users)
    pricing.set_lab_prices(labs, MarketParams(marginal_cost=mc, alpha_mean=alpha), n_users)
    np.testing.assert_allclose(labs.price, expected, rtol=1e-12)


@pytest.mark.parametrize(("users", "fee", "expected"), [
    (0, 0.0, 1.2),
    (0, 0.3, 1.2 / 0.7),
    (500, 0.5, (0.2 + 2.0) / 0.5),
    (0, 1.0, 1.2 / 0.01),  # a fee of 100% is grossed up as 99%: finite
])
def test_startup_prices_table(users, fee, expected):
    st = make_startups(2, users=[users, 0], fee_share=[fee, 0.0])
    pricing.set_startup_prices(st, np.array([0]), MarketParams(marginal_cost=0.2,
                                                               alpha_mean=1.0), 1000)
    assert st.price[0] == pytest.approx(expected, rel=1e-12)
    assert st.price[1] == 0.0  # a row not priced keeps its price
