# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - buys the smallest startup: test_a_later_buyer_never_sees_it, ...
# - buys the largest startup of any base: test_a_later_buyer_never_sees_it, ...
# - merger control ignored: test_merger_control_table
# - ecosystem without dependent startups: test_merger_control_table
# - cash check against 0: test_cash_table
# - bought startup left alive: test_a_later_buyer_never_sees_it, ...
# - bought startup redirects to -1: test_bought_startup_leaves_with_redirect
"""Labs buy the largest startup built on them, under merger control (ODD 7.8)."""

from __future__ import annotations

import pytest
from rule_states import Ledger, make_labs, make_startups, quarter

from sim.params import LabParams, RegulationParams
from sim.rules import acquisition

LP = LabParams(acquisition_prob=1.0, acquisition_cash=5.0, acquisition_price_quarters=4.0,
               acquisition_premium=1.0)
FREE = RegulationParams(merger_control=False)


def _acquire(labs, st, lp=LP, reg=FREE, seed=0):
    ledger = Ledger()
    out = acquisition.acquire(labs, st, lp, reg, ledger, quarter(seed))
    return out, ledger


def test_buys_the_largest_startup_built_on_it():
    labs = make_labs(2, cash=100.0)
    st = make_startups(5, base=[0, 0, 1, 0, 1], users=[10, 50, 30, 40, 90],
                       revenue=[1.0, 2.0, 3.0, 4.0, 5.0])
    out, _ = _acquire(labs, st)
    assert sorted(out.bought) == [(1, 0), (4, 1)]
    assert st.alive[:5].tolist() == [True, False, True, True, False]


def test_bought_startup_leaves_with_redirect():
    labs = make_labs(2, cash=[100.0, 1.0])  # lab 1 is too poor to try
    st = make_startups(2, base=[0, 1], users=[10, 10], revenue=[2.0, 2.0], cash=[0.7, 0.4])
    out, ledger = _acquire(labs, st)
    assert out.bought == [(0, 0)]
    assert not st.alive[0] and st.redirect[0] == 0
    assert st.alive[1] and st.redirect[1] == 0  # untouched (0 is the array's default)
    cost = 4.0 * 2.0 + 1.0
    assert labs.cash.tolist() == [100.0 - cost, 1.0]
    assert ledger.flows["acquisitions"] == pytest.approx(-cost)
    assert ledger.flows["exits"] == pytest.approx(-0.7)  # its cash leaves with it


def test_a_later_buyer_never_sees_it():
    labs = make_labs(2, cash=1000.0)
    st = make_startups(3, base=[0, 0, 0], users=[30, 20, 10], revenue=1.0)
    first, _ = _acquire(labs, st, seed=1)
    second, _ = _acquire(labs, st, seed=2)
    third, _ = _acquire(labs, st, seed=3)
    assert [first.bought, second.bought, third.bought] == [[(0, 0)], [(1, 0)], [(2, 0)]]
    fourth, _ = _acquire(labs, st, seed=4)
    assert fourth.bought == [] and st.n_alive == 0


@pytest.mark.parametrize(("cash", "revenue", "bought"), [
    (100.0, 2.0, True),
    (14.0, 2.0, True),     # 14 - 9 = 5: keeps exactly acquisition_cash
    (13.9, 2.0, False),    # would fall below acquisition_cash
    (5.0, 0.0, False),     # not more than acquisition_cash: does not try
    (5.5, 0.0, False),     # tries, but 5.5 - 1 < 5
    (6.0, 0.0, True),
])
def test_cash_table(cash, revenue, bought):
    labs = make_labs(1, cash=cash)
    st = make_startups(1, base=0, users=5, revenue=revenue)
    out, _ = _acquire(labs, st)
    assert (out.bought == [(0, 0)]) is bought
    assert labs.cash[0] >= (5.0 if bought else cash)
    assert st.alive[0] is not bought


@pytest.mark.parametrize(("control", "lab_share", "startup_share", "blocked"), [
    (False, [0.6, 0.1], [0.1, 0.1], 0),
    (True, [0.6, 0.1], [0.1, 0.1], 1),     # lab 0 is dominant: blocked; lab 1 buys
    (True, [0.2, 0.1], [0.1, 0.1], 1),     # 0.2 + 0.1 of users built on it > 0.25
    (True, [0.2, 0.1], [0.04, 0.1], 0),    # 0.24: below the threshold
    (True, [0.1, 0.1], [0.1, 0.1], 0),
])
def test_merger_control_table(control, lab_share, startup_share, blocked):
    labs = make_labs(2, cash=100.0, share=lab_share)
    st = make_startups(2, base=[0, 1], users=[10, 10], share=startup_share, revenue=1.0)
    reg = RegulationParams(merger_control=control, merger_threshold=0.25)
    out, _ = _acquire(labs, st, reg=reg)
    assert out.blocked == blocked
    assert sorted(b for _, b in out.bought) == ([1] if blocked else [0, 1])
    assert st.alive[0] == bool(blocked) and not st.alive[1]


def test_no_attempt_without_probability():
    labs = make_labs(2, cash=100.0)
    st = make_startups(2, base=[0, 1], users=5)
    out, ledger = _acquire(labs, st, lp=LabParams(acquisition_prob=0.0))
    assert out.bought == [] and st.n_alive == 2 and not ledger.flows
