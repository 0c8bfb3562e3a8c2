"""Scenario discovery: PRIM finds a known box (a categorical restriction under pandas 3),
and the EMA adapter runs under EMA Workbench's own perform_experiments."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.discovery import case, case_names, discover
from experiments.cli.sensitivity import outcome_column
from sim.params import ConfigError


def synthetic(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.uniform(0, 1, n), "b": rng.uniform(0, 1, n),
                      "c": pd.Categorical(rng.choice(["p", "q", "r"], n),
                                          categories=["p", "q", "r"])})
    y = ((x["a"] > 0.6) & (x["c"] != "r")).to_numpy()
    return x, y


def test_prim_recovers_a_known_box_with_a_categorical_restriction():
    x, y = synthetic()
    d = discover(x, y, threshold=0.95)
    lim = d.limits.set_index("factor")
    assert set(lim.index) == {"a", "c"}  # b is noise and stays unrestricted
    lo, hi = (float(v) for v in lim.loc["a", "box"].split(" to "))
    assert lo == pytest.approx(0.6, abs=0.03) and hi == pytest.approx(1.0, abs=0.01)
    assert set(lim.loc["c", "box"].split(", ")) == {"p", "q"}
    c = d.trajectory.loc[d.chosen]
    assert c["density"] >= 0.95 and c["coverage"] >= 0.9
    assert (lim["qp"] < 1e-6).all()  # both restrictions far from chance
    scores = d.scores.set_index(d.scores.columns[0]).iloc[:, 0]
    assert scores["b"] < min(scores["a"], scores["c"])


def test_ema_inspect_works_under_the_installed_pandas():
    from ema_workbench.analysis import prim

    from analysis.ema_compat import patch_prim

    patch_prim()
    x, y = synthetic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = prim.Prim(x, y, threshold=0.8).find_box()
    stats, lims = box.inspect(style="data")[0]
    assert isinstance(lims.loc["c"].iloc[0], set) and stats["density"] == 1.0
    box.inspect()  # the printed table too


@pytest.mark.parametrize("expr, words", [("hhii > 2500", "unknown outcome"),
                                         ("hhi >", "is not an expression"),
                                         ("2500", "names no outcome")])
def test_bad_cases_are_refused(expr, words):
    with pytest.raises(ConfigError, match=words):
        case_names(expr, outcome_column)


def test_case_is_evaluated_on_summary_columns():
    names = case_names("hhi > 2500 and harm < 1", outcome_column)
    assert names == {"harm": "harm_mean", "hhi": "hhi_final"}
    out = pd.DataFrame({"hhi_final": [3000.0, 3000.0, 100.0], "harm_mean": [0.5, 2.0, 0.1]})
    assert case("hhi > 2500 and harm < 1", names, out).tolist() == [True, False, False]
    with pytest.raises(ConfigError, match="true or false"):
        case("hhi + 1", {"hhi": "hhi_final"}, out)


@pytest.fixture
def global_numpy_state():
    """numpy's global generator as it was before the test (EMA samples from it)."""
    state = np.random.get_state()  # noqa: NPY002 - EMA Workbench's samplers use the legacy global
    yield
    np.random.set_state(state)  # noqa: NPY002


def test_the_adapter_runs_under_perform_experiments(global_numpy_state):
    from ema_workbench import SequentialEvaluator, perform_experiments

    from experiments.ema import ema_model

    # A network effect above about 0.3 can keep a 300-user market empty for its first
    # quarters (no provider yet has users; hhi is then NaN by definition), so the range
    # stays below it; EMA's Latin hypercube draws from numpy's global generator, seeded here.
    model = ema_model(["market.network_effect=0:0.3", "malicious.harm_per_uplift"],
                      levers=["openness=closed|open_weights"], outcomes=["hhi", "harm"],
                      overrides={"population.n_users": 300, "population.n_labs": 3,
                                 "population.n_startups": 2, "population.n_malicious": 10,
                                 "population.n_civil_society": 2, "run.steps": 3})
    assert [u.name for u in model.uncertainties] == ["market.network_effect",
                                                     "malicious.harm_per_uplift"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.random.seed(20261201)  # noqa: NPY002 - the generator EMA's LHS draws from
        with SequentialEvaluator(model) as ev:
            experiments, outcomes = perform_experiments(model, scenarios=3, policies=2,
                                                        evaluator=ev)
    assert len(experiments) == 6 and set(outcomes) == {"hhi_final", "harm_mean"}
    assert np.isfinite(outcomes["hhi_final"]).all()
    assert set(experiments["openness"]) <= {"closed", "open_weights"}
    # closed and open policies differ on the same scenarios (a real model ran)
    assert np.unique(outcomes["hhi_final"]).size > 1
