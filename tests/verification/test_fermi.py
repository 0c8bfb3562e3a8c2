"""Verification: neutral Fermi imitation fixes one mutant among Z with probability 1/Z."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.cli.config import compose_params
from sim import EcosystemModel

pytestmark = pytest.mark.slow

RUNS = 1500


@pytest.mark.parametrize("z", [4, 5, 8])
def test_single_mutant_fixes_with_probability_one_over_z(z):
    params, _ = compose_params(["+experiment=verify_fermi", f"population.n_labs={z}",
                                f"race.initial_safe_share={1.0 / z}", "run.replicates=1"])
    fixed = absorbed = 0
    seeds = np.random.SeedSequence(20261122).spawn(RUNS)
    for seed in seeds:
        model = EcosystemModel(params, rng=seed)
        assert model.labs.safe.sum() == 1  # exactly one mutant
        model.step()
        safe = int(model.labs.safe.sum())
        if safe in (0, z):
            absorbed += 1
            fixed += safe == z
    assert absorbed > 0.95 * RUNS  # 400 neutral events absorb almost every run
    share = fixed / absorbed
    sd = math.sqrt((1 / z) * (1 - 1 / z) / absorbed)
    assert abs(share - 1 / z) < 4 * sd, (share, 1 / z, sd)
