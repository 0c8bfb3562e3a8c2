"""Reports group runs as their manifests record them and refuse what they cannot report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import aieco

from analysis.collect import find_runs

TINY = ["population=tiny", "run.steps=3"]


@pytest.fixture(scope="module")
def adhoc(tmp_path_factory) -> Path:
    """The form the sweep's help shows: two settings, each run with seeds 0 and 1."""
    out = tmp_path_factory.mktemp("adhoc") / "s"
    res = aieco("sweep", "openness=closed,open_weights", "run.seed=0,1", *TINY,
                f"hydra.sweep.dir={out}", timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    return out


def report(folder: Path) -> str:
    res = aieco("report", str(folder))
    assert res.returncode == 0, res.stderr[-2000:]
    return (folder / "report.md").read_text()


def test_an_ad_hoc_sweep_is_two_settings_of_two_seeds_not_one_pool(adhoc):
    text = report(adhoc)
    assert "4 runs: 2 settings, 2 seeds per setting" in text
    assert "lever `openness`: **closed** (reference), open_weights" in text
    assert "run.seed`:" not in text  # seeds pair the cells; they are not a lever
    answer = next(line for line in text.splitlines() if line.startswith("**Answer.**"))
    assert "Against `openness=closed`" in answer and "at `open_weights` by" in answer
    for name in ("timeseries.png", "effects.png", "tradeoff.png"):
        assert (adhoc / "figures" / name).stat().st_size > 10_000, name


def test_one_seed_per_setting_never_says_clear(adhoc, tmp_path):
    one = tmp_path / "one"
    one.mkdir()
    for run in find_runs(adhoc):
        if "run.seed=0" in run.name:
            shutil.copytree(run, one / run.name)
    text = report(one)
    assert "2 runs: 2 settings, 1 seeds per setting" in text
    assert "clear at 95%" not in text and "One seed per setting" in text
    assert "one seed: no interval" in text


def test_a_folder_of_two_experiments_is_refused_in_one_line(adhoc, tmp_path):
    other = tmp_path / "other"
    res = aieco("sweep", "+experiment=many_eyes", *TINY, "run.replicates=1",
                "openness=api_only", "population.n_civil_society=0",
                f"hydra.sweep.dir={other}", timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for run in [*find_runs(adhoc)[:2], *find_runs(other)]:
        shutil.copytree(run, mixed / f"{run.parent.name}-{run.name}")
    res = aieco("report", str(mixed))
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1
    assert "2 experiments" in res.stderr and "many_eyes: 3 runs" in res.stderr
    assert not (mixed / "report.md").exists()
