# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - weights from level 2: test_modes_table, test_proprietary_regimes_have_no_weight_builders, ...
# - restricted niches ignored: test_restricted_niches_never_build_on_weights
# - reach ignored: test_modes_table
# - entrants without an option kept: test_modes_table, ...
# - k not limited by max_startups: test_entry_is_capped_by_max_startups
# - weights builders pay the API fee: test_entrant_state_follows_its_mode
# - weights-mode startups orphaned: test_orphans_table
# - orphaned unless weights are offered: test_orphans_table
# - running costs on dead rows: test_pay_running_costs
# - exit at cash <= 0: test_pay_running_costs
# Since issue 14 (capacity sets the adaptation cost; free entry; builders on weights have the
# weights their lab released):
# - capacity not raising the adaptation cost: test_adaptation_cost_table,
#   test_adaptation_cost_follows_the_entrants_jurisdiction, test_sharp_choice_takes_the_best_option
# - one adaptation cost for every entrant (the first jurisdiction's):
#   test_adaptation_cost_follows_the_entrants_jurisdiction
# - free-entry multiplier inverted: test_prospects_table, test_entry_follows_the_outlook
# - prospects from every live startup, not the recent entrants: test_prospects_table
# - prospects ignore fees upstream: test_prospects_table
# - outlook ignored by entry: test_entry_follows_the_outlook
# - builders on weights follow the lab's current capability: test_quality_table
"""Startups: entry and base choice, orphans, running costs (ODD 7.8, 7.9)."""

from __future__ import annotations

import numpy as np
import pytest
from rule_states import Ledger, make_labs, make_startups, quarter

from sim.params import MarketParams, Params, PopulationParams, StartupParams
from sim.regimes import Licence, make_openness
from sim.rules import startups
from sim.vocabulary import BuildMode

POP = PopulationParams(n_niches=10, max_startups=10_000)
PERMISSIVE = Licence()
PROPRIETARY = Licence(visibility=0.0)
RESTRICTED = Licence(visibility=0.7, restricted_niches=5)


def everywhere(n_labs):
    return lambda jur, chooser, stream: np.ones((len(jur), n_labs), dtype=bool)


def nowhere(n_labs):
    return lambda jur, chooser, stream: np.zeros((len(jur), n_labs), dtype=bool)


def _enter(labs, *, k=300, licence=PERMISSIVE, reach=None, sp=None, pop=POP, st=None, seed=0,
           market_share=(1.0,), capacity=(1.0,), outlook=1.0):
    """Entry in one jurisdiction of full capacity (the adaptation cost as before issue 14)."""
    st = st if st is not None else make_startups(0)
    ledger = Ledger()
    rows = startups.enter(st, labs, sp or StartupParams(base_choice_beta=0.0), pop, licence, 0,
                          k=k, reach=reach or everywhere(labs.n), market_share=market_share,
                          capacity=np.asarray(capacity, dtype=float), compute_per_mu=2.0,
                          ledger=ledger, draws=quarter(seed), outlook=outlook)
    return st, rows, ledger


A, W = int(BuildMode.API), int(BuildMode.WEIGHTS)


@pytest.mark.parametrize(("levels", "licence", "reach", "modes", "bases"), [
    ([2, 2], PROPRIETARY, True, {A}, {0, 1}),       # API only
    ([1, 1], PROPRIETARY, True, set(), set()),      # hosted products: nobody can build
    ([0, 1], PROPRIETARY, True, set(), set()),
    ([3, 3], PERMISSIVE, True, {A, W}, {0, 1}),     # weights also offer an API
    ([4, 4], PERMISSIVE, True, {A, W}, {0, 1}),
    ([3, 3], PERMISSIVE, False, {A}, {0, 1}),       # weights do not reach the entrant
    ([0, 3], PERMISSIVE, True, {A, W}, {1}),        # an internal model is no base
    ([1, 2], PERMISSIVE, True, {A}, {1}),
    ([2, 3], PERMISSIVE, True, {A, W}, {0, 1}),
])
def test_modes_table(levels, licence, reach, modes, bases):
    labs = make_labs(2, levels=levels, capability=25.0)
    reach_fn = everywhere(2) if reach else nowhere(2)
    st, rows, _ = _enter(labs, licence=licence, reach=reach_fn)
    assert set(st.build_mode[rows].tolist()) == modes
    assert set(st.base[rows].tolist()) == bases
    if not modes:
        assert rows.size == 0 and st.size == 0
    # weights only where the lab releases them
    w = st.build_mode[rows] == W
    assert np.all(labs.release_level[st.base[rows][w]] >= 3)


def test_restricted_niches_never_build_on_weights():
    labs = make_labs(2, levels=3, capability=25.0)
    st, rows, _ = _enter(labs, k=600, licence=RESTRICTED)
    niche, mode = st.niche[rows], st.build_mode[rows]
    assert np.all(mode[niche % 5 == 0] == A)
    assert np.any(niche % 5 == 0)  # the case happened
    assert np.any(mode[niche % 5 != 0] == W)


@pytest.mark.parametrize("name", ["closed", "api_only"])
def test_proprietary_regimes_have_no_weight_builders(name):
    regime = make_openness(Params.from_options(openness=name).openness)
    labs = make_labs(3, levels=regime.initial_levels(3), capability=[25.0, 24.5, 24.0])
    st, rows, _ = _enter(labs, licence=regime.licence)
    assert not np.any(st.build_mode[rows] == W)
    if name == "closed":
        assert rows.size == 0


@pytest.mark.parametrize(("levels", "capacity", "weight", "mode"), [
    ([2, 2], 1.0, 1.0, A),
    ([3, 3], 1.0, 1.0, W),
    ([3, 3], 0.0, 1.0, W),     # weights 0.6 - 0.6 = 0 still beat the API
    ([3, 3], 0.0, 2.0, A),     # weights 0.6 - 0.9 = -0.3: adapting costs too much
    ([3, 3], 0.5, 2.0, W),     # 0.6 - 0.6 = 0
])
def test_sharp_choice_takes_the_best_option(levels, capacity, weight, mode):
    # scores: API 0.3 + ln(0.7) = -0.06; weights 0.6 - 0.3 (1 + weight (1 - capacity));
    # lab 1 trails by one OOM
    labs = make_labs(2, levels=levels, capability=[25.0, 24.0])
    sp = StartupParams(base_choice_beta=1e3, adaptation_cost=0.3, capacity_adaptation=weight)
    st, rows, _ = _enter(labs, sp=sp, k=50, capacity=[capacity])
    assert st.base[rows].tolist() == [0] * 50
    assert st.build_mode[rows].tolist() == [mode] * 50


def test_entrant_state_follows_its_mode():
    labs = make_labs(2, levels=3, capability=25.0)
    sp = StartupParams(base_choice_beta=0.0, initial_cash=1.0, adaptation_cost=0.3,
                       api_fee_share=0.3)
    st, rows, ledger = _enter(labs, sp=sp, licence=Licence(commercial_fee=0.15))
    w = st.build_mode[rows] == W
    assert w.any() and (~w).any()
    np.testing.assert_allclose(st.fee_share[rows], np.where(w, 0.15, 0.3))
    np.testing.assert_allclose(st.cash[rows], np.where(w, 0.7, 1.0))
    np.testing.assert_allclose(st.compute[rows], np.where(w, 0.3 * 2.0, 0.0))
    assert np.all(st.alive[rows]) and np.all(st.skill[rows] == 0)
    assert ledger.flows["entrant_capital"] == pytest.approx(rows.size * 1.0)
    assert ledger.flows["adaptation"] == pytest.approx(-0.3 * w.sum())


# ---- capacity and the cost of adapting weights ----------------------------------------

@pytest.mark.parametrize(("capacity", "weight", "cost"), [
    ([1.0, 0.4, 0.0], 1.0, [0.3, 0.48, 0.6]),    # the ODD's example
    ([1.0, 0.4, 0.0], 0.0, [0.3, 0.3, 0.3]),     # capacity plays no part
    ([0.5, 0.2], 2.0, [0.6, 0.78]),
])
def test_adaptation_cost_table(capacity, weight, cost):
    sp = StartupParams(adaptation_cost=0.3, capacity_adaptation=weight)
    got = startups.adaptation_cost(sp, np.array(capacity))
    np.testing.assert_allclose(got, cost, rtol=1e-12)


def test_build_options_charge_each_entrant_its_adaptation_cost():
    labs = make_labs(2, levels=3, capability=[25.0, 24.0])
    sp = StartupParams(api_bonus=0.3, fine_tune_bonus=0.6, api_fee_share=0.3)
    s_api, s_w, fee = startups.build_options(labs, sp, PERMISSIVE, np.array([0, 1]),
                                             np.array([0, 0]), everywhere(2),
                                             np.array([0.3, 0.6]))
    np.testing.assert_allclose(s_w, [[0.3, -0.7], [0.0, -1.0]], atol=1e-12)
    np.testing.assert_allclose(s_api, 0.3 + np.log(0.7) - np.array([[0.0, 1.0]] * 2))
    np.testing.assert_allclose(fee, 0.0)


def test_adaptation_cost_follows_the_entrants_jurisdiction():
    # a north of full capacity and a south of none; half the entrants in each
    labs = make_labs(2, levels=3, capability=25.0)
    sp = StartupParams(base_choice_beta=0.0, initial_cash=1.0, adaptation_cost=0.3,
                       capacity_adaptation=1.0)
    st, rows, ledger = _enter(labs, sp=sp, k=600, market_share=(0.5, 0.5),
                              capacity=[1.0, 0.0])
    w = st.build_mode[rows] == W
    jur = st.jurisdiction[rows]
    cost = np.where(jur == 0, 0.3, 0.6) * w
    assert np.any(w & (jur == 0)) and np.any(w & (jur == 1))
    np.testing.assert_allclose(st.cash[rows], 1.0 - cost, atol=1e-12)
    np.testing.assert_allclose(st.compute[rows], cost * 2.0, atol=1e-12)
    assert ledger.flows["adaptation"] == pytest.approx(-cost.sum())


# ---- free entry ----------------------------------------------------------------------

MKT = MarketParams(market_size=100.0, marginal_cost=0.2)  # 1000 users: 0.02 mu a user


def g(x):
    return 2.0 / (1.0 + np.exp(-x))


# startups: (born, revenue, fee share, users, mode, alive); t = 12, so born >= 4 is recent;
# fixed cost 0.1, sensitivity 1: g = 2 / (1 + exp(-(m - 0.1) / 0.1))
@pytest.mark.parametrize(("rows", "sponsorship", "expected"), [
    ([(10, 0.1, 0.0, 0, A, True)], 0.0, 1.0),                    # margin = fixed cost
    ([(10, 0.0, 0.0, 0, A, True)], 0.0, g(-1.0)),                # nothing earned: 0.54
    ([(10, 0.2, 0.0, 0, A, True)], 0.0, g(1.0)),                 # twice the cost: 1.46
    ([(10, 0.0, 0.0, 0, A, True), (11, 0.2, 0.0, 0, A, True)], 0.0, 1.0),   # the mean
    ([(10, 0.2, 0.5, 0, A, True)], 0.0, 1.0),                    # fees upstream
    ([(10, 0.3, 0.0, 10, A, True)], 0.0, 1.0),                   # serving 10 users: 0.2
    ([(10, 100.0, 0.0, 0, A, True)], 0.0, 2.0),                  # at most twice the rate
    ([(10, 0.0, 0.0, 10_000, A, True)], 0.0, 0.0),               # ... and at least none
    # recent entrants only: an incumbent's wide margin is not what a newcomer can expect
    ([(0, 5.0, 0.0, 0, A, True), (10, 0.0, 0.0, 0, A, True)], 0.0, g(-1.0)),
    ([(4, 0.0, 0.0, 0, A, True), (3, 5.0, 0.0, 0, A, True)], 0.0, g(-1.0)),
    ([(0, 0.2, 0.0, 0, A, True), (1, 0.0, 0.0, 0, A, True)], 0.0, 1.0),  # none recent: all
    ([(10, 0.0, 0.0, 0, A, True), (10, 5.0, 0.0, 0, A, False)], 0.0, g(-1.0)),  # the dead
    ([], 0.0, 1.0),                                              # nobody to judge by
    # builders on weights also pass sponsorship to contributors (the function's docstring;
    # ODD 7.8 and Appendix D item 8 still say margins are taken before sponsorship)
    ([(10, 0.2, 0.0, 0, W, True)], 0.5, 1.0),
    ([(10, 0.2, 0.0, 0, A, True)], 0.5, g(1.0)),
])
def test_prospects_table(rows, sponsorship, expected):
    born, revenue, fee, users, mode, alive = (list(c) for c in zip(*rows, strict=True)) \
        if rows else ([],) * 6
    st = make_startups(len(rows), born=born, revenue=revenue, fee_share=fee, users=users,
                       build_mode=mode, alive=alive)
    sp = StartupParams(fixed_cost=0.1, entry_sensitivity=1.0)
    got = startups.prospects(st, sp, MKT, 1000, 12, sponsorship)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize(("fixed", "sensitivity"), [(0.0, 1.0), (0.1, 0.0)])
def test_prospects_neutral_without_a_cost_or_a_sensitivity(fixed, sensitivity):
    st = make_startups(1, born=10, revenue=5.0)
    sp = StartupParams(fixed_cost=fixed, entry_sensitivity=sensitivity)
    assert startups.prospects(st, sp, MKT, 1000, 12) == 1.0


@pytest.mark.parametrize(("outlook", "mean"), [(1.0, 400.0), (0.5, 200.0), (1.5, 600.0),
                                               (0.0, 0.0)])
def test_entry_follows_the_outlook(outlook, mean):
    labs = make_labs(2, levels=2, capability=25.0)
    sp = StartupParams(base_choice_beta=0.0, entry_rate=400.0, open_entry_boost=0.0)
    counts = [_enter(labs, k=None, sp=sp, outlook=outlook, seed=seed)[1].size
              for seed in range(3)]
    assert abs(np.mean(counts) - mean) <= 5 * np.sqrt(mean / 3) + 1e-9


@pytest.mark.parametrize(("alive", "k", "entered"), [(3, 10, 2), (5, 10, 0), (0, 3, 3),
                                                     (0, 0, 0)])
def test_entry_is_capped_by_max_startups(alive, k, entered):
    labs = make_labs(2, levels=2, capability=25.0)
    st = make_startups(alive, base=0, build_mode=A)
    pop = PopulationParams(n_niches=10, max_startups=5)
    st, rows, _ = _enter(labs, k=k, pop=pop, st=st)
    assert rows.size == entered and st.n_alive == alive + entered


# ---- losing the base ---------------------------------------------------------------

@pytest.mark.parametrize(("level", "mode", "alive", "orphan"), [
    (0, A, True, True),
    (1, A, True, True),      # hosted only: no API any more
    (2, A, True, False),
    (3, A, True, False),     # weights still come with an API
    (0, W, True, False),     # downloaded weights are kept
    (1, W, True, False),
    (1, A, False, False),    # already gone
])
def test_orphans_table(level, mode, alive, orphan):
    labs = make_labs(2, levels=[level, 2])
    st = make_startups(2, base=[0, 1], build_mode=[mode, A], alive=[alive, True])
    assert startups.orphans(st, labs).tolist() == ([0] if orphan else [])


def test_no_startups_no_orphans():
    assert startups.orphans(make_startups(0), make_labs(2, levels=1)).size == 0


# ---- quality ---------------------------------------------------------------------------

def test_quality_table():
    # lab 0 released weights at 25 and now holds a closed model at 26; lab 1 never released
    labs = make_labs(2, levels=2, capability=26.0, open_capability=[25.0, -np.inf])
    st = make_startups(4, base=[0, 0, 1, 1], build_mode=[W, A, W, A], skill=0.1)
    sp = StartupParams(fine_tune_bonus=0.6, api_bonus=0.3)
    live = startups.update_quality(st, labs, sp, np.full(4, 0.05))
    assert live.tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(st.skill[:4], 0.15)
    # a builder on weights has the weights released (25), one on the API the current model
    np.testing.assert_allclose(st.quality[:4], [25.0 + 0.6 + 0.15, 26.0 + 0.3 + 0.15,
                                                26.0 + 0.6 + 0.15, 26.0 + 0.3 + 0.15])


# ---- running costs -------------------------------------------------------------------

def test_pay_running_costs():
    st = make_startups(4, cash=[1.0, 0.04, 0.05, -3.0], compute=[2.0, 2.0, 2.0, 2.0],
                       alive=[True, True, True, False])
    ledger = Ledger()
    broke = startups.pay_running_costs(st, StartupParams(fixed_cost=0.05), 0.25, ledger)
    assert broke.tolist() == [1]  # cash exactly 0 is not broke
    np.testing.assert_allclose(st.cash[:4], [0.95, -0.01, 0.0, -3.0], atol=1e-15)
    np.testing.assert_allclose(st.compute[:4], [1.5, 1.5, 1.5, 2.0])
    assert ledger.flows["fixed_costs"] == pytest.approx(-0.15)


@pytest.mark.parametrize(("acquirer", "redirect"), [(None, -1), (1, 1)])
def test_leave(acquirer, redirect):
    st = make_startups(3, cash=[0.5, -0.2, 1.0])
    ledger = Ledger()
    startups.leave(st, np.array([0, 1]), acquirer, ledger)
    assert st.alive[:3].tolist() == [False, False, True]
    assert st.redirect[:2].tolist() == [redirect, redirect]
    assert ledger.flows["exits"] == pytest.approx(-0.3)
