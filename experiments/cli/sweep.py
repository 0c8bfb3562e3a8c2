"""``aieco sweep``: a named experiment (or any sweep) as a resumable batch of runs.

Hydra's multirun syntax on the command line, the engine of :mod:`experiments.engine`
underneath: every setting composed once, settings x replicates expanded into runs, the runs
fed in batches to long-lived single-threaded workers here or to SLURM array tasks. Each run
writes its own folder (named by the setting's overrides, ``rep<i>`` for replicates) with
its manifest last; running the same command again into the same folder skips the complete
runs and makes the rest, and a sweep extended with more seeds or levels runs only what is
new. When the sweep ends it collects its runs into ``results.parquet`` and
``summary.parquet``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from experiments.engine.sweep import SweepPlan

USAGE = """usage: aieco sweep +experiment=NAME [overrides ...] [hydra/launcher=LAUNCHER]

Run a named experiment (or any sweep: key=a,b,c or key=range(0,10)) as a batch of runs,
one folder per setting and replicate, then collect results.parquet and summary.parquet.
The '+' adds the experiment config to the defaults. Running the same command again into
the same folder resumes: complete runs are kept and skipped, interrupted ones are made
again from their checkpoints. A folder holding another sweep is refused, and so is a
second sweep into a folder while one runs; complete results are never overwritten.
Ctrl-C or SIGTERM stops every worker and keeps what is complete.

experiments:
{experiments}

options (Hydra overrides):
  hydra.sweep.dir=DIR              where the run folders go (default outputs/sweeps/NAME)
  hydra.launcher.n_jobs=N          local workers (default: one per CPU; -1 every CPU)
  hydra/launcher=basic             run everything in this process, one run after another
  hydra/launcher=submitit_local    run array tasks as submitit subprocesses on this machine
  hydra/launcher=submitit_slurm    run array tasks on a SLURM cluster, e.g. with
                                   hydra.launcher.partition=P hydra.launcher.timeout_min=60
                                   (see experiments/catalogue.md)
  hydra.launcher.runs_per_task=N   runs per array task (default: spread over
                                   hydra.launcher.array_parallelism tasks)
  run.seed=range(0,20)             replace the experiment's seeds

examples:
  aieco sweep +experiment=concentration
  aieco sweep +experiment=race hydra.sweep.dir=outputs/race run.seed=range(0,5)
  aieco sweep openness=closed,open_weights run.seed=range(0,10) population=small
"""


def sweep_command(args: list[str]) -> None:
    """Validate, plan, run (here, on local workers or on a cluster), then collect."""
    from sim.pool import one_numba_thread

    # before anything imports Numba: this process and every worker it starts get one thread
    if "numba" in sys.modules:
        raise RuntimeError("aieco sweep must decide Numba's threads before Numba is imported")
    one_numba_thread()
    if any(a in ("-h", "--help") for a in args):
        _help()
        return
    flags = [a.split("=", 1)[0] for a in args if a.startswith("-")]
    if flags:
        from experiments.cli.args import fail, suggest

        fail(f"unrecognized flag '{flags[0]}'{suggest(flags[0], ['--help', '-h'])}: "
             "aieco sweep takes only overrides (see 'aieco sweep --help')")
    if _local_pool(args):
        from sim.pool import start_forkserver

        start_forkserver()  # the workers' imports run while this process composes
    from experiments.cli.args import fail
    from experiments.engine.sweep import Terminated, plan, run_sweep, sigterm_interrupts
    from sim.io import FolderBusy, OutputError, check_writable, disk_full

    with sigterm_interrupts():
        p = plan(args)
        check_writable(p.root, "hydra.sweep.dir")
        try:
            code = run_sweep(p)
        except Terminated:
            fail(f"terminated (SIGTERM): every worker has stopped; {_complete(p)} of {p.total} "
                 f"runs are complete in {p.root} and kept; the same command resumes the rest",
                 code=143)
        except KeyboardInterrupt:
            fail(f"interrupted: every worker has stopped; {_complete(p)} of {p.total} runs "
                 f"are complete in {p.root} and kept; the same command resumes the rest",
                 code=130)
        except FolderBusy as exc:  # another sweep writes into the folder: refused
            fail(str(exc), code=2)
        except OutputError as exc:
            fail(str(exc), code=1)
        except OSError as exc:
            if disk_full(exc):
                fail(f"the disk holding {p.root} is full ({exc.strerror}); {_complete(p)} of "
                     f"{p.total} runs are complete and kept; free some space and run the "
                     "same command again", code=1)
            raise
    if code:
        raise SystemExit(code)


def _local_pool(args: list[str]) -> bool:
    """Whether the sweep will run on local workers (no launcher, or joblib's, chosen)."""
    chosen = [a.split("=", 1)[1] for a in args if a.lstrip("+").startswith("hydra/launcher=")]
    return not chosen or chosen[-1] == "joblib"


def _complete(p: SweepPlan) -> int:
    from experiments.engine.sweep import count_complete

    try:
        return count_complete(p)
    except Exception:  # counting must not hide why the sweep ended
        return 0


def _help() -> None:
    import textwrap

    from experiments.cli.config import experiments

    names = textwrap.fill(", ".join(experiments()), width=88, initial_indent="  ",
                          subsequent_indent="  ")
    print(USAGE.format(experiments=names))


def plan(overrides: list[str]) -> SweepPlan:
    """The engine's plan of a sweep (for tests and tools): settings, runs, executor."""
    from experiments.engine.sweep import plan as engine_plan

    return engine_plan(overrides)
