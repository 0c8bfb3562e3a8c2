"""The Python API: Hydra-free, SPEC 7 seeding, results object."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import tiny_params

from sim import ConfigError, EcosystemModel, Params, run
from sim.validation import validate


def test_library_does_not_import_hydra_or_seaborn():
    code = ("import sys; from sim import EcosystemModel, Params, run; "
            "run(Params().replace(population={'n_users': 500}, run={'steps': 1})); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('hydra', 'seaborn')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("rng", [7, np.random.SeedSequence(7)])
def test_seed_and_seed_sequence_give_the_same_run(rng):
    a = run(tiny_params(), rng=7).metrics
    b = run(tiny_params(), rng=rng).metrics
    pd.testing.assert_frame_equal(a, b)


def test_generator_rng_is_accepted_and_reproducible():
    a = run(tiny_params(), rng=np.random.default_rng(3)).metrics
    b = run(tiny_params(), rng=np.random.default_rng(3)).metrics
    pd.testing.assert_frame_equal(a, b)


def test_params_run_seed_is_the_default_rng():
    a = run(tiny_params(run={"seed": 9})).metrics
    b = run(tiny_params(), rng=9).metrics
    pd.testing.assert_frame_equal(a, b)


def test_results_carry_manifest_and_agents():
    result = run(tiny_params(steps=4, run={"record_every": 2}), rng=1)
    assert result.manifest["seed"] == 1 and result.manifest["steps"] == 4
    assert len(result.manifest["config_hash"]) == 64
    assert set(result.agents["step"]) == {2, 4}


def test_model_steps_one_at_a_time():
    model = EcosystemModel(tiny_params(), rng=1)
    assert model.steps == 0 and model.history == []
    model.step()
    model.step()
    assert [row["step"] for row in model.history] == [1, 2]


@pytest.mark.parametrize("groups,key", [
    ({"market": {"reconsider_prob": 2.0}}, "market.reconsider_prob"),
    ({"population": {"n_labs": -1}}, "population.n_labs"),
    ({"openness": {"name": "nope"}}, "openness.name"),
    ({"openness": {"licence": "gpl9"}}, "openness.licence"),
    ({"jurisdictions": {"n": 2}}, "jurisdictions.stringency"),
    ({"population": {"n_startups": 50, "max_startups": 10}}, "population.n_startups"),
    ({"openness": {"name": "closed", "release_level": 3}}, "openness.release_level"),
    ({"openness": {"name": "dual_license", "release_level": 3, "licence": "permissive"}},
     "openness.licence"),
])
def test_invalid_params_raise_config_error_naming_the_key(groups, key):
    with pytest.raises(ConfigError) as info:
        validate(Params().replace(**groups))
    assert info.value.key == key
