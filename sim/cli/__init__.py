"""The ``aieco`` command line.

``aieco run [overrides]`` runs one scenario through Hydra and writes a self-describing
results folder. Errors in the configuration print one line on stderr and exit with 2,
before anything is written.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable

from sim import __version__
from sim.params import ConfigError

COMMANDS: dict[str, str] = {
    "run": "run one scenario: aieco run [group=option ...] [group.key=value ...]",
    "compare": "one scenario under several openness regimes, side by side",
    "sweep": "a named experiment as a resumable parallel sweep: aieco sweep +experiment=NAME",
    "collect": "gather a sweep's runs into results.parquet and summary.parquet: aieco collect DIR",
    "report": "figures and report.md for a sweep: aieco report DIR",
    "bench": "measure speed and memory against the targets: aieco bench [--quick] [--only NAME]",
}


def fail(message: str, code: int = 2) -> None:
    """Print ``aieco: error: message`` on stderr and exit with ``code``."""
    print(f"aieco: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aieco",
        description="Agent-based simulation of open versus closed AI ecosystems.",
        epilog="Run 'aieco COMMAND --help' for a command's options.")
    parser.add_argument("--version", action="version", version=f"aieco {__version__}")
    parser.add_argument("command", nargs="?", help="one of: " + ", ".join(COMMANDS))
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``aieco`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        print("\ncommands:")
        for name, text in COMMANDS.items():
            print(f"  {name:10s} {text}")
        return
    if argv[0] == "--version":
        parser.parse_args(["--version"])
    command, rest = argv[0], argv[1:]
    handlers: dict[str, Callable[[list[str]], None]] = {
        "run": _run, "compare": _compare, "sweep": _sweep, "collect": _collect,
        "report": _report, "bench": _bench}
    if command not in handlers:
        close = difflib.get_close_matches(command, list(handlers), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        fail(f"unknown command '{command}'{hint} (commands: {', '.join(handlers)})")
    try:
        handlers[command](rest)
    except ConfigError as exc:
        fail(str(exc))


def _run(args: list[str]) -> None:
    from sim.cli.run import run_command

    run_command(args)


def _compare(args: list[str]) -> None:
    from sim.cli.compare import compare_command

    compare_command(args)


def _sweep(args: list[str]) -> None:
    from sim.cli.sweep import sweep_command

    sweep_command(args)


def _bench(args: list[str]) -> None:
    from sim.bench import bench_command

    bench_command(args)


def _folder(args: list[str], command: str) -> str:
    parser = argparse.ArgumentParser(prog=f"aieco {command}",
                                     description=COMMANDS[command].split(":")[0] + ".")
    parser.add_argument("dir", help="a sweep folder (or any folder holding run folders)")
    ns = parser.parse_args(args)
    from pathlib import Path

    if not Path(ns.dir).is_dir():
        raise ConfigError("dir", ns.dir, "is not a folder")
    return str(ns.dir)


def _collect(args: list[str]) -> None:
    from pathlib import Path

    from sim.collect import RESULTS, SUMMARY, collect

    root = Path(_folder(args, "collect"))
    _, summary = collect(root)
    if summary.empty:
        fail(f"no complete runs under {root}")
    print(f"{len(summary)} runs: {root / RESULTS}, {root / SUMMARY}")


def _report(args: list[str]) -> None:
    from pathlib import Path

    root = Path(_folder(args, "report"))
    from analysis.report import make_report

    try:
        path = make_report(root)
    except FileNotFoundError as exc:
        fail(str(exc))
    print(f"report: {path}")
