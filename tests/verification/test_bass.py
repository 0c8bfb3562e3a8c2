"""Verification: Bass diffusion in the real model reduces to the closed form.

The mean-field variant adopts each non-adopter with the exact one-step probability of the
Bass flow, so at integer times the expected adopted share equals
F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}); the simulated share deviates from it by
sampling noise of order sqrt(F(1-F)/N), which shrinks as the population grows.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.cli.config import compose_params
from sim import run

pytestmark = pytest.mark.slow

STEPS = 40


def closed_form(p: float, q: float, t: np.ndarray) -> np.ndarray:
    e = np.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + (q / p) * e)


def adoption_path(p: float, q: float, n_users: int, seed: int, *extra: str) -> np.ndarray:
    params, _ = compose_params(["+experiment=verify_bass", f"diffusion.bass_p={p}",
                                f"diffusion.bass_q={q}", f"population.n_users={n_users}",
                                f"run.steps={STEPS}", "run.replicates=1", *extra])
    return run(params, rng=seed).metrics["adoption_share"].to_numpy()


@pytest.mark.parametrize("p,q", [(0.01, 0.1), (0.03, 0.38), (0.005, 0.6)])
def test_meanfield_path_matches_closed_form_within_sampling_noise(p, q):
    t = np.arange(1, STEPS + 1)
    want = closed_form(p, q, t)
    n = 100_000
    # four standard errors of a binomial share at its widest (F = 1/2), per step
    tolerance = 4.0 * 0.5 / math.sqrt(n)
    for seed in range(3):
        got = adoption_path(p, q, n, seed)
        assert np.max(np.abs(got - want)) < tolerance, (seed, np.max(np.abs(got - want)))


def test_largest_gap_shrinks_as_the_population_grows():
    p, q = 0.03, 0.38
    want = closed_form(p, q, np.arange(1, STEPS + 1))
    gaps = {}
    for n in (1_000, 10_000, 100_000):
        gaps[n] = np.mean([np.max(np.abs(adoption_path(p, q, n, s) - want))
                           for s in range(8)])
    assert gaps[1_000] > gaps[10_000] > gaps[100_000]
    # sampling noise scales as 1/sqrt(N): a hundredfold population, about a tenth the gap
    assert gaps[100_000] < 0.3 * gaps[1_000]


def test_network_variant_on_a_complete_graph_agrees_with_the_closed_form():
    p, q, n = 0.03, 0.38, 1_000
    want = closed_form(p, q, np.arange(1, STEPS + 1))
    paths = [adoption_path(p, q, n, s, "diffusion.variant=network",
                           "diffusion.topology=complete", "diffusion.substeps=20")
             for s in range(10)]
    mean_path = np.mean(paths, axis=0)
    # ten runs of 1000 nodes: the mean has a standard error below 0.005; 20 sub-steps leave
    # a time-discretisation bias of about (p+q)^2 / (2 * 20) per step on the hazard
    assert np.max(np.abs(mean_path - want)) < 0.03
