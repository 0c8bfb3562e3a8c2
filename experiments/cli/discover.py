"""``aieco discover``: scenario discovery (PRIM, feature scores) over sampled scenarios.

A Latin hypercube over uncertainties and levers (regimes included, as categorical factors),
each scenario run ``--replicates`` seeds on the sweep engine (resumable, parallel,
SLURM-capable), a case of interest over the outcomes (``hhi > 2500``), then EMA Workbench's
PRIM with its coverage-density trade-off and quasi-p-values, and extra-trees feature scores
as a cross-check. Every input is checked before any run, each error in one line.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from experiments.engine.study import Study
    from experiments.engine.study_runs import ModelEvaluator

DESCRIPTION = """\
Scenario discovery in the manner of EMA Workbench: sample uncertainties and levers
(regimes included) by Latin hypercube, run every scenario (--replicates seeds, averaged)
through the sweep engine, and find with PRIM the boxes of the factor space where the case
of interest (e.g. "hhi > 2500") holds: their coverage, density and quasi-p-values, and
extra-trees feature scores. The same command resumes an interrupted study; a new --case
re-analyses the runs already made. Writes discovery.md, figures/ and tables/*.csv|tex."""

EPILOG = """\
examples:
  aieco discover --experiment concentration --case "hhi > 2500"
  aieco discover --uncertainties market.network_effect,race.speed_factor \\
      --levers openness,regulation --case "harm > 0.5" --n 200 population=tiny"""


def discover_command(args: list[str]) -> None:
    """Parse, check, run (resuming), then PRIM and feature scoring."""
    from sim.pool import one_numba_thread

    # before Numba is imported, where the command line starts: one thread here and in
    # every worker (in a process that imported it already, set_num_threads does it)
    one_numba_thread()
    ns = _parser().parse_intermixed_args(args)
    from analysis.discovery import case_names, write_discovery
    from experiments.cli.sensitivity import in_study_folder, outcome_column
    from experiments.engine.study import evaluate_study
    from sim.params import ConfigError

    if not 0 < ns.threshold <= 1:
        raise ConfigError("--threshold", ns.threshold, "must be a share in (0, 1]")
    names = case_names(ns.case, outcome_column)
    study, evaluator, root = build(ns, tuple(names.values()))

    def work() -> Path:
        evaluate_study(study, root, evaluator)
        return write_discovery(root, ns.case, names, ns.threshold, ns.seed)

    print(f"report: {in_study_folder(root, work)}")


def _parser() -> argparse.ArgumentParser:
    from experiments.cli.args import Parser

    parser = Parser(prog="aieco discover", description=DESCRIPTION, epilog=EPILOG,
                    formatter_class=argparse.RawDescriptionHelpFormatter,
                    usage="aieco discover --case EXPR [options] [OVERRIDE ...]")
    add = parser.add_argument
    add("--case", required=True, metavar="EXPR",
        help="the case of interest, a condition on outcomes, e.g. 'hhi > 2500'")
    add("--experiment", metavar="NAME", help="base scenario, uncertainties and levers")
    add("--uncertainties", metavar="LIST", help="comma-separated factors (default: the "
        "experiment's uncertainties)")
    add("--levers", metavar="LIST", help="comma-separated levers, e.g. openness,regulation "
        "(default: the experiment's levers that are config groups or have plausible ranges)")
    add("--n", type=int, default=200, help="scenarios (default: %(default)s)")
    add("--replicates", type=int, default=1, metavar="K",
        help="seeds per scenario, averaged (default: %(default)s)")
    add("--seed", type=int, default=0, help="design seed and replicate entropy (default: 0)")
    add("--threshold", type=float, default=0.8,
        help="the density a reported box should reach (default: %(default)s)")
    add("--out", metavar="DIR", help="study folder (default: outputs/discover/NAME)")
    add("overrides", nargs="*", metavar="OVERRIDE",
        help="config overrides of the base scenario, and hydra/launcher=... for the runs")
    return parser


def build(ns: argparse.Namespace,
          outcomes: tuple[str, ...]) -> tuple[Study, ModelEvaluator, Path]:
    """The study (a Latin hypercube), its evaluator and its folder, every input checked."""
    from experiments.cli.sensitivity import _split, base
    from experiments.engine.executors import choose
    from experiments.engine.study import Study
    from experiments.engine.study_runs import ModelEvaluator
    from sim.params import ConfigError
    from sim.params.plausible import PLAUSIBLE, space

    definition, meta, params, mine = base(ns.experiment, ns.overrides)
    unc = _split(ns.uncertainties) if ns.uncertainties else list(meta.uncertainties)
    lev = _split(ns.levers) if ns.levers is not None else [
        k for k in meta.levers if k in PLAUSIBLE or "." not in k]
    if not unc and not lev:
        raise ConfigError("--uncertainties", None, "name uncertainties or levers, or an "
                          "--experiment that declares them")
    factors = tuple(space([*unc, *lev]))
    name = meta.name or ns.experiment or "discover"
    study = Study(name, factors, {"lhs": ns.n}, outcomes, params, ns.replicates, ns.seed,
                  False, tuple(ns.overrides), ns.experiment or "")
    study.check()
    root = Path(ns.out or f"outputs/discover/{name}")
    launch = choose(definition.cfg, mine, str(root), f"discover-{name}")
    return study, ModelEvaluator(launch, definition), root
