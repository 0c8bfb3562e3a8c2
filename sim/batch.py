"""Running many runs: batches of run specifications on any executor.

A sweep, a sensitivity study or a calibration is a list of :class:`RunSpec` (a folder, a
scenario, a seed, the configuration text and extra manifest keys). :func:`run_batch` runs a
list of them one after another in the calling process, which is what every worker and every
cluster task does; :func:`run_many` splits them into batches and hands the batches to an
executor:

- none: this process, one run after another;
- :class:`LocalPool`: long-lived worker processes on this machine, each with one Numba
  thread, started from a server process that has already imported the model, so a worker
  costs a fork rather than a fresh interpreter;
- any :class:`concurrent.futures.Executor`: a ``ProcessPoolExecutor``, a
  ``ThreadPoolExecutor``, Dask's ``client.get_executor()``, an MPI pool
  (``mpi4py.futures.MPIPoolExecutor``): whatever has ``submit`` and returns futures.

Invariants, whatever runs the batches: each run writes its own folder atomically with the
manifest last (:func:`sim.io.run_into`) under that folder's lock, so a second writer is
refused; a folder that already holds the complete results of the same run (same config
hash, same seed, files verified against their checksums) is skipped, so running the same
specs again resumes an interrupted set; one run's failure is reported in its
:class:`RunOutcome` and does not stop the others. Results do not depend on the executor, the
batch size or the number of Numba threads.
"""

from __future__ import annotations

import dataclasses
import math
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.io import MANIFEST, FolderBusy, FolderLock, OutputError, disk_full, run_into, run_state
from sim.params import ConfigError, Params
from sim.pool import (
    LocalPool,
    halted,
    one_numba_thread,
)
from sim.provenance import config_hash

#: seconds a run goes between checkpoints in a batch: runs shorter than this never pay for
#: one, and a kill loses at most this much of a run's work (see sim.io.RunWriter)
MIN_FLUSH_SECONDS = 10.0


@dataclass(frozen=True)
class RunSpec:
    """One run to make: where, what, with which seed.

    Attributes
    ----------
    folder : str
        The run folder.
    params : Params
        The scenario (``run.replicates`` is ignored: a spec is one replicate).
    entropy : int
        The seed (``SeedSequence`` entropy).
    spawn_key : tuple of int
        The replicate's spawn key: ``(i,)`` for replicate ``i`` of several, ``()`` alone.
    config_yaml : str
        The resolved configuration, written as ``config.yaml``.
    manifest : Mapping
        More keys for the manifest (overrides, swept values, experiment name).
    """

    folder: str
    params: Params
    entropy: int
    spawn_key: tuple[int, ...] = ()
    config_yaml: str = ""
    manifest: Mapping[str, Any] = field(default_factory=dict)

    @property
    def seed_seq(self) -> np.random.SeedSequence:
        """The run's seed sequence."""
        return np.random.SeedSequence(self.entropy, spawn_key=self.spawn_key)


@dataclass
class RunOutcome:
    """What became of one :class:`RunSpec`.

    Attributes
    ----------
    folder : str
        The run folder.
    status : str
        ``"ran"``, ``"skipped"`` (its complete results were already there), ``"busy"``
        (another process holds the folder's lock) or ``"failed"``.
    model_s : float
        Seconds building the model and stepping it (0 unless it ran).
    seconds : float
        Seconds the run took in its worker, checks and writing included.
    error : str
        Why it failed or was busy, in one line.
    disk_full : bool
        Whether it failed because the file system was full.
    """

    folder: str
    status: str
    model_s: float = 0.0
    seconds: float = 0.0
    error: str = ""
    disk_full: bool = False

    @property
    def ok(self) -> bool:
        """Whether the folder now holds the run's complete results."""
        return self.status in ("ran", "skipped")


def replicate_specs(params: Params, folder: str | Path, config_yaml: str = "",
                    manifest: Mapping[str, Any] | None = None) -> list[RunSpec]:
    """The specs of every replicate of ``params`` (``params.run.replicates`` of them).

    The layout and seeds are the command line's: a single replicate runs into ``folder``
    with ``SeedSequence(run.seed)``; several run into ``folder/rep000``, ``rep001``, ...
    with ``SeedSequence(run.seed, spawn_key=(i,))``.
    """
    n, seed = params.run.replicates, params.run.seed
    one = dataclasses.replace(params, run=dataclasses.replace(params.run, replicates=1))
    extra = dict(manifest or {})
    if n == 1:
        return [RunSpec(str(folder), one, seed, (), config_yaml, extra)]
    return [RunSpec(str(Path(folder) / f"rep{i:03d}"), one, seed, (i,), config_yaml, extra)
            for i in range(n)]


def matches(state_manifest: Mapping[str, Any], spec: RunSpec) -> bool:
    """Whether a complete run's manifest is the run ``spec`` describes (config and seed)."""
    return (state_manifest.get("config_hash") == config_hash(spec.params)
            and state_manifest.get("seed") == spec.entropy
            and list(state_manifest.get("spawn_key", [])) == list(spec.spawn_key))


def run_spec(spec: RunSpec, *, verify: bool = True, durable: bool = True,
             min_flush_seconds: float = MIN_FLUSH_SECONDS) -> RunOutcome:
    """Make one run unless its folder already holds it; never raises for the run's failure.

    Parameters
    ----------
    spec : RunSpec
        The run.
    verify : bool
        Check a complete folder's files against their checksums before skipping it (a
        damaged run is made again).
    durable : bool
        fsync every file (see :func:`sim.io.atomic_write`).
    min_flush_seconds : float
        See :class:`sim.io.RunWriter`.

    Returns
    -------
    RunOutcome
        Interrupts (``KeyboardInterrupt``) still propagate.
    """
    start = time.perf_counter()
    folder = Path(spec.folder)
    try:
        with FolderLock(folder, "run folder", "is another sweep running into this folder?"):
            state = run_state(folder, verify=verify)
            if state.complete and state.manifest is not None:
                if matches(state.manifest, spec):
                    return RunOutcome(spec.folder, "skipped", 0.0, time.perf_counter() - start)
                return RunOutcome(spec.folder, "failed", 0.0, time.perf_counter() - start,
                                  "holds the complete results of another configuration or "
                                  "seed; choose another folder or delete it")
            run_into(folder, spec.params, spec.seed_seq, spec.config_yaml,
                     dict(spec.manifest), lock=False, durable=durable,
                     min_flush_seconds=min_flush_seconds)
            model_s = float(_read_json(folder / MANIFEST).get("model_time_s", 0.0))
            return RunOutcome(spec.folder, "ran", model_s, time.perf_counter() - start)
    except FolderBusy as exc:
        return RunOutcome(spec.folder, "busy", 0.0, time.perf_counter() - start, str(exc))
    except (ConfigError, OutputError, OSError) as exc:
        return RunOutcome(spec.folder, "failed", 0.0, time.perf_counter() - start,
                          _one_line(exc), disk_full(exc))
    except Exception as exc:  # a model error: reported with where it happened
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return RunOutcome(spec.folder, "failed", 0.0, time.perf_counter() - start,
                          f"{_one_line(exc)} (at {Path(where.filename).name}:{where.lineno})")


def _read_json(path: Path) -> dict[str, Any]:
    import json

    return dict(json.loads(path.read_text()))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    name = type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.strerror}" + (f": {exc.filename}" if exc.filename else "")
    return text if isinstance(exc, ConfigError | OutputError) else f"{name}: {text}"


def run_batch(specs: Sequence[RunSpec], *, single_thread: bool = True,
              verify: bool = True, durable: bool = True,
              min_flush_seconds: float = MIN_FLUSH_SECONDS) -> list[RunOutcome]:
    """Run ``specs`` one after another here: what a worker or a cluster task executes.

    Parameters
    ----------
    specs : sequence of RunSpec
        The batch.
    single_thread : bool
        Use one Numba thread (workers share the machine's cores between them).
    verify, durable, min_flush_seconds
        See :func:`run_spec`.

    Returns
    -------
    list of RunOutcome
        In the order of ``specs``.
    """
    if single_thread:
        one_numba_thread()
    import logging

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    out = []
    for spec in specs:
        if halted():  # the pool was halted: the disk is full
            out.append(_cancelled(spec))
            continue
        out.append(run_spec(spec, verify=verify, durable=durable,
                            min_flush_seconds=min_flush_seconds))
    return out


def batches(specs: Sequence[RunSpec], size: int) -> list[list[RunSpec]]:
    """``specs`` cut into consecutive batches of ``size`` (the last may be shorter)."""
    size = max(1, int(size))
    return [list(specs[i:i + size]) for i in range(0, len(specs), size)]


def run_many(specs: Iterable[RunSpec], executor: Executor | LocalPool | None = None, *,
             workers: int | None = None, batch_size: int = 1,
             on_outcome: Callable[[RunOutcome], None] | None = None,
             stop_on_disk_full: bool = True, **options: Any) -> list[RunOutcome]:
    """Make every run of ``specs``, skipping those already complete; return their outcomes.

    Parameters
    ----------
    specs : iterable of RunSpec
        The runs (:func:`replicate_specs` makes those of one scenario).
    executor : Executor or LocalPool, optional
        Where batches run: any :class:`concurrent.futures.Executor` (its workers each run
        :func:`run_batch`), or a :class:`LocalPool`. Without one, ``workers`` decides.
    workers : int, optional
        Without an executor: 1 (or None) runs everything in this process; more start a
        :class:`LocalPool` of that many workers for this call.
    batch_size : int
        Runs per submitted batch. One keeps workers evenly loaded to the last run (a
        batch costs about a millisecond of inter-process traffic here); larger batches
        suit executors with a high cost per task.
    on_outcome : callable, optional
        Called in this process with each :class:`RunOutcome` as it arrives (progress).
    stop_on_disk_full : bool
        Cancel what has not started once a run fails for lack of space.
    **options
        Passed to :func:`run_batch` (``verify``, ``durable``, ``min_flush_seconds``).

    Returns
    -------
    list of RunOutcome
        In the order of ``specs``. Runs cancelled after a full disk are ``"failed"``.

    Notes
    -----
    On Ctrl-C (``KeyboardInterrupt``) the batches that have not started are cancelled and,
    with a :class:`LocalPool`, the workers are ended before the interrupt propagates; an
    executor you pass keeps running what it has started (end it as your executor allows).
    """
    specs = list(specs)
    if executor is None and (workers or 1) > 1:
        with LocalPool(workers) as own:
            return run_many(specs, own, batch_size=batch_size, on_outcome=on_outcome,
                            stop_on_disk_full=stop_on_disk_full, **options)
    if executor is None:
        return _run_here(specs, on_outcome, stop_on_disk_full, options)
    pool = executor if isinstance(executor, LocalPool) else None
    target: Executor = executor.executor if isinstance(executor, LocalPool) else executor
    single = isinstance(target, ProcessPoolExecutor) or pool is not None
    try:
        return _run_on(target, specs, batch_size, on_outcome, stop_on_disk_full,
                       {"single_thread": single, **options},
                       pool.halt if pool is not None else None)
    except BaseException:
        if pool is not None:
            pool.stop()
        raise


def _run_here(specs: list[RunSpec], on_outcome: Callable[[RunOutcome], None] | None,
              stop_on_disk_full: bool, options: dict[str, Any]) -> list[RunOutcome]:
    out: list[RunOutcome] = []
    for i, spec in enumerate(specs):
        (outcome,) = run_batch([spec], single_thread=False, **options)
        out.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
        if outcome.disk_full and stop_on_disk_full:
            out += [_cancelled(s) for s in specs[i + 1:]]
            break
    return out


def _cancelled(spec: RunSpec) -> RunOutcome:
    return RunOutcome(spec.folder, "failed", error="not started: the disk is full",
                      disk_full=True)


def _run_on(target: Executor, specs: list[RunSpec], batch_size: int,
            on_outcome: Callable[[RunOutcome], None] | None, stop_on_disk_full: bool,
            options: dict[str, Any], halt: Callable[[], None] | None) -> list[RunOutcome]:
    """Submit the batches and gather their outcomes as they finish.

    With ``halt`` (a :class:`LocalPool`'s) a full disk halts the pool instead of cancelling
    its futures, and an interrupt leaves them to the pool's stop: Python 3.11's executor
    fails every pending future when its workers die, and one cancelled before makes its
    manager thread crash (leaving its queues' semaphores behind).
    """
    groups = batches(specs, batch_size)
    futures: dict[Future[list[RunOutcome]], int] = {}
    for i, group in enumerate(groups):
        futures[target.submit(_batch_call, group, options)] = i
    results: list[list[RunOutcome] | None] = [None] * len(groups)
    pending = set(futures)
    full = False
    try:
        while pending:
            done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for fut in done:
                i = futures[fut]
                results[i] = _collect_batch(fut, groups[i], full)
                for outcome in results[i] or []:
                    if on_outcome is not None:
                        on_outcome(outcome)
                    if outcome.disk_full and stop_on_disk_full and not full:
                        full = True
                        if halt is not None:
                            halt()
                        else:
                            for other in pending:
                                other.cancel()
    except BaseException:
        if halt is None:
            for fut in pending:
                fut.cancel()
        raise
    out: list[RunOutcome] = []
    for i, got in enumerate(results):
        out += got if got is not None else [_cancelled(s) for s in groups[i]]
    return out


def _batch_call(group: list[RunSpec], options: dict[str, Any]) -> list[RunOutcome]:
    return run_batch(group, **options)


def _collect_batch(fut: Future[list[RunOutcome]], group: list[RunSpec],
                   after_full: bool = False) -> list[RunOutcome]:
    if fut.cancelled():
        return [_cancelled(s) for s in group]
    exc = fut.exception()
    if exc is None:
        return fut.result()
    if after_full:  # its workers were ended because the disk is full
        return [_cancelled(s) for s in group]
    # the worker died (killed, out of memory) or the executor failed: the batch's runs
    # stay incomplete on disk and a rerun makes them
    why = f"its worker failed: {_one_line(exc)}"
    return [RunOutcome(s.folder, "failed", error=why, disk_full=disk_full(exc)) for s in group]


def summary(outcomes: Sequence[RunOutcome]) -> dict[str, Any]:
    """Counts by status, model seconds and worker seconds of a set of outcomes."""
    counts = {k: sum(o.status == k for o in outcomes) for k in ("ran", "skipped", "busy",
                                                                 "failed")}
    return {**counts, "model_s": math.fsum(o.model_s for o in outcomes),
            "worker_s": math.fsum(o.seconds for o in outcomes)}
