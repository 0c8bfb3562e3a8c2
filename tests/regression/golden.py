"""The golden run: metrics and agent tables of a few small configurations, kept exactly.

Refactoring must not change a single number. The configurations cover every openness and
regulation regime, the three jurisdiction layouts, the switches (merger control, export
controls, capacity programmes, the adaptive rule) and both Bass variants and race payoffs.
Their tables are stored compactly in ``tests/regression/golden/`` (zstd Parquet) and
compared value for value, NaN included, by ``test_golden.py``.

A change that is meant to move numbers rebuilds them on purpose, in the same commit that
explains why::

    python tests/regression/golden.py          # rewrite the stored tables
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from sim import Params, run

GOLDEN = Path(__file__).with_name("golden")
STEPS = 12
TINY = {"population.n_users": 3000, "population.n_niches": 4, "population.n_labs": 5,
        "population.n_startups": 10, "population.max_startups": 200,
        "population.n_civil_society": 8, "population.n_malicious": 60,
        "run.steps": STEPS, "run.record_every": 3, "run.progress": False}

#: name -> (options, overrides); each runs with seed 2024
CASES: dict[str, tuple[dict[str, str], dict[str, object]]] = {
    "default": ({}, {}),
    "staged_risk_tiered_two_blocs": (
        {"openness": "staged", "regulation": "risk_tiered", "jurisdictions": "two_blocs"},
        {"jurisdictions.cooperation": 0.3}),
    "endogenous_liability_fragmented_adaptive": (
        {"openness": "endogenous", "regulation": "liability", "jurisdictions": "fragmented"},
        {"regulation.adaptive": True, "regulation.harm_target": 0.01}),
    "open_weights_restriction_switches": (
        {"openness": "open_weights", "regulation": "open_weight_restriction",
         "jurisdictions": "two_blocs"},
        {"regulation.export_controls": True, "regulation.merger_control": True,
         "regulation.capacity_programmes": 0.02, "regulation.compute_threshold": 25.5}),
    "dual_license_licensing_network_han": (
        {"openness": "dual_license", "regulation": "licensing"},
        {"diffusion.variant": "network", "race.payoff": "han", "race.imitation_events": 3,
         "race.disaster_risk": 0.2}),
    "mandated_open_transparency": (
        {"openness": "mandated_open", "regulation": "transparency"}, {}),
    "closed_laissez_faire": ({"openness": "closed"}, {"labs.acquisition_prob": 0.5}),
    "fully_open_copyleft_risk_tiered": (
        {"openness": "fully_open", "regulation": "risk_tiered"},
        {"openness.licence": "copyleft", "civil_society.discovery_rate": 0.05}),
}


def params_of(name: str) -> Params:
    """The scenario of one golden case."""
    options, overrides = CASES[name]
    return Params.from_options(**options, overrides={**TINY, **overrides})


def tables(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The metrics and agents tables of one golden case, run now."""
    res = run(params_of(name), rng=2024)
    return res.metrics, res.agents


def rebuild() -> None:
    """Rewrite the stored tables from the code as it is."""
    GOLDEN.mkdir(exist_ok=True)
    for name in CASES:
        metrics, agents = tables(name)
        metrics.to_parquet(GOLDEN / f"{name}.metrics.parquet", index=False, compression="zstd")
        agents.to_parquet(GOLDEN / f"{name}.agents.parquet", index=False, compression="zstd")
        print(f"{name}: {len(metrics)} quarters, {len(agents)} agent rows", file=sys.stderr)


if __name__ == "__main__":
    rebuild()
