"""Verification: concentration metrics give their textbook values, in the real model too."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.cli.config import compose_params
from sim import run
from sim.metrics import gini, hhi, top_k_share


@pytest.mark.parametrize("n", [1, 2, 3, 7, 50])
def test_hhi_of_n_equal_firms_is_10000_over_n(n):
    assert hhi(np.full(n, 12.0)) == pytest.approx(10000.0 / n, rel=1e-12)
    assert top_k_share(np.full(n, 3.0)) == pytest.approx(min(4, n) / n, rel=1e-12)
    assert gini(np.full(n, 5.0)) == pytest.approx(0.0, abs=1e-12)


def test_monopoly_and_empty_market():
    assert hhi(np.array([0.0, 7.0, 0.0])) == 10000.0
    # an empty market has no concentration: undefined, not perfect competition
    assert np.isnan(hhi(np.zeros(3))) and np.isnan(top_k_share(np.zeros(3)))
    assert gini(np.array([0.0, 0.0, 0.0, 9.0])) == pytest.approx(0.75)


def model_hhi(n_labs: int, seed: int) -> np.ndarray:
    params, _ = compose_params(["+experiment=verify_concentration",
                                f"population.n_labs={n_labs}", "run.replicates=1"])
    return run(params, rng=seed).metrics["hhi"].to_numpy()


def test_the_model_with_one_lab_is_a_monopoly():
    assert np.all(model_hhi(1, 0) == 10000.0)


@pytest.mark.parametrize("n", [2, 4, 8])
def test_the_model_with_n_identical_labs_splits_users_evenly(n):
    # users choosing among identical labs split multinomially: HHI = 10000/n plus sampling
    # noise of relative order sqrt(n / users), a fraction of a percent here
    values = np.concatenate([model_hhi(n, seed) for seed in range(3)])
    assert values == pytest.approx(10000.0 / n, rel=0.03)
