"""Extreme scenarios: each runs with every invariant intact after every step, or, where
the scenario has no meaning for the model, is refused with the one-line error."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import tiny_params
from invariants import check_invariants

from sim import EcosystemModel
from sim.params import ConfigError, Params


def run_checked(params: Params, seed: int = 3) -> EcosystemModel:
    """Run every step under strict floating-point checks and assert the invariants."""
    model = EcosystemModel(params, rng=seed)
    for _ in range(params.run.steps):
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            model.step()
        check_invariants(model)
    assert len(model.history) == params.run.steps
    return model


# -- zero agents of any one type ------------------------------------------------------------
@pytest.mark.parametrize("kind,population,extra", [
    ("labs", {"n_labs": 0}, {}),
    ("startups", {"n_startups": 0, "max_startups": 0}, {}),
    ("startups (no entry)", {"n_startups": 0}, {"startups": {"entry_rate": 0.0}}),
    ("civil society", {"n_civil_society": 0}, {}),
    ("malicious actors", {"n_malicious": 0}, {}),
    ("all organisations",
     {"n_labs": 0, "n_startups": 0, "n_civil_society": 0, "n_malicious": 0}, {}),
])
def test_zero_agents_of_one_type(kind, population, extra):
    model = run_checked(tiny_params(steps=8, population=population, **extra))
    counts = {"labs": model.labs.n, "civil society": model.civil_society.n,
              "malicious actors": model.malicious.n}
    if kind in counts:
        assert counts[kind] == 0
    if kind.startswith("startups"):
        assert model.startups.n_alive == 0
    if population.get("n_labs") == 0:  # no provider: nobody is served, nothing is sold
        assert all(row["access_share"] == 0.0 and row["market_empty"] and np.isnan(row["hhi"])
                   for row in model.history)
        assert model.ledger.flows.get("user_payments", 0.0) == 0.0


@pytest.mark.parametrize("group,key", [("jurisdictions", "n"), ("population", "n_users")])
def test_zero_governments_or_users_is_refused_in_one_line(group, key):
    # every user lives in a jurisdiction and every jurisdiction has one government
    params = tiny_params(**{group: {key: 0}})
    with pytest.raises(ConfigError, match=rf"^{group}\.{key}=0 is invalid: must be an integer"):
        EcosystemModel(params)


# -- one of a kind ---------------------------------------------------------------------------
@pytest.mark.parametrize("openness", ["closed", "api_only", "open_weights", "endogenous"])
def test_one_lab(openness):
    from experiments.cli.config import compose_params

    params, _ = compose_params(["population=tiny", "population.n_labs=1", f"openness={openness}",
                                "run.steps=10", "run.progress=false"])
    model = run_checked(params)
    assert model.labs.n == 1
    if openness != "closed":  # a lone serving lab (and its builders) share the market
        assert model.history[-1]["hhi"] > 0


def test_one_user():
    model = run_checked(tiny_params(steps=10, population={"n_users": 1},
                                    market={"initial_adoption": 1.0}))
    assert model.users.n == 1 and model.users.adopted[0] == 1
    served = [row["access_share"] == 1.0 for row in model.history]
    assert any(served)  # she buys from someone: one provider has the whole market
    for row, alone in zip(model.history, served, strict=True):
        assert row["hhi"] == 10000.0 if alone else np.isnan(row["hhi"])


def test_one_niche():
    model = run_checked(tiny_params(steps=10, population={"n_niches": 1}))
    assert np.all(model.users.niche == 0)
    assert np.all(model.startups.niche[: model.startups.size] == 0)


def test_every_user_reconsiders_every_step():
    def switches(prob: float) -> int:
        params = tiny_params(steps=10, market={"reconsider_prob": prob, "initial_adoption": 1.0})
        model = EcosystemModel(params, rng=5)
        moved = 0
        for _ in range(params.run.steps):
            before = model.users.choice.copy()
            with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                model.step()
            check_invariants(model)
            moved += int(np.count_nonzero(model.users.choice != before))
        return moved

    assert switches(1.0) > 2 * switches(0.1)  # far more users redraw, and some move


# -- enormous and tiny prices and capabilities ----------------------------------------------
@pytest.mark.parametrize("label,groups", [
    ("enormous prices: serving cost 1e6", {"market": {"marginal_cost": 1e6}}),
    ("enormous markups: price sensitivity 1e-6", {"market": {"alpha_mean": 1e-6}}),
    ("tiny prices: free serving, sensitivity 1e6",
     {"market": {"marginal_cost": 0.0, "alpha_mean": 1e6}}),
    ("enormous market", {"market": {"market_size": 1e9}}),
    ("tiny market", {"market": {"market_size": 1e-6}}),
    ("enormous capabilities", {"labs": {"initial_frontier": 40.0, "flop_per_mu": 1e12,
                                        "hardware_progress": 1.0, "initial_spread": 10.0}}),
    ("tiny capabilities", {"labs": {"initial_frontier": 0.0, "flop_per_mu": 1e-12,
                                    "initial_spread": 0.0},
                           "malicious": {"baseline_capability": 0.0}}),
    ("enormous money", {"labs": {"initial_cash": 1e9, "external_funding": 1e9,
                                 "funding_growth": 1.0, "funding_cap": 1e12}}),
])
def test_extreme_prices_and_capabilities(label, groups):
    model = run_checked(tiny_params(steps=12, **groups))
    caps = model.labs.capability
    assert np.all(np.isfinite(caps)) and np.all(caps <= 300.0), label


def test_enormous_prices_price_users_out():
    model = run_checked(tiny_params(steps=6, market={"marginal_cost": 1e6}))
    assert model.history[-1]["access_share"] == 0.0


# -- every lab unsafe, disaster certain ------------------------------------------------------
def test_all_labs_unsafe_with_disaster_risk_one():
    params = tiny_params(steps=20, race={"initial_safe_share": 0.0, "disaster_risk": 1.0,
                                         "mutation": 0.0})
    model = run_checked(params)
    n, harm = model.labs.n, params.race.disaster_harm
    assert all(row["disasters"] == n for row in model.history)
    assert all(row["harm"] >= n * harm for row in model.history)
    assert all(row["safe_share"] == 0.0 for row in model.history)
    assert model.ledger.flows["disaster_losses"] < 0


# -- long runs and the largest population ---------------------------------------------------
def test_four_hundred_steps():
    params = tiny_params(steps=400, population={"n_users": 20_000})
    model = run_checked(params)
    assert model.history[-1]["step"] == 400


LARGEST = ["population=large", "population.n_users=10000000", "run.progress=false"]


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["meanfield", "network"])
def test_largest_population_runs_and_records_its_memory(record_property, variant):
    """The schema's largest user population (1e7) with the large tier's agents, for both
    adoption variants (the network variant holds 1e8 directed contacts)."""
    code = ("import json, sys; from experiments.bench import memory_child; "
            "memory_child(json.loads(sys.argv[1]), int(sys.argv[2]))")
    overrides = [*LARGEST, f"diffusion.variant={variant}"]
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(overrides), "3"],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("BENCH "))
    info = json.loads(line[len("BENCH "):])
    peak = info["vmhwm_bytes"] or info["maxrss_bytes"]
    record_property("peak_memory_bytes", peak)
    print(f"largest population ({variant}): {info['users']} users, {info['agents']} agents, "
          f"peak memory {peak / 2**30:.2f} GiB")
    assert info["users"] == 10_000_000
    assert peak < 12 * 2**30  # half of these machines' 24 GiB
