"""``aieco sensitivity``: Morris screening then Sobol' indices, on the sweep engine.

The factors are named on the command line (``--factors``, each over its plausible range
unless given as ``key=LO:HI[:DIST]``) or taken from an experiment's declared
``uncertainties``; the base scenario is the experiment (its levers at their defaults unless
fixed by overrides) and any overrides, composed as ``aieco run`` composes them. Everything
is checked before any run: unknown keys, ranges outside the validity limits, outcomes that
do not exist, sizes too small for the method, each one line.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from experiments.engine.study import Study
    from experiments.engine.study_runs import ModelEvaluator
    from sim.params import Params

T = TypeVar("T")

#: outcomes analysed when neither --outcomes nor an experiment names any
DEFAULT_OUTCOMES = ("hhi", "harm")

DESCRIPTION = """\
Which assumptions drive the answers: Morris screening, then Sobol' first-order and total
indices with 95% bootstrap intervals, for any outcome columns. Every design point runs
--replicates seeds (the same at every point) and the indices use their mean; the seed's
share of variance is reported. Runs go through the sweep engine (local workers, or
hydra/launcher=submitit_slurm ...); the study folder keeps the samples (samples.parquet),
the runs and study.json, so the same command resumes an interrupted study and a larger
--n extends a smaller one. The report (report.md, figures/, tables/*.csv|tex) is written
at the end, with the speed figure."""

EPILOG = """\
factors: KEY (its plausible range, see 'aieco params --plausible'), KEY=LO:HI,
  KEY=LO:HI:DIST (uniform, loguniform, triangular), or GROUP=a|b|c (options of a group)
outcomes: NAME (final value; run mean for flows), NAME_final or NAME_mean

examples:
  aieco sensitivity --experiment concentration
  aieco sensitivity --factors market.network_effect,market.switch_cost_mean,race.speed_factor \\
      --outcomes hhi,harm --n 32 population=tiny run.steps=12
  aieco sensitivity --experiment concentration hydra/launcher=submitit_slurm \\
      hydra.launcher.partition=compute"""


def sensitivity_command(args: list[str]) -> None:
    """Parse, check, run (resuming), analyse and report a sensitivity study."""
    from sim.pool import one_numba_thread

    # before Numba is imported, where the command line starts: one thread here and in
    # every worker (in a process that imported it already, set_num_threads does it)
    one_numba_thread()
    ns = _parser().parse_intermixed_args(args)
    from experiments.engine.study import run_study

    study, evaluator, root = build(ns)
    in_study_folder(root, lambda: run_study(study, root, evaluator))


def in_study_folder(root: Path, work: Callable[[], T]) -> T:
    """``work()`` holding the study folder's lock, with one-line exits for what stops it.

    SIGTERM (143) and Ctrl-C (130) leave the complete runs in place for the same command to
    resume; a folder another study holds (2) or that cannot be written (1) is refused.
    """
    from experiments.cli.args import fail
    from experiments.engine.sweep import Terminated, sigterm_interrupts
    from sim.io import FolderBusy, FolderLock, OutputError, check_writable

    check_writable(root, "--out")
    with sigterm_interrupts():
        try:
            with FolderLock(root, "study folder", "wait for that study to end (or stop it), "
                            "then run the same command again"):
                return work()
        except Terminated:
            fail(f"terminated (SIGTERM): every worker has stopped; complete runs are kept in "
                 f"{root}; the same command resumes the study", code=143)
        except KeyboardInterrupt:
            fail(f"interrupted: every worker has stopped; complete runs are kept in {root}; "
                 "the same command resumes the study", code=130)
        except FolderBusy as exc:
            fail(str(exc), code=2)
        except OutputError as exc:
            fail(str(exc), code=1)


def _parser() -> argparse.ArgumentParser:
    from experiments.cli.args import Parser

    parser = Parser(prog="aieco sensitivity", description=DESCRIPTION, epilog=EPILOG,
                    formatter_class=argparse.RawDescriptionHelpFormatter,
                    usage="aieco sensitivity [options] [OVERRIDE ...]")
    add = parser.add_argument
    add("--experiment", metavar="NAME", help="base scenario and declared uncertainties")
    add("--factors", metavar="LIST", help="comma-separated factors (default: the "
        "experiment's uncertainties)")
    add("--outcomes", metavar="LIST", help="comma-separated outcomes (default: the "
        "experiment's outcomes, or hhi,harm)")
    add("--method", choices=("both", "morris", "sobol"), default="both",
        help="Morris screening, Sobol' indices, or both in that order (default: both)")
    add("--n", type=int, default=64, metavar="N",
        help="Sobol' base samples, a power of 2 (runs: N x (factors + 2) x replicates; "
             "default: %(default)s)")
    add("--trajectories", type=int, default=10, metavar="R",
        help="Morris trajectories (runs: R x (factors + 1) x replicates; default: %(default)s)")
    add("--replicates", type=int, default=2, metavar="K",
        help="seeds per design point, averaged (default: %(default)s)")
    add("--seed", type=int, default=0, help="design seed and replicate entropy (default: 0)")
    add("--second-order", action="store_true", help="Sobol' second-order indices too")
    add("--out", metavar="DIR", help="study folder (default: outputs/sensitivity/NAME)")
    add("overrides", nargs="*", metavar="OVERRIDE",
        help="config overrides of the base scenario (population=tiny run.steps=12), and "
             "hydra/launcher=..., hydra.launcher.* to choose where runs go")
    return parser


def base(experiment: str | None, overrides: list[str]) -> tuple[Any, Any, Params, dict]:
    """(sweep definition, experiment metadata, base scenario, engine keys) of a study.

    Hydra's own overrides (``hydra/launcher=...``) choose where runs go; the rest compose the
    base scenario as ``aieco run`` would (an experiment's levers at their defaults unless
    fixed here). A sweep (``key=a,b``) is refused: a study varies only its factors.
    """
    from experiments.cli.config import experiment_meta, override_key, params_from_cfg
    from experiments.engine.executors import take_own
    from experiments.engine.settings import define, split
    from sim.params import ConfigError

    own = [o for o in overrides if override_key(o).startswith("hydra")]
    plain = [o for o in overrides if o not in own]
    sweeps = split(plain)[1]
    if sweeps:
        raise ConfigError("override", sweeps[0], "a study varies only its factors: fix one "
                          "value (name it as a factor to vary it)")
    if experiment:
        plain = [f"+experiment={experiment}", *plain]
    hydra_own, mine = take_own(own)
    definition = define(plain, hydra_own)
    return definition, experiment_meta(definition.cfg), params_from_cfg(definition.cfg), mine


def build(ns: argparse.Namespace) -> tuple[Study, ModelEvaluator, Path]:
    """The study, its evaluator and its folder, every input checked (one-line errors)."""
    from experiments.engine.executors import choose
    from experiments.engine.study import Study
    from experiments.engine.study_runs import ModelEvaluator
    from sim.params import ConfigError
    from sim.params.plausible import space

    definition, meta, params, mine = base(ns.experiment, ns.overrides)
    factor_keys = _split(ns.factors) if ns.factors else list(meta.uncertainties)
    if not factor_keys:
        raise ConfigError("--factors", None, "name the factors, or an --experiment that "
                          "declares uncertainties")
    factors = tuple(space(factor_keys))
    named = _split(ns.outcomes) if ns.outcomes else (meta.outcomes or list(DEFAULT_OUTCOMES))
    outcomes = tuple(outcome_column(o) for o in named)
    sizes = {m: (ns.n if m == "sobol" else ns.trajectories)
             for m in (("morris", "sobol") if ns.method == "both" else (ns.method,))}
    name = meta.name or ns.experiment or "study"
    study = Study(name, factors, sizes, outcomes, params, ns.replicates, ns.seed,
                  ns.second_order, tuple(ns.overrides), ns.experiment or "")
    study.check()
    root = Path(ns.out or f"outputs/sensitivity/{name}")
    launch = choose(definition.cfg, mine, str(root), f"sensitivity-{name}")
    return study, ModelEvaluator(launch, definition), root


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def outcome_column(name: str) -> str:
    """The summary column of an outcome: ``hhi`` -> ``hhi_final``, ``harm`` -> ``harm_mean``."""
    from analysis.theme import summary_column
    from sim.metrics import OUTCOMES
    from sim.params import ConfigError, nearest

    usable = [k for k in OUTCOMES if k not in ("step", "seed", "replicate")]
    if name in usable:
        return summary_column(name)
    base, _, how = name.rpartition("_")
    if how in ("final", "mean") and base in usable:
        return name
    raise ConfigError("--outcomes", name, f"unknown outcome{nearest(name, usable)}; outcomes "
                      "are the metric columns (see docs/ODD.md), optionally with _final or "
                      "_mean")
