"""Runs as array jobs through submitit: SLURM on a cluster, subprocesses on this machine.

Each array task runs a batch of runs (:func:`run_task`), on a local pool of
``cpus_per_task`` workers when it has more than one CPU. A task stops at once on SIGTERM
or SIGINT (what ``scancel``, a time limit and Ctrl-C send; submitit's own runner ignores
SIGTERM, and SLURM would otherwise let the task write for ``KillWait`` seconds more): the
run it was making stays incomplete on disk, and the task returns what it finished.

:class:`ArrayRun` watches the tasks. submitit decides that a SLURM task is done by its
result file or by ``sacct``; without accounting (``AccountingStorageType=none``) ``sacct``
answers nothing, and a task cancelled before it wrote its result would never be done. So
a task also counts as ended when ``squeue`` no longer lists it; one that ended without a
result is reported as such, and its runs are made by the next run of the same command.
"""

from __future__ import annotations

import contextlib
import math
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.batch import RunOutcome, RunSpec, run_many, run_spec

#: seconds between two looks at the tasks' results and the queue
POLL_SECONDS = 2.0
#: seconds ``squeue`` may keep failing before the sweep gives up waiting
QUEUE_PATIENCE = 300.0
#: seconds to wait, once every task has its result, for SLURM to stop listing the tasks
#: (a task that returned stays "completing", CG, while SLURM cleans up after it)
DRAIN_PATIENCE = 120.0


class _Stop(BaseException):
    """SIGTERM or SIGINT reached an array task."""


def _stop(signum: int, frame: object) -> None:
    raise _Stop(signum)


@dataclass
class TaskResult:
    """What one array task returns: its outcomes, and whether a signal cut it short."""

    outcomes: list[RunOutcome]
    stopped: bool = False
    host: str = field(default_factory=socket.gethostname)


def run_task(specs: Sequence[RunSpec], workers: int, options: dict[str, Any]) -> TaskResult:
    """The function every array task runs: ``specs`` in order, here or on ``workers``."""
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    outcomes: list[RunOutcome] = []
    try:
        if workers > 1:
            outcomes = run_many(specs, workers=workers, on_outcome=None, **options)
        else:
            from sim.pool import one_numba_thread

            one_numba_thread()
            for spec in specs:
                outcomes.append(run_spec(spec, **options))
    except _Stop:
        done = {o.folder for o in outcomes}
        left = [RunOutcome(s.folder, "failed", error="its task was stopped (SIGTERM or "
                           "SIGINT) before the run finished") for s in specs
                if s.folder not in done]
        return TaskResult([*outcomes, *left], stopped=True)
    return TaskResult(outcomes)


@dataclass
class ClusterOptions:
    """How to reach the cluster: submitit's executor, its parameters, batching."""

    cluster: str  # "slurm" or "local"
    folder: str
    parameters: dict[str, Any]
    max_num_timeout: int = 0
    #: runs per task when given (hydra.launcher.runs_per_task); else spread over ``tasks``
    runs_per_task: int | None = None
    tasks: int = 1
    workers_per_task: int = 1

    def per_task(self, runs: int) -> int:
        """Runs per array task for ``runs`` runs to make."""
        if self.runs_per_task:
            return self.runs_per_task
        return max(1, math.ceil(runs / max(1, self.tasks)))


class ArrayRun:
    """One submitit job array over batches of runs, watched until every task has ended.

    Parameters
    ----------
    options : ClusterOptions
        The executor's settings.
    groups : list of list of RunSpec
        One batch per task.
    run_options : dict
        Passed to :func:`sim.batch.run_spec` in the tasks.
    """

    def __init__(self, options: ClusterOptions, groups: list[list[RunSpec]],
                 run_options: dict[str, Any]) -> None:
        import submitit

        self.options, self.groups = options, groups
        init: dict[str, Any] = {"folder": options.folder}
        if options.cluster == "slurm":
            init["slurm_max_num_timeout"] = options.max_num_timeout
        executor = submitit.AutoExecutor(cluster=options.cluster, **init)
        executor.update_parameters(**options.parameters)
        self.jobs = executor.map_array(run_task, groups, [options.workers_per_task] * len(groups),
                                       [run_options] * len(groups))
        self.results: dict[int, TaskResult | str] = {}
        self.array_id = str(self.jobs[0].job_id).split("_")[0] if self.jobs else ""

    @property
    def job_ids(self) -> list[str]:
        """The tasks' job ids (``ARRAY_TASK`` for SLURM)."""
        return [str(j.job_id) for j in self.jobs]

    def poll(self) -> list[tuple[int, TaskResult | str]]:
        """Tasks that ended since the last call: (index, result or why it has none)."""
        new: list[tuple[int, TaskResult | str]] = []
        open_ = [i for i in range(len(self.jobs)) if i not in self.results]
        if not open_:
            return new
        queued = self._queued() if self.options.cluster == "slurm" else None
        for i in open_:
            job = self.jobs[i]
            if job.paths.result_pickle.exists():
                self.results[i] = self._read(job)
            elif self.options.cluster == "local":
                if job.done():
                    self.results[i] = self._read(job)
            elif queued is not None and str(job.job_id) not in queued:
                time.sleep(0.2)  # a result written just as the task left the queue
                self.results[i] = (self._read(job) if job.paths.result_pickle.exists()
                                   else "the task ended without a result (cancelled, timed "
                                        "out, or killed); its runs are incomplete")
            if i in self.results:
                new.append((i, self.results[i]))
        return new

    def _read(self, job: Any) -> TaskResult | str:
        try:
            result = job.result()
        except Exception as exc:  # the task raised, or its result cannot be read
            return "the task failed: " + " ".join(str(exc).split())[-400:]
        return result if isinstance(result, TaskResult) else "the task returned no outcomes"

    def _queued(self) -> set[str] | None:
        """Task ids SLURM still lists for this array, or None if ``squeue`` failed."""
        try:
            out = subprocess.run(["squeue", "--noheader", "--array", "--jobs", self.array_id,
                                  "--format=%i"], capture_output=True, text=True,
                                 timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if out.returncode != 0:
            # a job that left the controller's memory is an "invalid job id"
            return set() if "Invalid job id" in out.stderr else None
        return {line.strip() for line in out.stdout.splitlines() if line.strip()}

    @property
    def ended(self) -> bool:
        """Whether every task has ended."""
        return len(self.results) == len(self.jobs)

    def cancel(self) -> None:
        """Cancel every task that has not ended (``scancel`` for SLURM)."""
        if self.options.cluster == "slurm":
            if self.array_id:
                subprocess.run(["scancel", self.array_id], capture_output=True, timeout=60,
                               check=False)
            return
        for i, job in enumerate(self.jobs):
            if i not in self.results:
                with contextlib.suppress(Exception):
                    job.cancel(check=False)

    def wait_ended(self, timeout: float, on_end: Callable[[int, TaskResult | str], None]
                   | None = None) -> bool:
        """Poll until every task ended or ``timeout`` seconds passed; True if all ended."""
        deadline = time.monotonic() + timeout
        failing_since: float | None = None
        while not self.ended:
            for i, res in self.poll():
                if on_end is not None:
                    on_end(i, res)
            if self.ended:
                break
            if self.options.cluster == "slurm" and self._queued() is None:
                failing_since = failing_since or time.monotonic()
                if time.monotonic() - failing_since > QUEUE_PATIENCE:
                    return False
            else:
                failing_since = None
            if time.monotonic() > deadline:
                return False
            time.sleep(POLL_SECONDS)
        self._drain(min(deadline, time.monotonic() + DRAIN_PATIENCE))
        return True

    def _drain(self, deadline: float) -> None:
        """Wait until SLURM no longer lists the array, so the same command can run again.

        A task that wrote its result is still listed while it completes (state CG); a
        sweep run again at once would find it queued and refuse. Gives up quietly at
        ``deadline``: the results are in, and the next run says if tasks are still listed.
        """
        if self.options.cluster != "slurm" or not self.array_id:
            return
        while self._queued() and time.monotonic() < deadline:
            time.sleep(min(POLL_SECONDS / 4, 0.5))


def queued_jobs(job_ids: Sequence[str]) -> list[str]:
    """Which of ``job_ids`` SLURM still lists (pending or running); [] without SLURM."""
    arrays = sorted({j.split("_")[0] for j in job_ids})
    if not arrays:
        return []
    try:
        out = subprocess.run(["squeue", "--noheader", "--array", "--jobs", ",".join(arrays),
                              "--format=%i"], capture_output=True, text=True, timeout=30,
                             check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return sorted(line.strip() for line in out.stdout.splitlines() if line.strip())


def slurm_available() -> bool:
    """Whether a SLURM controller answers here (``sinfo``)."""
    try:
        out = subprocess.run(["sinfo", "--noheader", "--format=%P"], capture_output=True,
                             text=True, timeout=15, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and bool(out.stdout.strip())
