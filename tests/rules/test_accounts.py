# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - liability on harm caused: test_profit_identity_table
# - serving cost per user unscaled: test_profit_identity_table, ...
# - fixed cost left out of profit: test_profit_identity_table
# - startup serving costs on dead rows: test_startups_pay_their_serving_costs
# - harm not reset: test_harm_is_reset
# - running mean weights the old value: test_learn_harm_by_level_table
# - first observation blended with 0: test_a_level_no_lab_holds_keeps_its_estimate, ...
# - harm summed over a level's labs: test_a_level_no_lab_holds_keeps_its_estimate, ...
# Since issue 14 (disaster losses and fines enter the payoff labs imitate):
# - payoff without losses: test_payoff_table
# - losses not reset: test_payoff_table
# - losses taken from cash again: test_payoff_table
# - loss_in_payoff ignored: test_payoff_table
"""Accounts: the profit identity, and what labs learn of harm by level (ODD 7.15, 7.5)."""

from __future__ import annotations

import numpy as np
import pytest
from rule_states import Ledger, make_labs, make_startups

from sim.params import LabParams, MarketParams
from sim.rules import accounts

MKT = MarketParams(market_size=100.0, marginal_cost=0.2)  # with 1000 users: 0.1 mu per user


def _settle(labs, st=None, liability=0.0, n_users=1000, lp=None):
    st = st if st is not None else make_startups(0)
    ledger = Ledger()
    accounts.settle_labs(labs, st, MKT, lp or LabParams(fixed_cost=0.5),
                         np.broadcast_to(np.asarray(liability, float), (labs.n,)).copy(),
                         n_users, ledger)
    return ledger


@pytest.mark.parametrize(("revenue", "users", "liability", "traced", "caused", "profit"), [
    (10.0, 100, 0.5, 4.0, 9.0, 10.0 - 2.0 - 0.5 - 2.0),
    (5.0, 0, 1.0, 2.0, 2.0, 5.0 - 0.0 - 0.5 - 2.0),
    (0.0, 0, 0.0, 50.0, 50.0, -0.5),          # no liability: harm costs nothing
    (3.0, 1000, 0.0, 0.0, 0.0, 3.0 - 20.0 - 0.5),
])
def test_profit_identity_table(revenue, users, liability, traced, caused, profit):
    labs = make_labs(1, cash=7.0, revenue=revenue, users=users, harm_traced=traced,
                     harm_caused=caused)
    ledger = _settle(labs, liability=liability)
    assert labs.profit[0] == pytest.approx(profit)
    assert labs.cash[0] == pytest.approx(7.0 + profit)
    # every outflow is booked: the cash change is the revenue (booked at the market) plus
    # the flows booked here
    assert labs.cash[0] - 7.0 - revenue == pytest.approx(sum(ledger.flows.values()))


@pytest.mark.parametrize(("losses", "weight", "payoff"), [
    ([0.0, 0.0], 1.0, [2.5, 2.5]),
    ([3.0, 0.0], 1.0, [-0.5, 2.5]),      # a disaster or a fine this quarter
    ([3.0, 1.0], 0.5, [1.0, 2.0]),       # half of the losses counted
    ([3.0, 1.0], 0.0, [2.5, 2.5]),       # left out of the comparison
])
def test_payoff_table(losses, weight, payoff):
    # revenue 3, fixed cost 0.5: profit 2.5 for both
    labs = make_labs(2, cash=7.0, revenue=3.0, users=0, losses=losses)
    _settle(labs, lp=LabParams(fixed_cost=0.5, loss_in_payoff=weight))
    np.testing.assert_allclose(labs.payoff, payoff)
    np.testing.assert_allclose(labs.profit, 2.5)       # profit leaves the losses out ...
    np.testing.assert_allclose(labs.cash, 7.0 + 2.5)   # ... whose cash left when they struck
    assert not labs.losses.any()                        # a new quarter's losses start at 0


def test_startups_pay_their_serving_costs():
    labs = make_labs(1, revenue=0.0, users=0)
    st = make_startups(3, users=[100, 50, 100], cash=[1.0, 1.0, 1.0], alive=[True, True, False])
    ledger = _settle(labs, st)
    np.testing.assert_allclose(st.cash[:3], [1.0 - 2.0, 1.0 - 1.0, 1.0])
    assert ledger.flows["serving_costs"] == pytest.approx(-3.0)


def test_harm_is_reset():
    labs = make_labs(2, levels=[2, 3], harm_traced=[1.0, 2.0], harm_caused=[3.0, 4.0])
    _settle(labs)
    assert not labs.harm_traced.any() and not labs.harm_caused.any()
    # ... after what it taught
    np.testing.assert_allclose(labs.harm_by_level[[2, 3]], [3.0, 4.0])


@pytest.mark.parametrize(("memory", "levels", "quarters", "expected", "seen"), [
    (0.25, [3, 3], [[2.0, 6.0]], {3: 4.0}, {3}),                  # first: the mean, as is
    (0.25, [3, 3], [[2.0, 6.0], [0.0, 0.0]], {3: 3.0}, {3}),      # 4 + 0.25 (0 - 4)
    (0.25, [3, 3], [[2.0, 6.0], [8.0, 8.0], [0.0, 0.0]], {3: 3.75}, {3}),
    (1.0, [3, 3], [[2.0, 6.0], [0.0, 1.0]], {3: 0.5}, {3}),       # only the newest
    (0.0, [3, 3], [[2.0, 6.0], [0.0, 1.0]], {3: 4.0}, {3}),       # only the first
    (0.5, [2, 3, 3], [[7.0, 2.0, 4.0]], {2: 7.0, 3: 3.0}, {2, 3}),
    (0.5, [2, 2], [[0.0, 0.0]], {2: 0.0}, {2}),                   # seen, and harmless
])
def test_learn_harm_by_level_table(memory, levels, quarters, expected, seen):
    labs = make_labs(len(levels), levels=levels)
    for harm in quarters:
        labs.harm_caused = np.array(harm)
        accounts.learn_harm_by_level(labs, memory)
    assert set(np.flatnonzero(labs.harm_seen_by_level).tolist()) == seen
    for level in range(5):
        assert labs.harm_by_level[level] == pytest.approx(expected.get(level, 0.0))


def test_a_level_no_lab_holds_keeps_its_estimate():
    labs = make_labs(2, levels=3)
    labs.harm_caused = np.array([4.0, 4.0])
    accounts.learn_harm_by_level(labs, 0.5)
    labs.release_level = np.array([2, 2])
    labs.harm_caused = np.array([1.0, 1.0])
    accounts.learn_harm_by_level(labs, 0.5)
    assert labs.harm_by_level[3] == 4.0 and labs.harm_by_level[2] == 1.0
