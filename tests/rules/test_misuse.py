# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - safeguards on weights too: test_safeguards_table
# - safeguards ignored: test_liability_hardens_safeguards, test_safeguards_table
# - unreached weights unmonitored: test_safeguards_table
# - caught actors not inactive: test_caught_actor_acts_again_from_t_plus_inactive_quarters, ...
# - caught actors keep their technique: test_caught_actor_sits_out_and_forgets
# - inactive actors act: test_caught_actor_acts_again_from_t_plus_inactive_quarters, ...
# - harm without skill: test_harm_table
# - open-weight misuse fully traced: test_harm_table
# - internal models targetable: test_indifferent_actors_with_an_internal_model_compute_cleanly, ...
# - liability does not harden safeguards: test_liability_hardens_safeguards
# Since issue 14:
# - target_beta x value where the value is -inf (NaN):
#   test_indifferent_actors_with_an_internal_model_compute_cleanly
"""Malicious actors: targets, attempts, safeguards, arrests and harm (ODD 7.11)."""

from __future__ import annotations

import numpy as np
import pytest
from rule_states import make_labs, quarter, scenario

from sim.params import DiffusionParams, MaliciousParams
from sim.rules import misuse
from sim.state import MaliciousStore
from sim.vocabulary import ATTACK_ACCESS

# nobody learns a technique during a test unless it says so
FROZEN = DiffusionParams(technique_discovery=0.0, technique_sharing=0.0)
# every active actor tries with probability 1/2, whatever the value
EAGER = {"attempt_prob": 1.0, "target_beta": 0.0, "sanction": 0.0, "strip_cost": 0.0,
         "harm_per_uplift": 0.5}


def make_mal(n, knows=1, seed=0):
    mal = MaliciousStore(scenario(2, n_malicious=n), quarter(seed, 0))
    mal.knows_technique[:] = knows
    return mal


def _act(mal, labs, *, t=10, reach=True, detection=0.0, liability=0.0, seed=0, **mp):
    def reach_fn(jurisdiction, chooser, stream):
        return np.full((len(jurisdiction), labs.n), reach, dtype=bool)

    return misuse.act(mal, labs, MaliciousParams(**{**EAGER, **mp}), FROZEN, t, key=7,
                      baseline=24.0, liability=np.full(labs.n, liability),
                      detection=np.full(1, detection), attribution_open=0.2, reach=reach_fn,
                      draws=quarter(seed, t))


@pytest.mark.parametrize(("n_actors", "n_labs"), [(0, 3), (0, 0), (50, 0)])
def test_nobody_to_act_is_a_zero_outcome(n_actors, n_labs):
    mal = make_mal(n_actors)
    labs = make_labs(n_labs, levels=3, capability=26.0)
    out = _act(mal, labs)
    assert (out.attempts, out.successes, out.caught, out.harm) == (0, 0, 0, 0.0)
    assert out.exposure.shape == (n_labs,) and not out.exposure.any()
    assert np.all(mal.target == -1)
    assert not labs.harm_caused.any() and not labs.harm_traced.any()


@pytest.mark.parametrize(("level", "reach", "safeguards", "monitoring", "all_succeed"), [
    (1, True, 1.0, 1.0, False),   # hosted: monitored, safeguards block everything
    (2, True, 1.0, 1.0, False),   # API: the same
    (2, True, 1.0, 0.0, False),
    (3, False, 1.0, 1.0, False),  # weights withheld: misuse goes through the provider
    (3, True, 1.0, 1.0, True),    # downloaded weights have no safeguards
    (4, True, 1.0, 0.0, True),
    (2, True, 0.0, 0.0, True),    # no safeguards
])
def test_safeguards_table(level, reach, safeguards, monitoring, all_succeed):
    mal = make_mal(400)
    labs = make_labs(2, levels=level, capability=26.0)
    out = _act(mal, labs, reach=reach, safeguards=safeguards, monitoring=monitoring)
    assert out.attempts > 100  # about half of 400 try
    assert out.successes == (out.attempts if all_succeed else 0)
    assert (out.harm > 0) is all_succeed


def test_liability_hardens_safeguards():
    # safeguards 0.5 + (1 - 0.5) * hardening 1 * liability 1 = 1: nothing gets through
    mal = make_mal(400)
    labs = make_labs(2, levels=2, capability=26.0)
    out = _act(mal, labs, safeguards=0.5, liability_hardening=1.0, liability=1.0)
    assert out.attempts > 100 and out.successes == 0


@pytest.mark.parametrize(("knows", "level", "per_success", "traced"), [
    (1, 3, 1.0, 0.2),   # uplift 2 OOM * 0.5 harm per OOM, full skill; weights: 20% traced
    (0, 3, 0.5, 0.2),   # without a technique: half the skill
    (1, 2, 1.0, 1.0),   # through the API: fully traced (no safeguards here)
])
def test_harm_table(knows, level, per_success, traced):
    mal = make_mal(300, knows=knows)
    labs = make_labs(1, levels=level, capability=26.0)
    out = _act(mal, labs, safeguards=0.0, skill_without_technique=0.5)
    assert out.successes == out.attempts > 0
    assert out.harm == pytest.approx(per_success * out.attempts)
    assert labs.harm_caused[0] == pytest.approx(out.harm)
    assert labs.harm_traced[0] == pytest.approx(traced * out.harm)
    assert out.exposure[0] == pytest.approx(ATTACK_ACCESS[level] * out.attempts)
    assert (mal.target >= 0).sum() == out.attempts


def test_no_uplift_no_harm():
    mal = make_mal(300)
    labs = make_labs(1, levels=3, capability=23.0)  # below the baseline of 24
    out = _act(mal, labs, safeguards=0.0)
    assert out.successes > 0 and out.harm == 0.0


def test_internal_models_are_never_targets():
    mal = make_mal(300)
    labs = make_labs(3, levels=[0, 2, 0], capability=26.0)
    out = _act(mal, labs, target_beta=0.1)
    assert out.attempts > 0
    assert set(mal.target[mal.target >= 0].tolist()) == {1}
    assert out.exposure[0] == 0 and out.exposure[2] == 0


def test_indifferent_actors_with_an_internal_model_compute_cleanly():
    # target_beta = 0 (a valid value) times the -inf value of a level-0 lab was NaN (a strict
    # xfail until issue 14); a disallowed target now stays -inf whatever target_beta
    mal = make_mal(50)
    labs = make_labs(2, levels=[0, 2], capability=26.0)
    with np.errstate(invalid="raise"):
        out = _act(mal, labs, target_beta=0.0)
    assert out.attempts > 0
    assert set(mal.target[mal.target >= 0].tolist()) == {1}
    assert out.exposure[0] == 0


def test_caught_actor_sits_out_and_forgets():
    mal = make_mal(300)
    labs = make_labs(1, levels=3, capability=26.0)
    out = _act(mal, labs, t=10, detection=1.0, inactive_quarters=4)
    caught = np.flatnonzero(mal.target >= 0)
    assert out.caught == out.attempts == caught.size > 0
    assert np.all(mal.knows_technique[caught] == 0)
    others = np.setdiff1d(np.arange(300), caught)
    assert np.all(mal.knows_technique[others] == 1)
    for t in (11, 12, 13):  # out of action in the quarters after it was caught
        _act(mal, labs, t=t, seed=t)
        assert np.all(mal.target[caught] == -1), t


@pytest.mark.parametrize("quarters", [1, 2, 4])
def test_caught_actor_acts_again_from_t_plus_inactive_quarters(quarters):
    # as documented (malicious.inactive_quarters; ODD 7.11 and Appendix D): caught in
    # quarter t, it sits out quarters t + 1 .. t + inactive_quarters - 1
    mal = make_mal(300)
    labs = make_labs(1, levels=3, capability=26.0)
    _act(mal, labs, t=10, detection=1.0, inactive_quarters=quarters)
    caught = np.flatnonzero(mal.target >= 0)
    assert np.all(mal.inactive_until[caught] == 10 + quarters)
    for t in range(11, 10 + quarters):
        _act(mal, labs, t=t, seed=t)
        assert np.all(mal.target[caught] == -1), t
    _act(mal, labs, t=10 + quarters, seed=99)
    back = (mal.target[caught] >= 0).mean()  # each tries with probability 1/2
    assert abs(back - 0.5) <= 5 * np.sqrt(0.25 / caught.size)


def test_inactive_actors_do_not_act():
    mal = make_mal(300)
    mal.inactive_until[:150] = 11
    labs = make_labs(1, levels=3, capability=26.0)
    out = _act(mal, labs, t=10)
    assert out.attempts > 0 and np.all(mal.target[:150] == -1)
    _act(mal, labs, t=11)
    assert np.any(mal.target[:150] >= 0)
