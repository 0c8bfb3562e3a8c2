"""``aieco run``: one scenario, through Hydra, into a results folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.task import existing_run, replicate_dirs
from sim.params import ConfigError

if TYPE_CHECKING:
    import pandas as pd

SUMMARY = (("hhi", "0-10000"), ("cr4", "share"), ("frontier_capability", "log10 FLOP"),
           ("open_frontier_gap", "quarters"), ("startups_alive", "count"),
           ("access_share", "share"), ("meaningful_access", "0-1"), ("trust", "0-1"),
           ("harm", "harm units/quarter"), ("welfare", "price units/user-quarter"),
           ("safe_share", "share"))

USAGE = """usage: aieco run [--overwrite] [group=option ...] [group.key=value ...]
                 [hydra.run.dir=DIR]

Run one scenario and write metrics.parquet, agents.parquet, config.yaml and
manifest.json (last) into its folder: hydra.run.dir=DIR, or by default
outputs/runs/DATE/TIME. Results stream to DIR/parts/ every run.flush_every steps with a
checkpoint, so a killed run resumes where it stopped when the same command runs again.
A folder that holds complete results is never overwritten: the same configuration is
not run again, another one is refused, unless --overwrite is given.

options:
  -h, --help       show this help and exit
  --overwrite      replace complete results already in the folder
  --cfg job        print the composed config and exit (Hydra; also --resolve, --info)

config groups and options:
{groups}

examples:
  aieco run openness=open_weights regulation=risk_tiered population=small run.steps=40 run.seed=7
  aieco run openness=staged jurisdictions=two_blocs jurisdictions.cooperation=0.5
  aieco run population=tiny hydra.run.dir=outputs/try --overwrite
  aieco run --cfg job          print the composed config and exit
"""

#: flags ``aieco run`` accepts: its own and the Hydra application flags that make sense here
OWN_FLAGS = ("--help", "-h", "--overwrite")
HYDRA_FLAGS = ("--cfg", "-c", "--resolve", "--package", "-p", "--info", "-i",
               "--hydra-help", "--config-path", "-cp", "--config-name", "-cn",
               "--config-dir", "-cd")
DEFAULT_RUN_ROOT = "outputs/runs"


def run_command(args: list[str]) -> None:
    """Validate the flags, overrides and output folder, then hand over to the Hydra app."""
    from sim.cli import task as task_module
    from sim.cli.args import fail, suggest
    from sim.cli.config import compose_params, groups
    from sim.io import check_writable

    if any(a in ("-h", "--help") for a in args):
        listing = "\n".join(f"  {g:14s} {', '.join(opts)}" for g, opts in groups().items())
        print(USAGE.format(groups=listing))
        return
    flags = [a.split("=", 1)[0] for a in args if a.startswith("-")]
    if any(f in ("-m", "--multirun") for f in flags):
        raise ConfigError("--multirun", True, "use 'aieco sweep' for sweeps")
    for flag in flags:
        if flag not in OWN_FLAGS + HYDRA_FLAGS:
            fail(f"unrecognized flag '{flag}'{suggest(flag, OWN_FLAGS + HYDRA_FLAGS)} "
                 "(see 'aieco run --help')")
    overwrite = "--overwrite" in args
    args = [a for a in args if a != "--overwrite"]
    overrides = [a for a in args if not a.startswith("-")]
    params, _ = compose_params(overrides)  # fails here, before Hydra creates any folder
    target = next((o.split("=", 1)[1] for o in reversed(overrides)
                   if o.startswith("hydra.run.dir=")), None)
    writes = not any(f in flags for f in HYDRA_FLAGS)  # --cfg, --info ... print and exit
    if writes:
        check_writable(target if target is not None else DEFAULT_RUN_ROOT,
                       "hydra.run.dir")
    if target is not None and writes and not overwrite:
        states = {existing_run(d, params)
                  for d in replicate_dirs(Path(target), params.run.replicates)}
        if states == {"same"}:
            print(f"{target} already holds the complete results of this configuration "
                  "(--overwrite runs it again)")
            return
        if "other" in states:
            raise ConfigError("hydra.run.dir", target, "holds complete results of another "
                              "configuration; choose another folder, delete it, or pass "
                              "--overwrite")
    task_module.OVERWRITE = overwrite
    _launch(args)


def _launch(args: list[str]) -> None:
    import hydra

    from sim.cli.config import config_dir

    sys.argv = ["aieco-run", *args]
    from sim.cli.task import task

    app = hydra.main(version_base="1.3", config_path=str(config_dir()),
                     config_name="config")(task)
    app()


def summary_table(metrics: pd.DataFrame) -> str:
    """Final-step outcomes (and the run mean of harm) as an aligned text table."""
    if metrics.empty:
        return "no steps were run"
    last = metrics.iloc[-1]
    lines = [f"{'outcome':22s} {'final':>12s}  unit"]
    for key, unit in SUMMARY:
        value = metrics[key].mean() if key == "harm" else last[key]
        name = f"{key} (mean)" if key == "harm" else key
        lines.append(f"{name:22s} {value:12.4g}  {unit}")
    return "\n".join(lines)
