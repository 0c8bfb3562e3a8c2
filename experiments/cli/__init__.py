"""The ``aieco`` command line.

``aieco run [overrides]`` runs one scenario through Hydra and writes a self-describing
results folder. Errors in the configuration print one line on stderr and exit with 2,
before anything is written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from experiments.cli.args import Parser, fail, suggest
from sim import __version__
from sim.params import ConfigError

__all__ = ["COMMANDS", "Parser", "fail", "main", "suggest"]

COMMANDS: dict[str, str] = {
    "run": "run one scenario and write a self-describing results folder",
    "compare": "run one scenario under several openness regimes; print outcomes side by side",
    "sweep": "run a named experiment as a resumable parallel sweep, then collect it",
    "collect": "gather a sweep's runs into results.parquet and summary.parquet",
    "report": "write the figures and report.md of a sweep",
    "bench": "measure speed and memory against the performance targets",
    "sensitivity": "which assumptions drive the answers: Morris, then Sobol' indices",
    "discover": "scenario discovery: PRIM boxes and feature scores over sampled scenarios",
    "params": "list every parameter (default, range, unit, meaning, source) and option",
    "explore": "open the explorer in a browser: live runs, comparisons, sweeps",
}

EXAMPLES = """\
examples:
  aieco run openness=open_weights regulation=risk_tiered population=small run.steps=40
  aieco compare population=small --openness closed,open_weights
  aieco sweep +experiment=concentration hydra.sweep.dir=outputs/sweeps/concentration
  aieco collect outputs/sweeps/concentration
  aieco report outputs/sweeps/concentration
  aieco bench --quick
  aieco params market
  aieco sensitivity --experiment concentration
  aieco discover --experiment concentration --case "hhi > 2500"

Run 'aieco COMMAND --help' for a command's arguments, options and examples."""


def _parser() -> Parser:
    listing = "\n".join(f"  {name:12s} {text}" for name, text in COMMANDS.items())
    parser = Parser(
        prog="aieco", usage="aieco [-h] [--version] COMMAND [ARGS ...]",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Agent-based simulation of open versus closed AI ecosystems: run "
                    "scenarios,\ncompare openness regimes, sweep experiments, and collect, "
                    "report and benchmark\nthe results.\n\ncommands:\n" + listing,
        epilog=EXAMPLES)
    parser.add_argument("--version", action="version", version=f"aieco {__version__}",
                        help="print the version and exit")
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``aieco`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        _main(argv)
    except KeyboardInterrupt:
        if argv and argv[0] in ("run", "sweep", "compare", "sensitivity", "discover"):
            fail("interrupted; complete results are kept, and the same command with the same "
                 "output folder resumes the rest from its checkpoints", code=130)
        fail("interrupted", code=130)


def _main(argv: list[str]) -> None:
    parser = _parser()
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return
    if argv[0].startswith("-"):
        # --version prints and exits; any other flag fails naming the closest one
        parser.parse_args(argv[:1])
        fail(f"a command must follow '{argv[0]}' (commands: {', '.join(COMMANDS)})")
    command, rest = argv[0], argv[1:]
    handlers: dict[str, Callable[[list[str]], None]] = {
        "run": _run, "compare": _compare, "sweep": _sweep, "collect": _collect,
        "report": _report, "bench": _bench, "params": _params, "explore": _explore,
        "sensitivity": _sensitivity, "discover": _discover}
    if command not in handlers:
        fail(f"unknown command '{command}'{suggest(command, handlers)} "
             f"(commands: {', '.join(handlers)}; see 'aieco --help')")
    try:
        handlers[command](rest)
    except ConfigError as exc:
        fail(str(exc))


def _run(args: list[str]) -> None:
    from experiments.cli.run import run_command

    run_command(args)


def _compare(args: list[str]) -> None:
    from experiments.cli.compare import compare_command

    compare_command(args)


def _sweep(args: list[str]) -> None:
    from experiments.cli.sweep import sweep_command

    sweep_command(args)


def _sensitivity(args: list[str]) -> None:
    from experiments.cli.sensitivity import sensitivity_command

    sensitivity_command(args)


def _discover(args: list[str]) -> None:
    from experiments.cli.discover import discover_command

    discover_command(args)


def _explore(args: list[str]) -> None:
    from experiments.explore.cli import explore_command

    explore_command(args)


def _params(args: list[str]) -> None:
    from experiments.cli.params_cmd import params_command

    params_command(args)


def _bench(args: list[str]) -> None:
    from experiments.bench import bench_command

    bench_command(args)


FOLDER_HELP = {
    "collect": ("Gather the complete run folders under DIR (found by their manifest.json) "
                "into\nDIR/results.parquet (one row per run and step) and DIR/summary.parquet "
                "(one row\nper run, with its swept parameters). 'aieco sweep' does this "
                "itself when it ends;\nrun it again after adding runs by hand. Incomplete "
                "or damaged runs are named one\nline each and left out; tables that would "
                "lose runs the previous ones hold are\nnot written (--replace writes them).",
                "aieco collect outputs/sweeps/concentration"),
    "report": ("Write DIR/report.md, with its figures in DIR/figures/, for the runs under "
               "DIR\n(collected afresh first). Cells are the keys the runs' manifests record "
               "as set;\nthe report opens with the answer: paired differences (same seeds) "
               "against the\nreference cell with 95% intervals, and interaction contrasts "
               "for two levers; then\nwhat is not a finding (fixed outcomes, identical "
               "cells), the experiment's\nmechanism and caveats, figures and cell means. A "
               "folder of two experiments is\nrefused.",
               "aieco report outputs/sweeps/concentration"),
}


def _folder(args: list[str], command: str) -> str:
    return str(_folder_args(args, command).dir)


def _folder_args(args: list[str], command: str) -> argparse.Namespace:
    text, example = FOLDER_HELP[command]
    parser = Parser(prog=f"aieco {command}", description=text,
                    formatter_class=argparse.RawDescriptionHelpFormatter,
                    epilog=f"example:\n  {example}")
    parser.add_argument("dir", metavar="DIR",
                        help="a sweep folder (or any folder holding run folders)")
    if command == "collect":
        parser.add_argument("--replace", action="store_true",
                            help="write the tables even if they lose runs the previous "
                                 "ones hold")
    ns = parser.parse_args(args)
    from pathlib import Path

    if not Path(ns.dir).is_dir():
        raise ConfigError("dir", ns.dir, "is not a folder")
    return ns


def _collect(args: list[str]) -> None:
    from pathlib import Path

    from analysis.collect import RESULTS, SUMMARY, collect

    ns = _folder_args(args, "collect")
    root = Path(ns.dir)
    try:
        _, summary = collect(root, replace=ns.replace)
    except OSError as exc:  # a full disk, say: the previous tables are still there
        fail(f"cannot write the tables in {root} ({exc.strerror or exc}); the previous "
             "tables are kept", code=1)
    if summary.empty:
        fail(f"no complete runs under {root}")
    print(f"{len(summary)} runs: {root / RESULTS}, {root / SUMMARY}")


def _report(args: list[str]) -> None:
    from pathlib import Path

    root = Path(_folder(args, "report"))
    from analysis.report import Unreportable, make_report

    try:
        path = make_report(root)
    except (FileNotFoundError, Unreportable) as exc:
        fail(str(exc))
    except OSError as exc:  # a full disk, say: collected tables are never left half-written
        fail(f"cannot write the report in {root} ({exc.strerror or exc})", code=1)
    print(f"report: {path}")
