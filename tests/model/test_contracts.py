"""Contract tests: every regime builds, steps, keeps its invariants and reproduces."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest
from conftest import numeric_columns, tiny_params
from invariants import check_invariants

from sim import EcosystemModel, run
from sim.agents import CivilSocietyOrganisation, Government, Lab, MaliciousActor, Startup
from sim.metrics import OUTCOMES
from sim.regimes import OPENNESS, REGULATION

OPENNESS_NAMES = sorted(OPENNESS)
REGULATION_NAMES = sorted(REGULATION)
BRIEF_COLUMNS = [
    "step", "seed", "hhi", "cr4", "hhi_upstream", "gini_capability", "frontier_capability",
    "open_frontier_gap", "startups_alive", "startup_entries", "startup_exits", "acquisitions",
    "misuse_attempts", "harm", "vulnerabilities_open", "vulnerabilities_patched", "trust",
    "access_share", "meaningful_access", "consumer_surplus", "welfare", "contributions",
    "contributor_revenue", "safe_share", "disasters", "lax_jurisdiction_share"]


def regime_params(openness: str, regulation: str, steps: int = 4, **extra):
    from experiments.cli.config import compose_params

    params, _ = compose_params([f"openness={openness}", f"regulation={regulation}",
                                "population=tiny", f"run.steps={steps}", "run.progress=false",
                                *extra.get("overrides", [])])
    return params


@pytest.mark.parametrize("openness", OPENNESS_NAMES)
@pytest.mark.parametrize("regulation", REGULATION_NAMES)
def test_every_regime_pair_steps_and_keeps_invariants(openness, regulation):
    model = EcosystemModel(regime_params(openness, regulation))
    for _ in range(model.params.run.steps):
        model.step()
        check_invariants(model)
    assert model.steps == model.params.run.steps
    assert model.history[-1]["openness"] == openness


@pytest.mark.parametrize("layout", ["single", "two_blocs", "fragmented"])
@pytest.mark.parametrize("switches", [
    [], ["regulation.merger_control=true", "regulation.export_controls=true",
         "regulation.capacity_programmes=0.05", "regulation.adaptive=true",
         "regulation.adaptive_lag=1", "jurisdictions.cooperation=0.5"]])
def test_jurisdictions_and_switches_keep_invariants(layout, switches):
    params = regime_params("open_weights", "risk_tiered", steps=6,
                           overrides=[f"jurisdictions={layout}", *switches])
    model = EcosystemModel(params)
    for _ in range(6):
        model.step()
        check_invariants(model)


def test_network_diffusion_variant_runs():
    params = tiny_params(steps=4, diffusion={"variant": "network", "user_degree": 6})
    result = run(params)
    assert result.metrics["adoption_share"].is_monotonic_increasing


def test_metrics_have_every_brief_column_and_documented_units():
    metrics = run(tiny_params(steps=2)).metrics
    for column in BRIEF_COLUMNS:
        assert column in metrics.columns, column
    documented = set(OUTCOMES)
    numeric = set(numeric_columns(metrics))
    assert numeric <= documented, numeric - documented
    assert list(metrics["step"]) == [1, 2]


def test_same_seed_same_metrics_and_different_seed_differs():
    a = run(tiny_params(steps=5), rng=11).metrics
    b = run(tiny_params(steps=5), rng=11).metrics
    c = run(tiny_params(steps=5), rng=12).metrics
    pd.testing.assert_frame_equal(a, b)
    assert not a[numeric_columns(a)].equals(c[numeric_columns(c)])


def test_model_pickles_and_resumes_identically():
    model = EcosystemModel(tiny_params(steps=4), rng=5)
    model.step()
    clone = pickle.loads(pickle.dumps(model))
    for _ in range(3):
        model.step()
        clone.step()
    pd.testing.assert_frame_equal(pd.DataFrame(model.history), pd.DataFrame(clone.history))


def test_agents_are_mesa_views_on_the_arrays():
    model = EcosystemModel(tiny_params(), rng=2)
    model.step()
    labs = model.views(Lab)
    assert len(labs) == model.labs.n
    assert labs[0].capability == model.labs.capability[0]
    assert len(model.views(Government)) == model.governments.n
    assert len(model.views(CivilSocietyOrganisation)) == model.civil_society.n
    assert len(model.views(MaliciousActor)) == model.malicious.n
    assert len(model.views(Startup)) == model.startups.n_alive


def test_exited_startups_lose_their_mesa_agent():
    params = tiny_params(steps=12, startups={"fixed_cost": 5.0})
    model = EcosystemModel(params, rng=4)
    for _ in range(12):
        model.step()
    exits = sum(row["startup_exits"] + row["acquisitions"] for row in model.history)
    assert exits > 0
    assert len(model.views(Startup)) == model.startups.n_alive


def test_agent_snapshot_recorded_every_record_every_steps():
    result = run(tiny_params(steps=6, run={"record_every": 3}))
    assert sorted(result.agents["step"].unique()) == [3, 6]
    kinds = set(result.agents["agent_type"])
    assert kinds == {"lab", "startup", "government", "civil_society", "malicious"}


@pytest.mark.parametrize("group,key", [("population", "n_labs"), ("population", "n_civil_society"),
                                       ("population", "n_malicious"),
                                       ("population", "n_startups")])
def test_zero_agents_of_one_type_runs(group, key):
    model = EcosystemModel(tiny_params(steps=3, **{group: {key: 0}}), rng=1)
    for _ in range(3):
        model.step()
        check_invariants(model)


def test_restored_model_keeps_numbering_agents_and_models_are_freed():
    import gc
    import weakref

    params = tiny_params(steps=6, startups={"entry_rate": 20.0})
    model = EcosystemModel(params, rng=8)
    model.step()
    clone = pickle.loads(pickle.dumps(model))
    for _ in range(4):
        model.step()
        clone.step()
    ids = sorted(a.unique_id for a in model.agents)
    assert ids == sorted(a.unique_id for a in clone.agents)
    assert len(set(ids)) == len(ids)
    # Mesa's own id counters hold every model forever; ours let a finished model go
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None
