"""Sweeps through the real launchers in subprocesses: experiments, collect, report, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import aieco

from analysis.collect import find_runs
from experiments.cli.config import experiments
from experiments.cli.sweep import plan
from sim.io import MANIFEST


def experiment_levers(name: str) -> list[str]:
    import yaml

    from sim.params import config_dir

    cfg = yaml.safe_load((config_dir() / "experiment" / f"{name}.yaml").read_text())
    return list(cfg["experiment"].get("levers") or [])

TINY = ["population=tiny", "run.steps=3", "run.replicates=2"]


def sweep(tmp_path: Path, name: str, *extra: str, timeout: float = 600):
    out = tmp_path / name
    res = aieco("sweep", *extra, f"hydra.sweep.dir={out}", cwd=tmp_path, timeout=timeout)
    return res, out


@pytest.mark.parametrize("name", experiments())
def test_every_experiment_runs_tiny_through_joblib(tmp_path, name):
    args = [f"+experiment={name}", *TINY]
    res, out = sweep(tmp_path, "s", *args, "hydra.launcher.n_jobs=1")
    assert res.returncode == 0, res.stderr[-2000:]
    summary = pd.read_parquet(out / "summary.parquet")
    assert len(summary) == plan(args).total
    results = pd.read_parquet(out / "results.parquet")
    assert sorted(results["step"].unique()) == [1, 2, 3]
    assert set(results["replicate"]) == {0, 1}
    cfg = (find_runs(out)[0] / "config.yaml").read_text()
    assert f"name: {name}" in cfg
    if name == "baseline":  # the one experiment without levers: its report still works
        res = aieco("report", str(out))
        assert res.returncode == 0, res.stderr[-2000:]
        text = (out / "report.md").read_text()
        assert "**Answer.** `open_release_share` (final value)" in text and "over 4 seeds" in text


def test_experiment_levers_are_swept_columns():
    for name in experiments():
        p = plan([f"+experiment={name}"])
        assert p.total >= 10, name
        for setting in p.settings:  # research questions: ten seeds per setting at least
            if not name.startswith("verify_"):
                assert setting.params.run.replicates >= 10 or "run.seed" in setting.swept, name
        levers = experiment_levers(name)
        assert set(levers) <= set(p.settings[0].swept), name


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep")
    args = ["+experiment=concentration", *TINY, "run.steps=6",
            "openness=closed,api_only,open_weights", "regulation=laissez_faire,risk_tiered"]
    res, out = sweep(tmp, "s", *args)
    assert res.returncode == 0, res.stderr[-2000:]
    return out


def test_collect_gives_one_row_per_run_and_step(small_sweep):
    results = pd.read_parquet(small_sweep / "results.parquet")
    summary = pd.read_parquet(small_sweep / "summary.parquet")
    assert len(summary) == 3 * 2 * 2
    assert len(results) == len(summary) * 6
    for column in ("run", "openness", "regulation", "replicate", "hhi", "harm"):
        assert column in results.columns
    for column in ("hhi_final", "hhi_mean", "harm_mean", "openness", "regulation"):
        assert column in summary.columns
    assert not results.duplicated(["run", "step"]).any()
    res = aieco("collect", str(small_sweep))
    assert res.returncode == 0 and "12 runs" in res.stdout


def test_report_writes_every_figure_and_the_markdown(small_sweep):
    res = aieco("report", str(small_sweep))
    assert res.returncode == 0, res.stderr[-2000:]
    for name in ("timeseries.png", "heatmaps.png", "tradeoff.png"):
        path = small_sweep / "figures" / name
        assert path.exists() and path.stat().st_size > 10_000, name
    report = (small_sweep / "report.md").read_text()
    assert "**Question.**" in report and "**Answer.** Against `openness=" in report
    assert "figures/heatmaps.png" in report and "## Interaction contrasts" in report
    assert "3 settings" not in report and "6 settings, 2 seeds per setting" in report


def test_report_and_collect_refuse_a_missing_folder(tmp_path):
    res = aieco("report", str(tmp_path / "nope"))
    assert res.returncode == 2 and res.stderr.startswith("aieco: error:")
    empty = tmp_path / "empty"
    empty.mkdir()
    res = aieco("report", str(empty))
    assert res.returncode == 2 and "no complete runs" in res.stderr


def test_bad_sweep_value_fails_before_anything_is_written(tmp_path):
    res, out = sweep(tmp_path, "s", "+experiment=concentration", "regulation=laissez_faire,nope")
    assert res.returncode == 2
    assert "nope" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()
    res, out = sweep(tmp_path, "s", "+experiment=nope")
    assert res.returncode == 2 and "concentration" in res.stderr


LAUNCH = ["+experiment=concentration", *TINY, "openness=closed,open_weights",
          "regulation=laissez_faire,liability"]


def test_serial_joblib_and_submitit_give_identical_results(tmp_path):
    outs = []
    for launcher in ("basic", "joblib", "submitit_local"):
        res, out = sweep(tmp_path, launcher, *LAUNCH, f"hydra/launcher={launcher}")
        assert res.returncode == 0, (launcher, res.stderr[-2000:])
        outs.append(out)
    frames = [pd.read_parquet(o / "results.parquet") for o in outs]
    assert len(frames[0]) == 4 * 2 * 3
    for other in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], other)
    assert (outs[0] / "results.parquet").read_bytes() == (outs[2] / "results.parquet").read_bytes()


def test_killed_sweep_resumes_to_the_uninterrupted_result(tmp_path):
    args = ["+experiment=concentration", "population=tiny", "run.steps=30",
            "run.replicates=3", "openness=closed,api_only,open_weights",
            "regulation=laissez_faire,risk_tiered"]
    res, whole = sweep(tmp_path, "whole", *args)
    assert res.returncode == 0, res.stderr[-2000:]
    total = 3 * 2 * 3

    broken = tmp_path / "broken"
    exe = Path(sys.executable).with_name("aieco")
    proc = subprocess.Popen([str(exe), "sweep", *args, f"hydra.sweep.dir={broken}"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and len(find_runs(broken)) < 3:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(1.0)
    done = find_runs(broken)
    assert 3 <= len(done) < total
    # nothing that looks complete is incomplete: every manifest names readable files,
    # and a run without a manifest is not complete whatever else its folder holds
    for manifest in broken.rglob(MANIFEST):
        run_dir = manifest.parent
        for name in json.loads(manifest.read_text())["files"]:
            if name.endswith(".parquet"):
                pd.read_parquet(run_dir / name)
    for path in broken.rglob("*.parquet"):
        pd.read_parquet(path)  # atomic writes: any parquet present is whole
    frozen = {p: p.stat().st_mtime_ns for p in broken.rglob(MANIFEST)}
    time.sleep(1.0)
    assert {p: p.stat().st_mtime_ns for p in broken.rglob(MANIFEST)} == frozen  # all dead

    res, _ = sweep(tmp_path, "broken", *args)
    assert res.returncode == 0, res.stderr[-2000:]
    assert len(find_runs(broken)) == total
    for path, mtime in frozen.items():
        assert path.stat().st_mtime_ns == mtime  # completed runs were skipped, not redone
    assert not list(broken.rglob(".*.tmp"))
    a = pd.read_parquet(whole / "results.parquet")
    b = pd.read_parquet(broken / "results.parquet")
    pd.testing.assert_frame_equal(a, b)


def test_a_different_sweep_into_the_same_folder_is_refused(tmp_path):
    # every lever of the experiment fixed: one cell, so the counts below are runs
    base = ["+experiment=race", *TINY, "race.speed_factor=1.5", "race.disaster_risk=0.02",
            "regulation.inspection=0.3", "openness=api_only"]
    res, out = sweep(tmp_path, "s", *base)
    assert res.returncode == 0, res.stderr[-2000:]
    before = {p: p.stat().st_mtime_ns for p in out.rglob(MANIFEST)}
    res, _ = sweep(tmp_path, "s", *[a.replace("run.steps=3", "run.steps=4") for a in base])
    assert res.returncode == 2
    assert "holds another sweep" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert {p: p.stat().st_mtime_ns for p in out.rglob(MANIFEST)} == before
    # more replicates extend the same sweep: the runs it has are kept, one more is added
    res, _ = sweep(tmp_path, "s", *[a.replace("replicates=2", "replicates=3") for a in base])
    assert res.returncode == 0, res.stderr[-2000:]
    assert len(list(out.rglob(MANIFEST))) == 3
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())


@pytest.mark.parametrize("args,words", [
    (["+experiment=race,concentration"], ["one experiment at a time"]),
    (["+experiment=race", "hydra/launcher=nope"], ["hydra/launcher", "joblib"]),
    (["+experiment=race", "openness=closed,,x"], ["override"]),
])
def test_sweep_mistakes_fail_in_one_line(tmp_path, args, words):
    res, out = sweep(tmp_path, "s", *args)
    assert res.returncode == 2, res.stderr[-2000:]
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    for word in words:
        assert word in res.stderr
    assert not out.exists()


def test_a_sweep_runs_on_a_cold_numba_cache(tmp_path):
    # the newcomer's path: nothing compiled yet, so kernels compile inside the sweep command
    cache = tmp_path / "numba-cache"
    cache.mkdir()
    res = aieco("sweep", "population=tiny", "run.steps=2", "run.seed=0,1",
                f"hydra.sweep.dir={tmp_path / 's'}", cwd=tmp_path,
                env={"NUMBA_CACHE_DIR": str(cache)})
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Traceback" not in res.stderr
    assert len(find_runs(tmp_path / "s")) == 2
    assert any(cache.rglob("*.nbi")), "the kernels were not compiled into the empty cache"
