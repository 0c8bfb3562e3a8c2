"""The Hydra task shared by ``aieco run`` and ``aieco sweep``: one run into one folder.

A folder that already holds the complete results of the same configuration is skipped
(this is how an interrupted sweep resumes); one holding another configuration's complete
results is refused, never overwritten.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.io import DONE_PARTS, MANIFEST, is_complete
from sim.params import ConfigError, Params
from sim.provenance import config_hash

if TYPE_CHECKING:
    from omegaconf import DictConfig


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
    if not is_complete(out):
        return None
    done = json.loads((out / MANIFEST).read_text())
    return "same" if done.get("config_hash") == config_hash(params) else "other"


def replicate_dirs(out: Path, replicates: int) -> list[Path]:
    """Run folders of a job: the job folder itself, or one ``rep<i>`` folder per replicate."""
    if replicates == 1:
        return [out]
    return [out / f"rep{i:03d}" for i in range(replicates)]


#: set by ``aieco run --overwrite``: replace complete results instead of keeping them
OVERWRITE = False


def task(cfg: DictConfig) -> dict[str, Any]:
    """Run one configuration (all its replicates) into Hydra's output folder.

    Replicates whose folder already holds their complete results are skipped (unless
    :data:`OVERWRITE`); each run streams into its folder and resumes from its checkpoint.
    """
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from tqdm import tqdm

    from experiments.cli.config import experiment_meta, params_from_cfg, to_yaml
    from sim.io import run_into
    from sim.runner import replicate_seeds

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    params = params_from_cfg(cfg)
    hc = HydraConfig.get()
    single = hc.mode == RunMode.RUN
    overrides = list(hc.overrides.task)
    extra = {"overrides": overrides, "swept": swept_values(overrides),
             "experiment": experiment_meta(cfg).name}
    dirs = replicate_dirs(Path(hc.runtime.output_dir), params.run.replicates)
    done = 0
    for out, seed_seq in zip(dirs, replicate_seeds(params), strict=True):
        state = existing_run(out, params)
        if state == "same" and not OVERWRITE:
            shutil.rmtree(out / DONE_PARTS, ignore_errors=True)  # a kill after the manifest
            continue
        if state == "other" and not OVERWRITE:
            raise ConfigError("output folder", str(out),
                              "holds complete results of another configuration; "
                              "choose another folder, delete it, or pass --overwrite")
        label = f"{params.openness.name} x {params.regulation.name}"
        with tqdm(total=params.run.steps, desc=label, unit="q", file=sys.stderr,
                  disable=not (single and params.run.progress), leave=False) as bar:
            def tick(model: Any) -> None:
                bar.update(model.steps - bar.n)

            run_into(out, params, seed_seq, to_yaml(cfg), extra_manifest=extra, on_step=tick)
        done += 1
        if single:
            import pandas as pd

            from experiments.cli.run import summary_table

            print(summary_table(pd.read_parquet(out / "metrics.parquet")))
            print(f"results: {out}")
    return {"ran": done, "dirs": [str(d) for d in dirs]}
