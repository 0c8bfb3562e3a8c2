"""Helpers for the explorer's tests: tiny scenarios, a tiny sweep folder, plotted values."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from pathlib import Path

import yaml

from experiments.explore.controls import Scenario

QUESTION = "Does openness lower concentration in a tiny world?"


def tiny_scenario(steps: int = 4, seed: int = 3, **options: str) -> Scenario:
    """A scenario at the tiny population tier (a quarter takes milliseconds)."""
    sc = Scenario().with_option("population", "tiny")
    for group, option in options.items():
        sc = sc.with_option(group, option)
    return dataclasses.replace(sc, steps=steps, seed=seed)


def write_sweep(root: Path, steps: int = 4, seeds: int = 2) -> Path:
    """A sweep folder as ``aieco sweep`` lays one out: job folders of replicates.

    Two openness options x two regulation options x ``seeds`` replicates, each run written
    by ``sim.io.run_into`` with the manifest's ``swept`` record and the experiment's
    question and levers in ``config.yaml``.
    """
    from experiments.explore.live import config_yaml
    from sim.io import run_into
    from sim.runner import replicate_seeds

    experiment = {"name": "tiny_concentration", "question": QUESTION,
                  "levers": ["openness", "regulation"], "outcomes": ["hhi", "harm", "trust"]}
    for openness in ("closed", "open_weights"):
        for regulation in ("laissez_faire", "liability"):
            sc = dataclasses.replace(tiny_scenario(steps, seed=0, openness=openness,
                                                   regulation=regulation))
            params = sc.params().replace(run={"replicates": seeds})
            job = root / f"openness={openness},regulation={regulation}"
            for i, seq in enumerate(replicate_seeds(params)):
                one = params.replace(run={"replicates": 1})
                cfg = yaml.safe_load(config_yaml(one))
                cfg["experiment"] = experiment
                run_into(job / f"rep{i:03d}", one, seq, yaml.safe_dump(cfg, sort_keys=False),
                         extra_manifest={"swept": {"openness": openness,
                                                   "regulation": regulation},
                                         "experiment": experiment["name"]})
    return root


def plotted(chart_html: str, testid: str) -> dict[str, list]:
    """The values a chart plots, read from its data attributes as a browser would."""
    m = re.search(rf"data-testid='{testid}' data-x='([^']*)' data-series='([^']*)'",
                  chart_html)
    assert m, testid
    return {"x": json.loads(html.unescape(m[1])), **json.loads(html.unescape(m[2]))}
