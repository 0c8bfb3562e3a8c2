"""One scenario (all its replicates) into one folder: what ``aieco run`` does after composing.

A folder that already holds the complete results of the same configuration is skipped; one
holding another configuration's complete results is refused, never overwritten (unless
``--overwrite``). Each run streams into its folder under the folder's lock and resumes
from its checkpoint.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.params import ConfigError, Params

if TYPE_CHECKING:
    from omegaconf import DictConfig

#: a file to which ``aieco run`` writes the time (``time.time()``) its first step ended, for
#: the start-up benchmark (``aieco bench --only startup``)
FIRST_STEP_ENV = "AIECO_FIRST_STEP_FILE"


def swept_values(overrides: list[str]) -> dict[str, str]:
    """The ``key=value`` overrides of a job, without Hydra's own and the experiment."""
    out = {}
    for item in overrides:
        key, sep, value = item.lstrip("+~").partition("=")
        if sep and not key.startswith("hydra") and key != "experiment":
            out[key] = value
    return out


def existing_run(out: Path, params: Params) -> str | None:
    """``"same"`` or ``"other"`` if ``out`` holds complete results, else None."""
    from sim.io import run_state
    from sim.provenance import config_hash

    state = run_state(out)
    if not state.complete or state.manifest is None:
        return None
    return "same" if state.manifest.get("config_hash") == config_hash(params) else "other"


def replicate_dirs(out: Path, replicates: int) -> list[Path]:
    """Run folders of a job: the job folder itself, or one ``rep<i>`` folder per replicate."""
    if replicates == 1:
        return [out]
    return [out / f"rep{i:03d}" for i in range(replicates)]


def run_scenario(target: Path, params: Params, config_yaml: str, extra: dict[str, Any],
                 overwrite: bool = False, show: bool = True) -> list[Path]:
    """Run every replicate of ``params`` into ``target``; print a summary of each.

    Replicates whose folder already holds their complete results are skipped (unless
    ``overwrite``); each run streams into its folder and resumes from its checkpoint.
    """
    import logging

    from tqdm import tqdm

    from sim.io import DONE_PARTS, run_into
    from sim.runner import replicate_seeds

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    dirs = replicate_dirs(target, params.run.replicates)
    first_step = os.environ.get(FIRST_STEP_ENV)
    for out, seed_seq in zip(dirs, replicate_seeds(params), strict=True):
        state = existing_run(out, params)
        if state == "same" and not overwrite:
            shutil.rmtree(out / DONE_PARTS, ignore_errors=True)  # a kill after the manifest
            continue
        if state == "other" and not overwrite:
            raise ConfigError("output folder", str(out),
                              "holds complete results of another configuration; "
                              "choose another folder, delete it, or pass --overwrite")
        label = f"{params.openness.name} x {params.regulation.name}"
        with tqdm(total=params.run.steps, desc=label, unit="q", file=sys.stderr,
                  disable=not (show and params.run.progress), leave=False) as bar:
            def tick(model: Any) -> None:
                nonlocal first_step
                if first_step:
                    Path(first_step).write_text(f"{time.time()!r}\n")
                    first_step = None
                bar.update(model.steps - bar.n)

            run_into(out, params, seed_seq, config_yaml, extra_manifest=extra, on_step=tick)
        if show:
            import pandas as pd

            from experiments.cli.run import summary_table

            print(summary_table(pd.read_parquet(out / "metrics.parquet")))
            print(f"results: {out}")
    return dirs


def task(cfg: DictConfig) -> dict[str, Any]:
    """The Hydra task form of :func:`run_scenario` (Hydra's output folder, its overrides).

    ``aieco run`` composes with Hydra's compose API and calls :func:`run_scenario` itself;
    this stays for Hydra applications built on the same configs.
    """
    from hydra.core.hydra_config import HydraConfig

    from experiments.cli.config import experiment_meta, params_from_cfg, to_yaml

    params = params_from_cfg(cfg)
    hc = HydraConfig.get()
    overrides = list(hc.overrides.task)
    extra = {"overrides": overrides, "swept": swept_values(overrides),
             "experiment": experiment_meta(cfg).name}
    dirs = run_scenario(Path(hc.runtime.output_dir), params, to_yaml(cfg), extra)
    return {"dirs": [str(d) for d in dirs]}
