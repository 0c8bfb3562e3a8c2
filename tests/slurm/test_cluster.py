"""A real one-node SLURM cluster runs batch, array, srun and submitit jobs, and cancels them.

Each test starts its own cluster in its tmp folder (0.3-2 s) and stops it (under 1 s). They
are skipped, with the reason, where SLURM cannot run (not root, no apt, daemons failing);
set AIECO_REQUIRE_SLURM=1 to make that a failure instead, e.g. in CI.
"""

from __future__ import annotations

import operator
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .cluster import slurm_cluster, slurm_unavailable_reason

pytestmark = pytest.mark.slow

CLIENT_TIMEOUT = 30
"""Seconds for a client command that only talks to the controller."""

JOB_TIMEOUT = 120
"""Seconds for a job to run to its end (``sbatch --wait`` polls every 2-10 s)."""


@pytest.fixture
def slurm_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The full environment for SLURM clients, with a cluster running in ``tmp_path``."""
    reason = slurm_unavailable_reason()
    if reason is not None:
        if os.environ.get("AIECO_REQUIRE_SLURM") == "1":
            pytest.fail(f"AIECO_REQUIRE_SLURM=1 but {reason}")
        pytest.skip(reason)
    with slurm_cluster(tmp_path / "cluster") as env:
        yield {**os.environ, **env}


def run(args: list[str], env: dict[str, str], timeout: float = CLIENT_TIMEOUT,
        cwd: Path | None = None) -> str:
    """Run a SLURM client command, fail the test with its output if it fails."""
    proc = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert proc.returncode == 0, f"{args} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def job_state(job_id: str, env: dict[str, str]) -> str:
    """The job's state as the controller keeps it (finished jobs stay for MinJobAge, 300 s)."""
    out = run(["scontrol", "show", "job", "--oneliner", job_id], env)
    match = re.search(r"\bJobState=(\S+)", out)
    assert match, out
    return match.group(1)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` every 0.2 s until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


def test_jobs_run_and_cancel(slurm_env: dict[str, str], tmp_path: Path) -> None:
    env = slurm_env
    assert run(["sinfo", "--noheader", "--format=%P %t"], env).split() == ["debug*", "idle"]

    # srun: an interactive step, its output straight back.
    assert run(["srun", "--quiet", "echo", "from-srun"], env, JOB_TIMEOUT).strip() == "from-srun"

    # sbatch --wait: returns when the job has ended, with its exit code.
    out = tmp_path / "batch.txt"
    run(["sbatch", "--wait", "--quiet", f"--output={tmp_path}/batch-%j.log",
         f"--wrap=echo \"job $SLURM_JOB_ID\" > {out}"], env, JOB_TIMEOUT, cwd=tmp_path)
    assert re.fullmatch(r"job \d+\n", out.read_text())

    # An array of 3 tasks: two CPUs, so two run at once and the third after.
    run(["sbatch", "--wait", "--quiet", "--array=0-2", f"--output={tmp_path}/array-%A_%a.log",
         f"--wrap=echo $SLURM_ARRAY_TASK_ID > {tmp_path}/task-$SLURM_ARRAY_TASK_ID.txt"],
        env, JOB_TIMEOUT, cwd=tmp_path)
    assert [(tmp_path / f"task-{i}.txt").read_text() for i in range(3)] == ["0\n", "1\n", "2\n"]

    # scancel on a running job: Slurm sends SIGCONT and SIGTERM to all its processes at once
    # (SIGKILL follows after KillWait, 30 s, for those still alive); this one exits on TERM.
    started, termed = tmp_path / "started.txt", tmp_path / "sigterm.txt"
    script = (f"trap 'echo TERM > {termed}; exit 143' TERM; echo up > {started}; "
              "sleep 600 & wait")
    job_id = run(["sbatch", "--parsable", f"--output={tmp_path}/long-%j.log", f"--wrap={script}"],
                 env, cwd=tmp_path).strip()
    wait_for(started.exists, JOB_TIMEOUT, "the long job to start")
    assert job_state(job_id, env) == "RUNNING"
    run(["scancel", job_id], env)
    wait_for(lambda: job_state(job_id, env) == "CANCELLED", 60, "the job to be CANCELLED")
    assert termed.read_text() == "TERM\n"
    assert run(["squeue", "--noheader", f"--jobs={job_id}"], env).strip() == ""


def test_submitit_round_trip(slurm_env: dict[str, str], tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    submitit = pytest.importorskip("submitit")
    # submitit calls sbatch in our process's environment.
    monkeypatch.setenv("SLURM_CONF", slurm_env["SLURM_CONF"])
    executor = submitit.AutoExecutor(folder=tmp_path / "submitit" / "%j")
    assert executor.cluster == "slurm"
    executor.update_parameters(slurm_partition="debug", timeout_min=5)

    # Without accounting, sacct fails and submitit logs a warning at each poll, and a job's
    # state stays UNKNOWN: done() relies on the result file. A job killed before writing one
    # (scancel) would never be done(), so wait with a deadline rather than result() alone.
    # Functions from the standard library pickle by reference and import in the job.
    job = executor.submit(operator.mul, 6, 7)
    wait_for(job.done, JOB_TIMEOUT, f"submitit job {job.job_id}")
    assert job.result() == 42

    jobs = executor.map_array(operator.mul, [1, 2, 3], [4, 5, 6])
    assert len({j.job_id.split("_")[0] for j in jobs}) == 1  # one array job
    wait_for(lambda: all(j.done() for j in jobs), JOB_TIMEOUT, "the submitit array")
    assert [j.result() for j in jobs] == [4, 10, 18]
