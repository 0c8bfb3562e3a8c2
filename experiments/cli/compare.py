"""``aieco compare``: the same scenario under several openness regimes, side by side."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_REGIMES = ("closed", "api_only", "staged", "open_weights", "endogenous")
COLUMNS = (("hhi", "final"), ("cr4", "final"), ("hhi_upstream", "final"),
           ("frontier_capability", "final"), ("open_frontier_gap", "final"),
           ("startups_alive", "final"), ("access_share", "final"),
           ("meaningful_access", "final"), ("trust", "final"), ("harm", "mean"),
           ("misuse_attempts", "mean"), ("welfare", "final"), ("safe_share", "final"))


def compare_command(args: list[str]) -> None:
    """Run each openness regime with the same overrides and print a comparison table."""
    import pandas as pd

    from experiments.cli.args import Parser, suggest
    from experiments.cli.config import compose_params, groups, to_yaml
    from experiments.cli.task import existing_run
    from sim.io import check_writable, run_into
    from sim.params import ConfigError
    from sim.runner import replicate_seeds

    parser = Parser(
        prog="aieco compare",
        usage="aieco compare [-h] [--openness LIST] [--out DIR] [--overwrite] [OVERRIDE ...]",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run one scenario under several openness regimes (same overrides, same "
                    "seed) and print\nthe final outcomes side by side; each regime's run "
                    "folder goes to DIR/REGIME/. A regime whose\nfolder already holds its "
                    "complete results is not run again; one holding another\nconfiguration's "
                    "results is refused unless --overwrite is given.",
        epilog="examples:\n"
               "  aieco compare population=small run.steps=40\n"
               "  aieco compare --openness closed,open_weights regulation=risk_tiered "
               "run.seed=3")
    parser.add_argument("--openness", default=",".join(DEFAULT_REGIMES), metavar="LIST",
                        help="comma-separated openness options to compare, from: "
                             + ", ".join(groups()["openness"]) + " (default: %(default)s)")
    parser.add_argument("--out", default="outputs/compare", metavar="DIR",
                        help="folder for the run folders, one per regime "
                             "(default: %(default)s)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace complete results of another configuration in DIR")
    parser.add_argument("overrides", nargs="*", metavar="OVERRIDE",
                        help="a config override applied to every run, as for 'aieco run' "
                             "(group=option or group.key=value; see 'aieco run --help')")
    ns = parser.parse_intermixed_args(args)
    regimes = [r for r in ns.openness.split(",") if r]
    if not regimes:
        raise ConfigError("--openness", ns.openness, "name at least one of: "
                          + ", ".join(groups()["openness"]))
    for r in regimes:
        if r not in groups()["openness"]:
            raise ConfigError("--openness", r, "choose from: " + ", ".join(groups()["openness"])
                              + suggest(r, groups()["openness"]))
    composed = [compose_params([*ns.overrides, f"openness={r}"]) for r in regimes]
    out = Path(ns.out)
    check_writable(out, "--out")
    states = {}
    for regime, (params, _) in zip(regimes, composed, strict=True):
        check_writable(out / regime, "--out")
        states[regime] = existing_run(out / regime, params)
        if states[regime] == "other" and not ns.overwrite:
            raise ConfigError("--out", str(out / regime),
                              "holds complete results of another configuration; choose "
                              "another folder, delete it, or pass --overwrite")
    finals = {}
    for regime, (params, cfg) in zip(regimes, composed, strict=True):
        folder = out / regime
        if states[regime] == "same":
            print(f"{regime}: complete results found in {folder}", file=sys.stderr)
        else:
            print(f"running {regime} ...", file=sys.stderr, flush=True)
            seed_seq = replicate_seeds(params.replace(run={"replicates": 1}))[0]
            run_into(folder, params, seed_seq, to_yaml(cfg))
        m = pd.read_parquet(folder / "metrics.parquet")
        finals[regime] = {k: (m[k].mean() if how == "mean" else m[k].iloc[-1])
                          for k, how in COLUMNS} if not m.empty else {}
    print(table(finals))
    print(f"results: {out}/<regime>/ (metrics.parquet, agents.parquet, config.yaml, manifest.json)")


def table(finals: dict[str, dict[str, float]]) -> str:
    """Outcomes as rows, regimes as columns."""
    names = list(finals)
    width = max(12, *(len(n) for n in names))
    lines = ["outcome (final; harm and misuse: run mean)".ljust(44)
             + "".join(n.rjust(width + 1) for n in names)]
    for key, how in COLUMNS:
        label = f"{key} ({how})" if how == "mean" else key
        cells = "".join(f"{finals[n].get(key, float('nan')):{width + 1}.4g}" for n in names)
        lines.append(label.ljust(44) + cells)
    return "\n".join(lines)
