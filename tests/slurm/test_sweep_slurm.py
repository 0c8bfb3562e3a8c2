"""``aieco sweep`` on a real one-node SLURM cluster: the results of the local sweep, and a
job array cancelled part-way (scancel) leaves no run that looks complete and is finished by
the same command.

Skipped, with the reason, where SLURM cannot start (not root, no apt, daemons failing);
AIECO_REQUIRE_SLURM=1 makes that a failure instead (CI).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from analysis.collect import find_runs
from sim.io import LOCK, MANIFEST, FolderLock, run_state

from .cluster import slurm_cluster, slurm_unavailable_reason

pytestmark = pytest.mark.slow

EXE = str(Path(sys.executable).with_name("aieco"))
SWEEP = ["+experiment=concentration", "population=tiny", "run.steps=40", "run.replicates=2",
         "openness=closed,api_only,open_weights", "regulation=laissez_faire,liability"]
ON_SLURM = ["hydra/launcher=submitit_slurm", "hydra.launcher.partition=debug",
            "hydra.launcher.array_parallelism=2", "hydra.launcher.timeout_min=10"]
TOTAL = 12


@pytest.fixture(scope="module")
def slurm_env() -> Iterator[dict[str, str]]:
    """The environment of SLURM's clients, with a cluster running for this module."""
    reason = slurm_unavailable_reason()
    if reason is not None:
        if os.environ.get("AIECO_REQUIRE_SLURM") == "1":
            pytest.fail(f"AIECO_REQUIRE_SLURM=1 but {reason}")
        pytest.skip(reason)
    # slurmstepd puts sockets in the cluster's folder: keep its path short
    with tempfile.TemporaryDirectory(prefix="aieco-sl", dir="/tmp") as short, \
            slurm_cluster(Path(short) / "c") as env:
        yield {**os.environ, **env}


def sweep(folder: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, "sweep", *SWEEP, *extra, f"hydra.sweep.dir={folder}"],
                          cwd=folder.parent, env=env, capture_output=True, text=True,
                          timeout=900, check=False)


def all_verified(folder: Path) -> None:
    for manifest in folder.rglob(MANIFEST):
        state = run_state(manifest.parent, verify=True)
        assert state.complete, state


def run_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.name in ("metrics.parquet", "agents.parquet", "config.yaml")}


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("local") / "s"
    res = sweep(folder, dict(os.environ))
    assert res.returncode == 0, res.stderr[-2000:]
    return folder


def test_a_sweep_on_slurm_writes_what_the_local_sweep_writes(slurm_env, local, tmp_path):
    folder = tmp_path / "s"
    res = sweep(folder, slurm_env, *ON_SLURM)
    assert res.returncode == 0, res.stderr[-3000:]
    assert f"{TOTAL} of {TOTAL} runs complete" in res.stdout
    assert "SLURM: 2 array tasks of up to 6 runs" in res.stderr
    assert run_files(folder) == run_files(local)  # byte for byte, run by run
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "results.parquet"),
                                  pd.read_parquet(local / "results.parquet"))
    jobs = json.loads((folder / ".sweep-jobs.json").read_text())["jobs"]
    assert len(jobs) == 2 and all("_" in j for j in jobs)  # one array, two tasks


def test_a_cancelled_array_leaves_nothing_that_looks_complete_and_the_same_command_resumes(
        slurm_env, local, tmp_path):
    folder = tmp_path / "s"
    proc = subprocess.Popen([EXE, "sweep", *SWEEP, *ON_SLURM, f"hydra.sweep.dir={folder}"],
                            cwd=tmp_path, env=slurm_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while len(list(folder.rglob(MANIFEST))) < 2:
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "no run completed on the cluster in 300 s"
        time.sleep(0.1)
    array = json.loads((folder / ".sweep-jobs.json").read_text())["jobs"][0].split("_")[0]
    subprocess.run(["scancel", array], env=slurm_env, check=True, timeout=30)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err[-3000:]
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("aieco: error: ")
    assert "run the same command again" in err.strip().splitlines()[-1]
    queued = subprocess.run(["squeue", "--noheader", "--jobs", array], env=slurm_env,
                            capture_output=True, text=True, timeout=30)
    assert queued.stdout.strip() == ""  # the parent waited for the array to end
    all_verified(folder)
    done = len(find_runs(folder))
    assert 2 <= done < TOTAL, done
    for lock in folder.rglob(LOCK):  # a task killed outright leaves its file: never held
        with FolderLock(lock.parent):
            pass
    before = {p: p.stat().st_mtime_ns for p in folder.rglob(MANIFEST)}
    res = sweep(folder, slurm_env, *ON_SLURM)
    assert res.returncode == 0, res.stderr[-3000:]
    assert f"{TOTAL} of {TOTAL} runs complete" in res.stdout
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())  # kept, not redone
    assert run_files(folder) == run_files(local)
