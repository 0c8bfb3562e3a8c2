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
"""Startups: entry and base choice, orphans, running costs (ODD 7.8, 7.9)."""

from __future__ import annotations

import numpy as np
import pytest
from rule_states import Ledger, make_labs, make_startups, quarter

from sim.params import Params, PopulationParams, StartupParams
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


def _enter(labs, *, k=300, licence=PERMISSIVE, reach=None, sp=None, pop=POP, st=None, seed=0):
    st = st if st is not None else make_startups(0)
    ledger = Ledger()
    rows = startups.enter(st, labs, sp or StartupParams(base_choice_beta=0.0), pop, licence, 0,
                          k=k, reach=reach or everywhere(labs.n), market_share=(1.0,),
                          compute_per_mu=2.0, ledger=ledger, draws=quarter(seed))
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


@pytest.mark.parametrize(("levels", "mode"), [([2, 2], A), ([3, 3], W)])
def test_sharp_choice_takes_the_best_option(levels, mode):
    # scores: API 0.3 + ln(0.7) = -0.06; weights 0.6 - 0.3 = 0.3; lab 1 trails by one OOM
    labs = make_labs(2, levels=levels, capability=[25.0, 24.0])
    st, rows, _ = _enter(labs, sp=StartupParams(base_choice_beta=1e3), k=50)
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
