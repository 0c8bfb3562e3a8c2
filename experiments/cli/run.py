"""``aieco run``: one scenario, through Hydra, into a results folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sim.params import ConfigError, Params

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
checkpoint, so a killed run resumes where it stopped when the same command runs again
into the same hydra.run.dir.
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

#: flags ``aieco run`` accepts: its own and the Hydra flags that print and exit
OWN_FLAGS = ("--help", "-h", "--overwrite")
VALUE_FLAGS = {"--cfg": ("job", "hydra", "all"), "-c": ("job", "hydra", "all"),
               "--package": None, "-p": None}
INFO_FLAGS = ("--info", "-i")
INFO_VALUES = ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath")
PRINT_FLAGS = ("--cfg", "-c", "--info", "-i", "--hydra-help")
HYDRA_FLAGS = (*VALUE_FLAGS, *INFO_FLAGS, "--resolve", "--hydra-help")


def run_command(args: list[str]) -> None:
    """Validate the flags, overrides and output folder, then run the scenario.

    The configuration is composed once, with Hydra's compose API, before the model is
    imported (a mistake fails in one line without waiting for Mesa); the run itself needs no
    Hydra application, which composed twice more. Only Hydra's print-and-exit flags
    (``--cfg``, ``--info``, ``--resolve``, ``--hydra-help``) still go through one.
    """
    if any(a in ("-h", "--help") for a in args):
        from experiments.cli.config import groups

        listing = "\n".join(f"  {g:14s} {', '.join(opts)}" for g, opts in groups().items())
        print(USAGE.format(groups=listing))
        return
    flag_args, overrides = split_flags(args)
    flags = [f.split("=", 1)[0] for f in flag_args]
    if any(f in ("-m", "--multirun") for f in flags):
        raise ConfigError("--multirun", True, "use 'aieco sweep' for sweeps")
    if any(f in PRINT_FLAGS for f in flags):  # --cfg, --info ... print and exit
        from experiments.cli.config import compose_params, output_dir, override_key, quote_value

        _, cfg = compose_params(overrides, hydra=True)
        target = output_dir(cfg, "hydra.run.dir")
        overrides = [o for o in overrides if override_key(o) != "hydra.run.dir"]
        _launch([*overrides, f"hydra.run.dir={quote_value(target)}",
                 *(f for f in flag_args if f != "--overwrite")])
        return
    _run(compose(overrides), "--overwrite" in flags)


class Composed(NamedTuple):
    """What a run needs from its configuration: scenario, folder, config text, manifest."""

    params: Params
    target: str
    config_yaml: str
    extra: dict[str, Any]


def compose(overrides: list[str]) -> Composed:
    """Compose the configuration (one-line ConfigError on any mistake), resolve the folder.

    The run folder is resolved once, however it was spelt (``hydra.run.dir``,
    ``++hydra.run.dir``, ``${now:...}``).
    """
    from experiments.cli.config import (
        compose_params,
        experiment_meta,
        output_dir,
        override_key,
        to_yaml,
    )
    from experiments.cli.task import swept_values

    params, cfg = compose_params(overrides, hydra=True)
    task_overrides = [o for o in overrides if not override_key(o).startswith("hydra")]
    extra = {"overrides": task_overrides, "swept": swept_values(task_overrides),
             "experiment": experiment_meta(cfg).name}
    return Composed(params, output_dir(cfg, "hydra.run.dir"), to_yaml(cfg), extra)


def _run(c: Composed, overwrite: bool) -> None:
    from experiments.cli.task import existing_run, replicate_dirs, run_scenario
    from sim.io import FolderBusy, check_writable

    check_writable(c.target, "hydra.run.dir")
    if not overwrite:
        states = {existing_run(d, c.params)
                  for d in replicate_dirs(Path(c.target), c.params.run.replicates)}
        if states == {"same"}:
            print(f"{c.target} already holds the complete results of this configuration "
                  "(--overwrite runs it again)")
            return
        if "other" in states:
            raise ConfigError("hydra.run.dir", c.target, "holds complete results of another "
                              "configuration; choose another folder, delete it, or pass "
                              "--overwrite")
    try:
        run_scenario(Path(c.target), c.params, c.config_yaml, c.extra, overwrite=overwrite)
    except FolderBusy as exc:
        raise ConfigError("hydra.run.dir", c.target, str(exc)) from None


def split_flags(args: list[str]) -> tuple[list[str], list[str]]:
    """Split ``aieco run``'s arguments into flags and overrides, checking every flag.

    Flags come back as Hydra reads them (``--cfg=job``), so they can follow the overrides
    whatever order the user typed. Fails in one line, naming the closest flag or value, on
    anything Hydra would answer with its usage text.
    """
    from experiments.cli.args import fail, suggest

    flags, overrides = [], []
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if not arg.startswith("-"):
            overrides.append(arg)
            continue
        flag, eq, value = arg.partition("=")
        if flag in ("-m", "--multirun"):
            flags.append(flag)
            continue
        if flag not in OWN_FLAGS + HYDRA_FLAGS:
            fail(f"unrecognized flag '{flag}'{suggest(flag, OWN_FLAGS + HYDRA_FLAGS)} "
                 "(see 'aieco run --help')")
        if flag in VALUE_FLAGS or flag in INFO_FLAGS:
            allowed = VALUE_FLAGS.get(flag, INFO_VALUES)
            # the next word is the flag's value unless it is a flag or an override
            if not eq and rest and not rest[0].startswith("-") and "=" not in rest[0]:
                value, eq = rest.pop(0), "="
            if flag in VALUE_FLAGS and not eq:
                fail(f"flag '{flag}' needs a value"
                     + (f": one of {', '.join(allowed)}" if allowed else "")
                     + " (see 'aieco run --help')")
            if eq and allowed is not None and value not in allowed:
                fail(f"{flag}={value} is invalid: choose one of {', '.join(allowed)}"
                     f"{suggest(value, allowed)}")
        elif eq:
            fail(f"flag '{flag}' takes no value (got '{arg}'; see 'aieco run --help')")
        flags.append(f"{flag}={value}" if eq else flag)
    return flags, overrides


def _launch(args: list[str]) -> None:
    """Hand over to a Hydra application (only for Hydra's print-and-exit flags)."""
    import hydra

    from experiments.cli.config import config_dir

    sys.argv = ["aieco-run", *args]
    from experiments.cli.task import task

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
