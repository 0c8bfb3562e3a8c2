"""Calibration: the baseline experiment lands inside every band of the brief, across seeds.

The bands and statistics are in :mod:`analysis.calibration`; the search that chose the
parameters is ``experiments/calibrate.py`` and its record ``experiments/calibration.json``.
This test runs the baseline exactly as the search's validation stage did (``run.seed=0``, 20
replicates, seeds the search never saw) and requires the mean over seeds of every
statistic to lie in its band.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.calibration import TARGETS, statistics, summarise
from experiments.cli.config import compose_params
from sim import run_replicates
from sim.params import Params

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "experiments" / "calibration.json"
REPLICATES = 20


def record() -> dict:
    return json.loads(RECORD.read_text())


@pytest.mark.slow
def test_baseline_lands_in_every_band_across_seeds():
    params, _ = compose_params(["+experiment=baseline", "run.seed=0",
                                f"run.replicates={REPLICATES}"])
    table = summarise([statistics(result.metrics) for result in run_replicates(params)])
    outside = table[~table["in_band"]]
    assert outside.empty, "\n" + table.to_string()
    assert list(table["target"]) == [t.name for t in TARGETS]


def test_schema_defaults_are_the_calibrated_values():
    chosen = record()["chosen"]
    defaults = Params()
    for key, value in chosen.items():
        group, name = key.split(".")
        assert getattr(getattr(defaults, group), name) == pytest.approx(value), key


def test_the_record_validated_every_band():
    rec = record()
    assert rec["all_in_band"]
    assert [row["target"] for row in rec["validation"]] == [t.name for t in TARGETS]
    # validated on at least the replicates the slow test runs (100 after --revalidate)
    assert rec["stages"]["validate"]["run.replicates"] >= REPLICATES


def test_the_calibration_document_shows_the_record():
    from analysis.calibration import BEGIN, END, render_markdown

    text = (ROOT / "docs" / "CALIBRATION.md").read_text()
    block = text.split(BEGIN)[1].split(END)[0].strip()
    assert block == render_markdown(record()).strip()
