"""Running a sweep: plan, lock, run on the chosen executor with progress, stop cleanly, collect.

A sweep folder records its identity (``sweep.json``: experiment, fixed values, levers); a
different sweep into the same folder is refused. The parent holds the folder's lock for the
whole sweep, so a second ``aieco sweep`` into it is refused in one line; each run holds its
own folder's lock while it writes, so nothing else writes into a run being made (an
earlier sweep's cluster tasks still running, say). The runs planned are counted on disk,
so a resumed, extended or shrunk sweep (more or fewer replicates, more levels) reports
the runs of this plan; complete runs found beside them stay and are collected.

Ctrl-C and SIGTERM (what SLURM sends at a time limit) end a sweep the same way: batches not
started are cancelled, local workers are ended (SIGTERM: each stops at once; every file is
written atomically, so a run cut short is merely incomplete), cluster tasks are cancelled
and waited for, and the command exits with one line saying how many runs are complete and
that the same command resumes the rest.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experiments.engine.executors import Launch, choose, take_own
from experiments.engine.settings import Composer, Setting, SweepDefinition, define, relative
from sim.batch import RunOutcome, RunSpec, batches, replicate_specs
from sim.io import FolderLock, OutputError, disk_full, run_state, write_text
from sim.params import ConfigError

SWEEP_FILE = "sweep.json"
#: the cluster jobs of the sweep's last run, checked before the next run starts
JOBS_FILE = ".sweep-jobs.json"
#: seconds to wait for cancelled cluster tasks to leave the queue before exiting
CANCEL_WAIT = 120.0


class Terminated(KeyboardInterrupt):
    """SIGTERM reached the sweep's process (a cluster's time limit, ``kill``)."""


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` (a ``KeyboardInterrupt``) while in effect."""
    def handler(signum: int, frame: object) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass
class SweepPlan:
    """A sweep ready to run: where, its settings and runs, and the executor."""

    definition: SweepDefinition
    root: Path
    settings: list[Setting]
    specs: list[RunSpec]
    launch: Launch
    compose_s: float = 0.0

    @property
    def total(self) -> int:
        """Runs in the plan."""
        return len(self.specs)


def plan(args: list[str], sweep_dir_given: bool | None = None) -> SweepPlan:
    """Validate a sweep and compose every setting (one-line ConfigError on any mistake).

    Nothing is written. The runs are every setting's replicates, in folders named by the
    setting's overrides under the sweep folder.
    """
    from experiments.cli.config import override_key
    from experiments.engine.settings import sweep_dir

    start = time.perf_counter()
    own_given = [a for a in args if override_key(a).startswith("hydra")]
    own, mine = take_own(own_given)
    definition = define([a for a in args if a not in own_given], own)
    settings = Composer(definition).settings()
    given = any(override_key(o) == "hydra.sweep.dir" for o in own_given) \
        if sweep_dir_given is None else sweep_dir_given
    root = Path(sweep_dir(definition, given))
    specs = []
    for s in settings:
        extra = {"overrides": list(s.overrides), "swept": s.swept,
                 "experiment": definition.name}
        specs += replicate_specs(s.params, relative(root, s.folder), s.config_yaml, extra)
    launch = choose(definition.cfg, mine, str(root), definition.name)
    return SweepPlan(definition, root, settings, specs, launch, time.perf_counter() - start)


def claim(root: Path, ident: dict[str, object]) -> None:
    """Record the sweep's identity in its folder, or refuse a folder holding another."""
    path = root / SWEEP_FILE
    if path.exists():
        try:
            held = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            held = None
        if held != ident:
            what = (f"experiment {held.get('experiment')}, fixed {held.get('fixed')}, "
                    f"levers {held.get('levers')}" if isinstance(held, dict)
                    else "an unreadable sweep.json")
            raise ConfigError("hydra.sweep.dir", str(root),
                              f"holds another sweep ({what}); choose another folder")
        return
    root.mkdir(parents=True, exist_ok=True)
    write_text(json.dumps(ident, indent=2) + "\n", path)


def earlier_jobs(root: Path) -> None:
    """Refuse to start while cluster tasks of this sweep's last run are still queued."""
    path = root / JOBS_FILE
    if not path.exists():
        return
    from experiments.engine.cluster import queued_jobs

    try:
        ids = list(json.loads(path.read_text()).get("jobs", []))
    except (OSError, json.JSONDecodeError, AttributeError):
        return
    still = queued_jobs(ids)
    if still:
        raise OutputError(f"sweep folder {root} still has cluster tasks of its last run in "
                          f"the queue ({', '.join(still[:5])}"
                          f"{' ...' if len(still) > 5 else ''}); wait for them or scancel "
                          "them, then run the same command again")


# ------------------------------------------------------------------------------------------
# progress
# ------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Runs done of the plan, and what went wrong, as outcomes arrive."""

    total: int
    done: int = 0
    outcomes: list[RunOutcome] = field(default_factory=list)
    bar: Any = None

    def start(self, root: Path, already: int, label: str) -> None:
        """Show a progress bar starting at ``already`` runs done."""
        from tqdm import tqdm

        self.done = already
        self.bar = tqdm(total=self.total, initial=already, unit="run",
                        desc=f"sweep {root.name}", file=sys.stderr, dynamic_ncols=True,
                        smoothing=0.1, postfix=label)

    def add(self, outcome: RunOutcome) -> None:
        """Count one outcome."""
        self.outcomes.append(outcome)
        if outcome.status == "ran":
            self.done += 1
            if self.bar is not None:
                self.bar.update(1)

    def close(self) -> None:
        """Close the bar."""
        if self.bar is not None:
            self.bar.close()


# ------------------------------------------------------------------------------------------
# running
# ------------------------------------------------------------------------------------------


def state_of(specs: list[RunSpec], verify: bool = True) -> list[bool]:
    """Which planned runs are complete on disk (with their checksums verified)."""
    from sim.batch import matches

    out = []
    for spec in specs:
        state = run_state(Path(spec.folder), verify=verify)
        out.append(bool(state.complete and state.manifest and matches(state.manifest, spec)))
    return out


def execute(p: SweepPlan, todo: list[RunSpec], tally: Tally) -> dict[str, Any]:
    """Run ``todo`` on the plan's executor; returns timings (engine wall, model seconds)."""
    from sim.batch import LocalPool, run_many

    options = {"durable": True}
    start = time.perf_counter()
    info: dict[str, Any] = {"executor": p.launch.label}
    if p.launch.kind == "serial":
        run_many(todo, None, on_outcome=tally.add, **options)
    elif p.launch.kind == "local":
        workers = min(p.launch.workers, max(1, len(todo)))
        with LocalPool(workers) as pool:
            pool.start()
            info["pool_start_s"] = time.perf_counter() - start
            run_many(todo, pool, on_outcome=tally.add, **options)
    else:
        _execute_cluster(p, todo, tally, options, info)
    info["engine_s"] = time.perf_counter() - start
    return info


def _execute_cluster(p: SweepPlan, todo: list[RunSpec], tally: Tally,
                     options: dict[str, Any], info: dict[str, Any]) -> None:
    from experiments.engine.cluster import ArrayRun, TaskResult

    assert p.launch.cluster is not None
    groups = batches(todo, p.launch.cluster.per_task(len(todo)))
    array = ArrayRun(p.launch.cluster, groups, options)
    info["executor"] = (f"{p.launch.label}: {len(groups)} array tasks of up to "
                        f"{len(groups[0])} runs")
    info["jobs"] = array.job_ids
    write_text(json.dumps({"jobs": array.job_ids}) + "\n", p.root / JOBS_FILE)

    def ended(i: int, result: TaskResult | str) -> None:
        if isinstance(result, TaskResult):
            for outcome in result.outcomes:
                tally.add(outcome)
        else:
            for spec in groups[i]:
                tally.add(RunOutcome(spec.folder, "failed", error=result))

    try:
        array.wait_ended(math.inf, ended)
    except BaseException:
        array.cancel()
        print(f"aieco sweep: cancelled the cluster tasks ({array.array_id or 'local'}); "
              "waiting for them to end", file=sys.stderr)
        if not array.wait_ended(CANCEL_WAIT):
            print(f"aieco sweep: some cluster tasks had not ended after {CANCEL_WAIT:.0f} s; "
                  "check squeue before running the same command again", file=sys.stderr)
        raise


def report_failures(root: Path, outcomes: list[RunOutcome], limit: int = 20) -> None:
    """One line per run that failed or was busy; runs failing alike share a line.

    A cancelled array or a full disk fails many runs for one reason: those are counted on
    one line with a few examples instead of one line each.
    """
    bad = [o for o in outcomes if not o.ok]
    by_reason: dict[tuple[str, str], list[RunOutcome]] = {}
    for o in bad:
        by_reason.setdefault((o.status, o.error), []).append(o)
    lines = 0
    for (status, error), group in by_reason.items():
        names = [os.path.relpath(o.folder, root) for o in group]
        if len(group) <= 2:
            for name in names:
                if lines < limit:
                    print(f"aieco sweep: {status} {name}: {error}", file=sys.stderr)
                lines += 1
            continue
        if lines < limit:
            print(f"aieco sweep: {len(group)} runs {status} ({names[0]}, {names[1]}, ...): "
                  f"{error}", file=sys.stderr)
        lines += 1
    if lines > limit:
        print(f"aieco sweep: ... and {lines - limit} more", file=sys.stderr)


def run_sweep(p: SweepPlan) -> int:
    """Lock, claim, run and collect a planned sweep; returns the exit code (0 or 1).

    Raises
    ------
    KeyboardInterrupt
        On Ctrl-C or SIGTERM (:class:`Terminated`), after the executor has stopped.
    """
    from analysis.collect import RESULTS, SUMMARY, collect

    root = p.root
    with FolderLock(root, "sweep folder", "wait for that sweep to end (or stop it), "
                    "then run the same command again"):
        earlier_jobs(root)
        claim(root, p.definition.identity)
        done = state_of(p.specs)
        todo = [s for s, ok in zip(p.specs, done, strict=True) if not ok]
        if todo:
            warm_numba_cache()
        tally = Tally(p.total)
        tally.start(root, sum(done), p.launch.label)
        try:
            info = execute(p, todo, tally) if todo else {"engine_s": 0.0}
        finally:
            tally.close()
        if any("terminated abruptly" in o.error for o in tally.outcomes):
            # workers killed by a signal that was sent to the whole job (a batch system's
            # time limit, kill -TERM -PGID): let this process's own handler run first, so
            # the sweep ends with one line rather than a failure for every run
            time.sleep(0.5)
        complete = sum(state_of(p.specs, verify=False))
        report_failures(root, tally.outcomes)
        full = any(o.disk_full for o in tally.outcomes)
        model = math.fsum(o.model_s for o in tally.outcomes)
        where = info.get("executor", p.launch.label)
        print(f"sweep finished in {info['engine_s']:.1f} s ({where}; model time {model:.1f} s)",
              file=sys.stderr)
        if full:
            raise OutputError(f"the disk holding {root} is full: {complete} of {p.total} runs "
                              "are complete and kept; free some space and run the same "
                              "command again to make the rest")
        _, summary = collect(root)
    print(f"{complete} of {p.total} runs complete in {root}")
    if not summary.empty:
        print(f"collected: {root / RESULTS}, {root / SUMMARY}")
    if complete < p.total:
        print(f"aieco: error: {p.total - complete} runs did not complete; run the same "
              "command again to retry them (completed runs are kept)", file=sys.stderr)
        return 1
    return 0


def count_complete(p: SweepPlan) -> int:
    """Planned runs complete on disk now (sizes checked)."""
    return sum(state_of(p.specs, verify=False))


def warm_numba_cache() -> None:
    """Compile (or load) every kernel in this process unless this cache was warmed already.

    Workers compiling the same kernel at once can race on Numba's cache (STACK.md), so a
    cold cache is filled here first, by a one-step model. Whether it was is a stamp file
    in the cache, named after the kernels' sources as Numba itself keys its cache (path,
    modification time, size) and Numba's version: checking it costs a few ``stat`` calls
    and imports nothing, where loading the kernels to ask Numba would import the model.
    """
    stamp = _warm_stamp()
    if stamp is not None and stamp.exists():
        return
    from sim import run
    from sim.params import Params

    run(Params().replace(population={"n_users": 200, "n_niches": 2, "n_labs": 2,
                                     "n_startups": 2, "max_startups": 10, "n_civil_society": 2,
                                     "n_malicious": 4},
                         diffusion={"variant": "network", "user_degree": 2},
                         run={"steps": 1, "progress": False}))
    if stamp is not None:
        try:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text("kernels compiled into this cache\n")
        except OSError:  # a read-only cache: warm again next time
            pass


def _warm_stamp() -> Path | None:
    """Where the warm-cache stamp of the current kernels lives (None if unknowable)."""
    import hashlib
    import importlib.util
    from importlib import metadata

    try:
        spec = importlib.util.find_spec("sim.kernels")
        assert spec is not None and spec.origin is not None
        folder = Path(spec.origin).parent
        digest = hashlib.sha256(metadata.version("numba").encode())
        for path in sorted(folder.glob("*.py")):
            st = path.stat()
            digest.update(f"{path.name}:{st.st_mtime_ns}:{st.st_size};".encode())
    except Exception:
        return None
    root = os.environ.get("NUMBA_CACHE_DIR")
    base = Path(root) if root else folder / "__pycache__"
    return base / f"aieco-warm-{digest.hexdigest()[:20]}.stamp"


def elapsed(since: float) -> float:
    """Seconds since ``since`` (``time.perf_counter``)."""
    return time.perf_counter() - since


def disk_full_line(exc: BaseException, root: Path) -> str | None:
    """The one-line message for a full disk, or None if ``exc`` is something else."""
    if not disk_full(exc):
        return None
    return (f"the disk holding {root} is full ({getattr(exc, 'strerror', '')}); complete runs "
            "are kept; free some space and run the same command again")
