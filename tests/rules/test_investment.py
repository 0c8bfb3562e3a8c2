# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - funding by traction only: test_external_funding_table
# - funding pool uncapped: test_external_funding_table
# - grown_stock uncapped: test_capability_cap_table, test_grown_stock_never_overflows, ...
# - grown_stock keeps a stock for base 0: test_grown_stock_table
# - grown_stock computes every product directly: test_grown_stock_never_overflows, ...
# - no speed factor for unsafe labs: test_speed_factor_table
# - compliance ignored: test_compliance_reduces_growth
# - no capability ratchet: test_capability_never_falls
# - capability cap ignored: test_capability_cap_table
# - new version keeps clean audits: test_new_version_resets_clean_audits
# Since issue 14:
# - released_level not reset on a new version: test_new_version_resets_clean_audits,
#   test_a_new_version_is_released_afresh
# - compute access ignored: test_compute_access_table
# - compute access applied to the whole stock: test_compute_access_table
# - external funding for no labs divides by zero: test_no_labs_no_funding
"""Investor funding, the compute stock and growth of the labs (ODD 7.4)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from rule_states import Ledger, make_labs, quarter

from sim.params import LabParams, RaceParams
from sim.rules import investment

# labs that grow only by what they invest this quarter: no funding, no depreciation, no
# hardware progress, no contributions, one mu buys 1e24 FLOP
STILL = {"external_funding": 0.0, "invest_share": 0.5, "flop_per_mu": 1.0,
         "hardware_progress": 0.0, "compute_depreciation": 0.0, "contribution_gain": 0.0,
         "vulns_per_oom": 0.0, "version_step": 0.5}


def _vector(value, n):
    return np.broadcast_to(np.asarray(value, float), (n,)).copy()


def _grow(labs, *, lp=None, race=None, compliance=0.0, cap=np.inf, spill=0.0, access=1.0,
          t=0, seed=0):
    """One quarter of growth; ``access`` is the compute a mu buys where each lab is (1: as
    before issue 14)."""
    n = labs.n
    ledger = Ledger()
    investment.invest_and_grow(
        labs, lp or LabParams(**STILL), race or RaceParams(), t,
        compliance=_vector(compliance, n), capability_cap=_vector(cap, n),
        spill=_vector(spill, n), compute_access=_vector(access, n), ledger=ledger,
        draws=quarter(seed))
    return ledger


# ---- external funding --------------------------------------------------------------

@pytest.mark.parametrize(("users", "traction", "t", "growth", "cap", "expected"), [
    ([0, 0], 1.0, 0, 0.2, 300.0, [5.0, 5.0]),            # no users: equal split
    ([0, 0, 0, 0], 0.3, 0, 0.2, 300.0, [2.5] * 4),
    ([1, 3], 1.0, 0, 0.2, 300.0, [2.5, 7.5]),            # all by traction
    ([1, 3], 0.0, 0, 0.2, 300.0, [5.0, 5.0]),            # all equal
    ([0, 4], 0.5, 0, 0.2, 300.0, [2.5, 7.5]),            # half and half
    ([0, 0], 1.0, 1, 1.0, 1e6, [50.0, 50.0]),            # the pool grows 10x a quarter
    ([0, 0], 1.0, 2, 1.0, 100.0, [500.0, 500.0]),        # ... up to the cap
    ([0, 0], 1.0, 5, 1.0, 100.0, [500.0, 500.0]),        # ... and stays there
])
def test_external_funding_table(users, traction, t, growth, cap, expected):
    labs = make_labs(len(users), users=users)
    lp = LabParams(external_funding=10.0, funding_growth=growth, funding_cap=cap,
                   funding_traction=traction)
    got = investment.external_funding(labs, lp, t)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_no_labs_no_funding():
    got = investment.external_funding(make_labs(0), LabParams(external_funding=10.0), 3)
    assert got.shape == (0,)


@pytest.mark.parametrize("users", [[0, 0, 0], [5, 0, 1], [1, 1, 1]])
@pytest.mark.parametrize("traction", [0.0, 0.4, 1.0])
def test_external_funding_splits_the_whole_pool(users, traction):
    labs = make_labs(3, users=users)
    lp = LabParams(external_funding=7.0, funding_growth=0.25, funding_cap=300.0,
                   funding_traction=traction)
    got = investment.external_funding(labs, lp, 3)
    assert got.sum() == pytest.approx(7.0 * 10 ** 0.75, rel=1e-12)
    assert np.all(got >= 0)


# ---- the capped stock ----------------------------------------------------------------

@pytest.mark.parametrize(("base", "algorithmic", "log_cap", "expected"), [
    (2.0, 0.0, np.inf, 2.0),
    (2.0, 1.0, 10.0, 20.0),
    (2.0, 1.0, 1.0, 10.0),             # the cap binds
    (2.0, -1.0, 10.0, 0.2),            # algorithmic "progress" below 0 shrinks the stock
    (0.0, 5.0, 10.0, 0.0),             # nothing to grow
    (0.0, 0.0, -3.0, 0.0),
    (1e-200, 400.0, 276.0, 1e200),     # a huge exponent applied in logs, not overflowing
    (1e300, 10.0, 276.0, 1e276),       # the product would overflow; the cap is taken
    (5.0, 1e6, 276.0, 1e276),
])
def test_grown_stock_table(base, algorithmic, log_cap, expected):
    got = investment.grown_stock(np.array([base]), np.array([algorithmic]),
                                 np.array([log_cap]))
    assert np.isfinite(got).all()
    assert got[0] == pytest.approx(expected, rel=1e-9, abs=0.0)


def test_grown_stock_never_overflows():
    base = np.array([1e-200, 1e300, 5.0, 1e-300])
    alg = np.array([400.0, 10.0, 1e6, 600.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise"):
            got = investment.grown_stock(base, alg, np.full(4, 276.0))
    assert np.all(np.isfinite(got)) and np.all(got <= 1e276)


def test_grown_stock_is_bit_identical_for_ordinary_values():
    rng = np.random.default_rng(3)
    base = 10.0 ** rng.uniform(-3, 5, 50)
    alg = rng.uniform(-1, 2, 50)
    got = investment.grown_stock(base, alg, np.full(50, 200.0))
    assert np.array_equal(got, base * 10.0 ** alg)


# ---- investment and growth -----------------------------------------------------------

@pytest.mark.parametrize(("speed", "safety_share"), [(1.5, 0.1), (2.0, 0.0), (1.0, 0.5),
                                                     (10.0, 0.9)])
def test_speed_factor_table(speed, safety_share):
    labs = make_labs(2, capability=25.0, cash=10.0, safe=[True, False])
    _grow(labs, race=RaceParams(speed_factor=speed, safety_cost_share=safety_share))
    added = labs.compute - 10.0  # 25 OOM is 10 units of 1e24 FLOP
    # invest 5 mu: a safe lab spends a share on safety, an unsafe lab gets s times more
    np.testing.assert_allclose(added, [5.0 * (1 - safety_share), 5.0 * speed], rtol=1e-9)
    assert labs.capability[1] > labs.capability[0]
    np.testing.assert_allclose(labs.capability, 24.0 + np.log10(labs.compute), rtol=1e-12)


@pytest.mark.parametrize(("compliance", "added"), [(0.0, 4.5), (0.2, 3.6), (0.5, 2.25),
                                                   (1.0, 0.0)])
def test_compliance_reduces_growth(compliance, added):
    labs = make_labs(1, capability=25.0, cash=10.0, safe=True)
    _grow(labs, race=RaceParams(safety_cost_share=0.1), compliance=compliance)
    assert labs.compute[0] - 10.0 == pytest.approx(added, abs=1e-9)
    # the whole investment leaves cash, compliance included
    assert labs.cash[0] == pytest.approx(5.0)


@pytest.mark.parametrize(("cash", "depreciation", "spill"), [
    (0.0, 0.5, 0.0),     # no investment, the stock depreciates
    (0.0, 1.0, 0.0),     # the whole stock is gone
    (-50.0, 0.3, 0.0),   # in debt: invests nothing
    (0.01, 0.9, 0.0),
    (0.0, 0.5, -0.5),    # negative algorithmic change
])
def test_capability_never_falls(cash, depreciation, spill):
    labs = make_labs(1, capability=25.0, cash=cash)
    before = labs.capability.copy()
    _grow(labs, lp=LabParams(**{**STILL, "compute_depreciation": depreciation}), spill=spill)
    assert labs.capability[0] == before[0]
    assert labs.compute[0] < 10.0
    assert labs.cash[0] == pytest.approx(cash - 0.5 * max(cash, 0.0))


@pytest.mark.parametrize(("cap", "expected"), [
    (np.inf, 24.0 + np.log10(10.0 + 5.0 * 0.9)),
    (26.0, 24.0 + np.log10(10.0 + 5.0 * 0.9)),   # the cap does not bind
    (25.1, 25.1),                                  # the cap binds
    (25.0, 25.0),                                  # at the cap: no growth
    (24.0, 25.0),                                  # below: no growth, but no loss either
])
def test_capability_cap_table(cap, expected):
    labs = make_labs(1, capability=25.0, cash=10.0, safe=True)
    _grow(labs, race=RaceParams(safety_cost_share=0.1), cap=cap)
    assert labs.capability[0] == pytest.approx(expected, abs=1e-12)
    assert labs.compute[0] <= 10.0 ** (max(cap, 25.0) - 24.0) * (1 + 1e-12)


@pytest.mark.parametrize(("access", "added"), [
    ([1.0, 1.0], [4.5, 4.5]),
    ([1.0, 0.3], [4.5, 1.35]),     # a mu buys 0.3 of the compute where the lab is located
    ([2.0, 0.5], [9.0, 2.25]),
])
def test_compute_access_table(access, added):
    labs = make_labs(2, capability=25.0, cash=10.0, safe=True)
    _grow(labs, race=RaceParams(safety_cost_share=0.1), access=access)
    # the new compute only: the stock already held (10 units) is not rescaled
    np.testing.assert_allclose(labs.compute - 10.0, added, rtol=1e-9)
    np.testing.assert_allclose(labs.cash, 5.0)  # the same money leaves cash


def test_spillover_multiplies_the_stock():
    labs = make_labs(2, capability=25.0, cash=0.0)
    _grow(labs, spill=[0.1, 0.0])
    np.testing.assert_allclose(labs.capability, [25.1, 25.0], atol=1e-12)


def test_new_version_resets_clean_audits():
    # lab 0 grows > 0.5 OOM (a new version), lab 1 a little, lab 2 not at all
    labs = make_labs(3, levels=3, capability=25.0, cash=[1e4, 2.0, 0.0], safe=True,
                     clean_audits=3, released_level=3, open_capability=25.0)
    _grow(labs)
    growth = labs.capability - 25.0
    assert growth[0] >= 0.5 and 0 < growth[1] < 0.5 and growth[2] == 0
    assert labs.clean_audits.tolist() == [0, 3, 3]
    assert labs.version_capability.tolist() == [labs.capability[0], 25.0, 25.0]
    # issue 14: a new version is released afresh; the weights already out stay out
    assert labs.released_level.tolist() == [0, 3, 3]
    assert labs.open_capability.tolist() == [25.0, 25.0, 25.0]
    assert labs.release_level.tolist() == [3, 3, 3]  # decided again in the release step


@pytest.mark.parametrize(("cash", "released", "after"), [
    (1e4, 4, 0),      # a new version: nothing of it is out yet
    (1e4, 2, 0),
    (2.0, 4, 4),      # the same version: what was released stays released
    (2.0, 1, 1),
    (0.0, 3, 3),
])
def test_a_new_version_is_released_afresh(cash, released, after):
    labs = make_labs(1, levels=released, capability=25.0, cash=cash, released_level=released)
    _grow(labs)
    assert labs.released_level.tolist() == [after]


def test_funding_enters_before_investment_and_is_booked():
    labs = make_labs(2, capability=25.0, cash=[10.0, -4.0], users=[0, 0])
    lp = LabParams(**{**STILL, "external_funding": 10.0, "funding_growth": 0.0})
    ledger = _grow(labs, lp=lp)
    # each gets 5, then invests half of its positive cash
    np.testing.assert_allclose(labs.cash, [7.5, 0.5])
    assert ledger.flows["investor_funding"] == pytest.approx(10.0)
    assert ledger.flows["compute_investment"] == pytest.approx(-(7.5 + 0.5))


def test_growth_brings_latent_vulnerabilities():
    labs = make_labs(2, capability=25.0, cash=[1e3, 0.0])
    _grow(labs, lp=LabParams(**{**STILL, "vulns_per_oom": 1e4}))
    expected = 1e4 * (labs.capability[0] - 25.0)
    assert abs(labs.latent_vulns[0] - expected) < 5 * np.sqrt(expected)
    assert labs.latent_vulns[1] == 0
