"""``aieco sweep``: a named experiment (or any sweep) as a resumable Hydra multirun.

A sweep folder records its identity (``sweep.json``: experiment, fixed values, levers); a
different sweep into the same folder is refused. Locally the joblib launcher runs one
single-threaded worker per core; on a cluster
``hydra/launcher=submitit_slurm`` runs the same jobs as SLURM jobs, and
``hydra/launcher=submitit_local`` exercises that path here. Every job writes its own run
folder, named by its overrides (``hydra.job.override_dirname``), so the same sweep run
again into the same folder finds its completed runs by their manifests and skips them; a
sweep extended with more seeds or levels only runs what is new. When the sweep ends it
collects its runs into ``results.parquet`` and ``summary.parquet``.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

from sim.params import ConfigError

USAGE = """usage: aieco sweep +experiment=NAME [overrides ...] [hydra/launcher=LAUNCHER]

Run a named experiment (or any sweep: key=a,b,c or key=range(0,10)) as a Hydra multirun,
one run folder per job, then collect results.parquet and summary.parquet. The '+' adds the
experiment config to the defaults. Running the same command again into the same folder
resumes: complete runs are kept and skipped, killed runs resume from their checkpoints.
A folder holding another sweep is refused; complete results are never overwritten.

experiments:
{experiments}

options (Hydra overrides):
  hydra.sweep.dir=DIR              where the run folders go (default outputs/sweeps/NAME)
  hydra.launcher.n_jobs=N          parallel workers with joblib (default: one per core)
  hydra/launcher=submitit_local    run jobs as submitit subprocesses on this machine
  hydra/launcher=submitit_slurm    run jobs on a SLURM cluster (see experiments/catalogue.md)
  run.seed=range(0,20)             replace the experiment's seeds

examples:
  aieco sweep +experiment=concentration
  aieco sweep +experiment=race hydra.sweep.dir=outputs/race run.seed=range(0,5)
  aieco sweep openness=closed,open_weights run.seed=range(0,10) population=small
"""


def _split(overrides: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Split overrides into (model values, sweeps over model values, Hydra's own)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    plain, sweeps, own = [], [], []
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as exc:
        raise ConfigError("override", " ".join(overrides),
                          str(exc).strip().splitlines()[0]) from None
    for text, ov in zip(overrides, parsed, strict=True):
        key = ov.key_or_group
        if key == "experiment" and ov.is_sweep_override():
            raise ConfigError("+experiment", text.split("=", 1)[-1],
                              "sweep one experiment at a time (a folder holds one experiment)")
        if key.startswith("hydra"):
            own.append(text)
        elif ov.is_sweep_override():
            sweeps.append(text)
        else:
            plain.append(text)
    return plain, sweeps, own


LAUNCHERS = ("basic", "joblib", "submitit_local", "submitit_slurm")
#: keys that do not tell runs apart: left out of run-folder names and of a sweep's identity
NOT_IN_NAMES = ("experiment", "run.replicates", "run.progress", "run.flush_every")


def identity(name: str, plain: list[str], swept: list[str]) -> dict[str, object]:
    """What makes a sweep folder this sweep: its experiment, fixed values and levers.

    More seeds or more levels of the same levers extend a sweep; anything else is another
    sweep and needs another folder.
    """
    fixed = sorted(t.lstrip("+~") for t in plain
                   if t.lstrip("+~").split("=", 1)[0] not in NOT_IN_NAMES)
    return {"experiment": name, "fixed": fixed, "levers": sorted(swept)}


def claim(root: Path, ident: dict[str, object]) -> None:
    """Record the sweep's identity in its folder, or refuse a folder holding another."""
    import json

    from sim.io import write_text

    path = root / SWEEP_FILE
    if path.exists():
        held = json.loads(path.read_text())
        if held != ident:
            raise ConfigError("hydra.sweep.dir", str(root),
                              f"holds another sweep (experiment {held.get('experiment')}, "
                              f"fixed {held.get('fixed')}, levers {held.get('levers')}); "
                              "choose another folder")
        return
    root.mkdir(parents=True, exist_ok=True)
    write_text(json.dumps(ident, indent=2) + "\n", path)


SWEEP_FILE = "sweep.json"


class SweepPlan(NamedTuple):
    """A validated sweep: its name, number of runs, Hydra overrides and identity."""

    name: str
    total: int
    launch: list[str]
    identity: dict[str, object]


def plan(overrides: list[str]) -> SweepPlan:
    """Validate a sweep: its experiment name, number of runs, launch overrides, identity.

    The number of runs is the number of jobs times the replicates each job runs.

    Every value of every swept key is composed once with the fixed overrides, so a bad key,
    type, range or option fails here, in one line, before any folder is made.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from experiments.cli.config import compose_params, experiment_meta

    plain, sweeps, own = _split(overrides)
    params, cfg = compose_params(plain)
    fixed = {t.lstrip("+~").split("=", 1)[0] for t in plain}
    # a value given on the command line replaces the experiment's sweep of that key
    sweeper = {k: v for k, v in _sweeper_params(plain).items() if k not in fixed}
    for text in sweeps:
        key, _, value = text.lstrip("+").partition("=")
        sweeper[key] = value
    parser = OverridesParser.create()
    counts, replicates = [], [params.run.replicates]
    for key, value in sweeper.items():
        ov = parser.parse_override(f"{key}={value}")
        values = list(ov.sweep_string_iterator()) if ov.is_sweep_override() else [value]
        counts.append(len(values))
        for v in values:
            swept, _ = compose_params([*plain, f"{key}={v}"])
            if key == "run.replicates":
                replicates.append(swept.run.replicates)
    for text in own:
        if text.startswith("hydra.launcher.n_jobs="):
            jobs_text = text.split("=", 1)[1]
            if not jobs_text.isdigit() or int(jobs_text) < 1:
                raise ConfigError("hydra.launcher.n_jobs", jobs_text, "must be an integer >= 1")
        if text.startswith("hydra/launcher="):
            choice = text.split("=", 1)[1]
            if choice not in LAUNCHERS:
                raise ConfigError("hydra/launcher", choice,
                                  "choose one of: " + ", ".join(LAUNCHERS))
    name = experiment_meta(cfg).name or "sweep"
    launch = [*plain, *(f"{k}={v}" for k, v in sweeper.items()), *own]
    jobs = math.prod(counts) if counts else 1
    if len(replicates) > 1:  # replicates swept: the mean number per job
        per_job = sum(replicates[1:]) / (len(replicates) - 1)
    else:
        per_job = replicates[0]
    return SweepPlan(name, round(jobs * per_job), launch, identity(name, plain, list(sweeper)))


def _sweeper_params(plain: list[str]) -> dict[str, str]:
    """The sweeper parameters an experiment config declares."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from experiments.cli.config import config_dir, register_schema

    register_schema()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(version_base="1.3", config_dir=str(config_dir())):
            cfg = compose("config", overrides=plain, return_hydra_config=True)
    finally:
        GlobalHydra.instance().clear()
    params = cfg.hydra.sweeper.get("params") or {}
    return {str(k): str(v) for k, v in params.items()}


def resolve_sweep_dir(args: list[str], name: str) -> str:
    """The sweep folder, resolved once: ``outputs/sweeps/NAME`` unless given.

    However it is spelt (``hydra.sweep.dir``, ``++hydra.sweep.dir``, ``${now:...}``), it is
    resolved here and handed to Hydra as a plain path, so the sweep's record, its runs and
    its collection share one folder.
    """
    from experiments.cli.config import compose_params, output_dir, override_key

    given = [o for o in args if override_key(o) == "hydra.sweep.dir"]
    if not given:
        return f"outputs/sweeps/{name}"
    plain = [o for o in args if not override_key(o).startswith("hydra")
             and "," not in o and "(" not in o]
    _, cfg = compose_params([*plain, *given], hydra=True)
    return output_dir(cfg, "hydra.sweep.dir")


def one_numba_thread() -> None:
    """Give this process and every worker it starts one Numba thread, before Numba loads.

    Numba reads ``NUMBA_NUM_THREADS`` when it is imported and again at every compilation; a
    value set after its threads started makes the next compilation fail (this is what
    crashed ``make run`` on a fresh machine, where kernels still compile). So the setting
    is made here, before the first import of Numba, and workers inherit it.
    """
    if "numba" in sys.modules:
        raise RuntimeError("one_numba_thread() must run before Numba is imported")
    os.environ["NUMBA_NUM_THREADS"] = "1"


def warm_numba_cache() -> None:
    """Compile (or load) every kernel once in the parent, before workers start."""
    from sim import run
    from sim.params import Params

    run(Params().replace(population={"n_users": 200, "n_niches": 2, "n_labs": 2,
                                     "n_startups": 2, "max_startups": 10, "n_civil_society": 2,
                                     "n_malicious": 4},
                         diffusion={"variant": "network", "user_degree": 2},
                         run={"steps": 1, "progress": False}))


class Progress:
    """Runs done of total, elapsed and remaining time, from the manifests on disk."""

    def __init__(self, root: Path, total: int) -> None:
        from tqdm import tqdm

        from analysis.collect import find_runs

        self.root, self.total, self._find = root, total, find_runs
        self.start_done = len(find_runs(root)) if root.exists() else 0
        self.bar = tqdm(total=total, initial=min(self.start_done, total), unit="run",
                        desc=f"sweep {root.name}", file=sys.stderr, dynamic_ncols=True,
                        smoothing=0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> Progress:
        self._thread.start()
        return self

    def _poll(self) -> None:
        while not self._stop.wait(1.0):
            self._update()

    def _update(self) -> None:
        done = len(self._find(self.root)) if self.root.exists() else 0
        self.bar.update(max(0, min(done, self.total) - self.bar.n))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._update()
        self.bar.close()


def sweep_command(args: list[str]) -> None:
    """Validate, warm the Numba cache, launch the multirun, then collect."""
    one_numba_thread()
    from experiments.cli.config import experiments

    if any(a in ("-h", "--help") for a in args):
        import textwrap

        names = textwrap.fill(", ".join(experiments()), width=88, initial_indent="  ",
                              subsequent_indent="  ")
        print(USAGE.format(experiments=names))
        return
    flags = [a.split("=", 1)[0] for a in args if a.startswith("-")]
    if flags:
        from experiments.cli.args import fail, suggest

        fail(f"unrecognized flag '{flags[0]}'{suggest(flags[0], ['--help', '-h'])}: "
             "aieco sweep takes only overrides (see 'aieco sweep --help')")
    from experiments.cli.config import override_key, quote_value

    name, total, launch, ident = plan(args)
    sweep_dir = resolve_sweep_dir(args, name)
    launch = [o for o in launch if override_key(o) != "hydra.sweep.dir"]
    from sim.io import check_writable

    check_writable(sweep_dir, "hydra.sweep.dir")
    claim(Path(sweep_dir), ident)
    extra = [f"hydra.sweep.dir={quote_value(sweep_dir)}"]
    if not any(o.startswith("hydra/launcher=") for o in args):
        extra.append("hydra/launcher=joblib")
        if not any(o.startswith("hydra.launcher.n_jobs=") for o in args):
            extra.append(f"hydra.launcher.n_jobs={os.cpu_count() or 1}")
    warm_numba_cache()
    failed = _launch([*launch, *extra], Path(sweep_dir), total)
    _finish(Path(sweep_dir), total, failed)


def _launch(overrides: list[str], root: Path, total: int) -> bool:
    import hydra

    from experiments.cli.config import config_dir
    from experiments.cli.task import task

    sys.argv = ["aieco-sweep", "--multirun", *overrides,
                "hydra.sweep.subdir=${hydra.job.override_dirname}",
                "hydra.job.config.override_dirname.exclude_keys=["
                + ",".join(NOT_IN_NAMES) + "]",
                "hydra/hydra_logging=disabled", "hydra/job_logging=disabled"]
    app = hydra.main(version_base="1.3", config_path=str(config_dir()),
                     config_name="config")(task)
    start = time.perf_counter()
    with Progress(root, total):
        try:
            app()
        except SystemExit as exc:
            return bool(exc.code)
    print(f"sweep finished in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return False


def _finish(root: Path, total: int, failed: bool) -> None:
    from analysis.collect import RESULTS, SUMMARY, collect

    if not root.is_dir():
        raise ConfigError("sweep", str(root), "Hydra did not start the sweep (see above)")
    _, summary = collect(root)
    done = len(summary)
    print(f"{done} of {total} runs complete in {root}")
    print(f"collected: {root / RESULTS}, {root / SUMMARY}")
    if failed or done < total:
        print(f"aieco: error: {total - done} runs did not complete; run the same command "
              "again to retry them (completed runs are kept)", file=sys.stderr)
        raise SystemExit(1)
