"""The model as a study's evaluator: design points as run specs on the sweep engine.

Each design point becomes ``run.replicates`` :class:`sim.batch.RunSpec` in
``runs/<phase>/p<point>`` (replicate ``i`` in ``rep<i>`` with
``SeedSequence(seed, spawn_key=(i,))``, the same seeds at every point: common random
numbers). The engine's executor runs those not yet complete (its skip rule: same config
hash and seed, files verified), so a killed study resumes and an extended one runs only
its new points. Every point's scenario is built and validated before any run.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.engine.executors import Launch
from experiments.engine.settings import SweepDefinition
from experiments.engine.study import Study, config_text, point_params, speed_line
from sim.batch import RunSpec, replicate_specs
from sim.io import OutputError


def plan_runs(study: Study, points: pd.DataFrame,
              root: Path) -> tuple[list[RunSpec], list[tuple[str, int, int]]]:
    """Every run of the design, and its (phase, point, replicate); scenarios validated."""
    specs: list[RunSpec] = []
    index: list[tuple[str, int, int]] = []
    for rec in points.to_dict("records"):
        params = point_params(study, {str(k): v for k, v in rec.items()})
        swept = {k: rec[k] for k in study.names}
        extra = {"study": study.name, "phase": rec["phase"], "point": int(rec["point"]),
                 "swept": swept}
        folder = root / "runs" / str(rec["phase"]) / f"p{int(rec['point']):05d}"
        reps = replicate_specs(params, folder, config_text(params), extra)
        specs += reps
        index += [(str(rec["phase"]), int(rec["point"]), r) for r in range(len(reps))]
    return specs, index


def gather(specs: list[RunSpec], index: list[tuple[str, int, int]]) -> pd.DataFrame:
    """One row per run: phase, point, replicate and every numeric ``<col>_final``, ``_mean``.

    The same values as :func:`sim.metrics.summarise` (last quarter; mean over the quarters
    where defined), computed for all columns at once: a study reads a thousand runs.
    """
    rows = []
    for spec, (phase, point, rep) in zip(specs, index, strict=True):
        rows.append({"phase": phase, "point": point, "replicate": rep,
                     **summary_row(pd.read_parquet(Path(spec.folder) / "metrics.parquet"))})
    return pd.DataFrame(rows)


def summary_row(metrics: pd.DataFrame) -> dict[str, float]:
    """``<col>_final`` and ``<col>_mean`` of every numeric metric column (labels left out)."""
    num = metrics.drop(columns=["step", "seed", "replicate"], errors="ignore")
    num = num.select_dtypes(include=["number", "bool"]).astype(float)
    if num.empty:
        return {}
    final, mean = num.iloc[-1], num.mean()
    return {**{f"{k}_final": float(v) for k, v in final.items()},
            **{f"{k}_mean": float(v) for k, v in mean.items()}}


@dataclass
class ModelEvaluator:
    """Runs a study's points with the sweep engine's executor (local, submitit, SLURM)."""

    launch: Launch
    definition: SweepDefinition
    timings: dict[str, Any] = field(default_factory=dict)
    _planned: tuple[list[RunSpec], list[tuple[str, int, int]]] | None = None

    def prepare(self, study: Study, points: pd.DataFrame, root: Path) -> None:
        """Build and validate every run before anything is written (one-line errors)."""
        self._planned = plan_runs(study, points, root)

    def __call__(self, study: Study, points: pd.DataFrame, root: Path) -> pd.DataFrame:
        from experiments.engine.sweep import (
            SweepPlan,
            Tally,
            execute,
            report_failures,
            state_of,
            warm_numba_cache,
        )

        specs, index = self._planned or plan_runs(study, points, root)
        done = state_of(specs)
        todo = [s for s, ok in zip(specs, done, strict=True) if not ok]
        print(f"{len(specs)} runs ({len(points)} points x {study.replicates} replicates); "
              f"{sum(done)} complete already", file=sys.stderr)
        if todo:
            warm_numba_cache()
        tally = Tally(len(specs))
        tally.start(root, sum(done), self.launch.label)
        plan = SweepPlan(self.definition, root, [], specs, self.launch)
        try:
            info = execute(plan, todo, tally) if todo else {"engine_s": 0.0}
        finally:
            tally.close()
        report_failures(root, tally.outcomes)
        complete = sum(state_of(specs, verify=False))
        if complete < len(specs):
            raise OutputError(f"{len(specs) - complete} of {len(specs)} runs did not complete; "
                              "run the same command again to make them (complete runs are "
                              "kept)")
        workers = self.launch.workers if self.launch.kind != "serial" else 1
        if self.launch.cluster is not None:  # array tasks run side by side, each on workers
            workers = min(len(todo) or 1, self.launch.cluster.tasks * workers)
        text, speed = speed_line(tally.outcomes, float(info["engine_s"]), workers)
        if todo:
            print(text, file=sys.stderr)
        self.timings.update({k: v for k, v in speed.items()
                             if not (isinstance(v, float) and math.isnan(v))})
        self.timings["executor"] = str(info.get("executor", self.launch.label))
        return gather(specs, index)
