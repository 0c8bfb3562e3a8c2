"""Sensitivity studies on the sweep engine: design, runs, outputs, indices, in one folder.

A study (``aieco sensitivity``) is a set of factors with their ranges (the plausible ranges
of :mod:`sim.params.plausible` unless given), a base scenario (an experiment and overrides,
composed as ``aieco run`` composes them), Morris and/or Sobol' designs, and replicates. Its
folder holds

- ``study.json``: what makes the folder this study (factors, ranges, laws, base scenario,
  replicates, seed); a different study into it is refused in one line;
- ``samples.parquet``: every design point, unit coordinates and values, by phase;
- ``runs/<phase>/p<point>/rep<i>``: one run folder per point and replicate, made by the
  sweep engine's executors (local workers, submitit, SLURM), so an interrupted study
  resumes and a larger N, or more trajectories, extends a smaller one (the designs are
  prefixes of larger ones);
- ``outputs.parquet`` (every run's summary), ``indices.parquet``, ``convergence.parquet``,
  ``seed_variance.parquet``, ``manifest.json`` (versions, commit, timings), and the report.

The evaluation is pluggable (:class:`Evaluator`): the model through the engine, or a plain
function (the tests run Ishigami's function through the same design, analysis and report).
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import yaml

from analysis import sensitivity as sa
from sim.io import write_parquet, write_text
from sim.params import ConfigError, Params
from sim.params.plausible import Factor, scenario

STUDY_FILE = "study.json"
#: config groups whose option a report names (the regimes a study runs under)
REGIME_GROUPS = ("population", "openness", "regulation", "jurisdictions")
SAMPLES, OUTPUTS = "samples.parquet", "outputs.parquet"
INDICES, CONVERGENCE, SEEDVAR = "indices.parquet", "convergence.parquet", "seed_variance.parquet"


@dataclass(frozen=True)
class Study:
    """A sensitivity study's definition.

    Attributes
    ----------
    name : str
        The experiment's name (or ``study``).
    factors : tuple of Factor
        What varies, over which range and law.
    sizes : dict
        ``{"morris": trajectories, "sobol": base samples}`` for the phases to run, in order.
    outcomes : tuple of str
        Summary columns analysed (``hhi_final``, ``harm_mean``).
    base : Params
        The scenario every point starts from.
    replicates : int
        Runs per design point (seeds ``SeedSequence(seed, spawn_key=(i,))``).
    seed : int
        The design's seed and the replicates' entropy.
    second_order : bool
        Sobol' second-order indices too.
    overrides : tuple of str
        The base scenario's overrides, as given (for the record).
    """

    name: str
    factors: tuple[Factor, ...]
    sizes: Mapping[str, int]
    outcomes: tuple[str, ...]
    base: Params = field(default_factory=Params)
    replicates: int = 2
    seed: int = 0
    second_order: bool = False
    overrides: tuple[str, ...] = ()
    experiment: str = ""

    @property
    def names(self) -> list[str]:
        """The factors' keys."""
        return [f.key for f in self.factors]

    def identity(self) -> dict[str, Any]:
        """What a folder must hold to be this study (sizes and outcomes may change)."""
        from sim.provenance import config_hash

        return {"name": self.name, "factors": [dataclasses.asdict(f) for f in self.factors],
                "replicates": self.replicates, "seed": self.seed,
                "second_order": self.second_order, "base": config_hash(self.base),
                "overrides": list(self.overrides)}

    def check(self) -> None:
        """Refuse, in one line, sizes a method cannot use and a study without factors."""
        if len(self.factors) < 2:
            raise ConfigError("--factors", ",".join(self.names), "name at least two factors")
        for method, n in self.sizes.items():
            why = sa.check_size(method, n)
            if why:
                flag = "--trajectories" if method == "morris" else "--n"
                raise ConfigError(flag, n, why)
        if self.replicates < 1:
            raise ConfigError("--replicates", self.replicates, "must be an integer >= 1")


def samples(study: Study) -> pd.DataFrame:
    """Every design point of every phase: ``phase, point``, unit coordinates, values."""
    parts = []
    for method, n in study.sizes.items():
        x = sa.design(method, study.names, n, study.seed, study.second_order)
        df = pd.DataFrame({"phase": method, "point": np.arange(len(x))})
        for j, f in enumerate(study.factors):
            df[f"u:{f.key}"] = x[:, j]
            df[f.key] = pd.Series(f.values(x[:, j]), dtype=object if f.kind == "option"
                                  else float)
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


def unit(study: Study, table: pd.DataFrame) -> np.ndarray:
    """The unit coordinates of ``table``'s points, one column per factor."""
    return table[[f"u:{k}" for k in study.names]].to_numpy(dtype=float)


class Evaluator(Protocol):
    """Makes the runs of a study's points and returns one row per point and replicate."""

    def __call__(self, study: Study, points: pd.DataFrame, root: Path) -> pd.DataFrame:
        """Rows ``phase, point, replicate`` and the summary columns."""
        ...


@dataclass
class FunctionEvaluator:
    """Evaluates a plain function ``f(values, replicate) -> {outcome: value}`` here."""

    f: Callable[[dict[str, Any], int], Mapping[str, float]]
    timings: dict[str, float] = field(default_factory=dict)

    def __call__(self, study: Study, points: pd.DataFrame, root: Path) -> pd.DataFrame:
        rows = []
        for rec in points.to_dict("records"):
            values = {k: rec[k] for k in study.names}
            for r in range(study.replicates):
                rows.append({"phase": rec["phase"], "point": rec["point"], "replicate": r,
                             **self.f(values, r)})
        return pd.DataFrame(rows)


def claim(root: Path, study: Study) -> None:
    """Record the study's identity in ``root``, or refuse a folder holding another study."""
    path = root / STUDY_FILE
    ident = study.identity()
    if path.exists():
        try:
            held = json.loads(path.read_text()).get("identity")
        except (OSError, json.JSONDecodeError, AttributeError):
            held = None
        if held != json.loads(json.dumps(ident)):
            raise ConfigError("--out", str(root), "holds another study (other factors, ranges, "
                              "base scenario, replicates or seed); choose another folder")
    root.mkdir(parents=True, exist_ok=True)
    record = {"identity": ident, "sizes": dict(study.sizes), "outcomes": list(study.outcomes),
              "experiment": study.experiment,
              "base_options": {g: getattr(study.base, g).name for g in REGIME_GROUPS}}
    write_text(json.dumps(record, indent=2, default=str) + "\n", path)


def store_samples(root: Path, table: pd.DataFrame) -> None:
    """Write the design, checking that a design stored earlier is a prefix of this one."""
    path = root / SAMPLES
    if path.exists():
        old = pd.read_parquet(path)
        for phase, grp in old.groupby("phase"):
            new = table[table["phase"] == phase]
            cols = [c for c in grp.columns if c.startswith("u:")]
            n = min(len(grp), len(new))
            if not np.allclose(grp[cols].to_numpy()[:n], new[cols].to_numpy()[:n]):
                raise ConfigError("--out", str(root), f"its stored {phase} samples differ from "
                                  "this study's design; choose another folder")
    write_parquet(table, path)


def evaluate_study(study: Study, root: Path, evaluate: Evaluator
                   ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Design and evaluate a study in ``root``: (samples, outputs, manifest), all saved."""
    from sim.provenance import git_commit, package_versions

    study.check()
    root = Path(root)
    table = samples(study)
    prepare = getattr(evaluate, "prepare", None)
    if callable(prepare):  # every run built and validated before anything is written
        prepare(study, table, root)
    claim(root, study)
    store_samples(root, table)
    start = time.perf_counter()
    outputs = evaluate(study, table, root)
    wall = time.perf_counter() - start
    write_parquet(outputs, root / OUTPUTS)
    timings = dict(getattr(evaluate, "timings", {}) or {})
    if not timings.get("runs_made"):  # a resumed study with nothing left to run: keep the
        timings = {**timings, **_speed(root / "manifest.json")}  # figure of the last run
    manifest = {"study": study.name, "sizes": dict(study.sizes), "runs": len(outputs),
                "outcomes": list(study.outcomes), "evaluate_s": wall, **timings,
                "versions": package_versions(), "git_commit": git_commit(),
                "seed": study.seed, "replicates": study.replicates}
    write_text(json.dumps(manifest, indent=2, default=str) + "\n", root / "manifest.json")
    return table, outputs, manifest


SPEED_KEYS = ("runs_made", "engine_s", "model_s", "workers", "speed_ratio")


def _speed(path: Path) -> dict[str, Any]:
    """The speed figure a study's previous manifest recorded (empty if none)."""
    try:
        old = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    return {k: old[k] for k in SPEED_KEYS if k in old and old.get("runs_made")}


def run_study(study: Study, root: Path, evaluate: Evaluator,
              say: Callable[[str], None] = print) -> dict[str, Any]:
    """Design, evaluate, analyse and report a sensitivity study in ``root``; the manifest."""
    from analysis.sensitivity_report import write_report

    table, outputs, manifest = evaluate_study(study, root, evaluate)
    ind, conv, seedvar = analyse(study, table, outputs)
    write_parquet(ind, root / INDICES)
    write_parquet(conv, root / CONVERGENCE)
    write_parquet(seedvar, root / SEEDVAR)
    report = write_report(root)
    say(f"report: {report}")
    return manifest


def analyse(study: Study, table: pd.DataFrame,
            outputs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(indices, Sobol' convergence, seed variance) of every phase and outcome."""
    ind, conv, seedvar = [], [], []
    for method, n in study.sizes.items():
        pts = table[table["phase"] == method].sort_values("point")
        out = outputs[outputs["phase"] == method]
        x = unit(study, pts)
        for outcome in study.outcomes:
            wide = out.pivot_table(index="point", columns="replicate", values=outcome,
                                   aggfunc="first", dropna=False).reindex(pts["point"])
            y_rep = wide.to_numpy(dtype=float)
            share, share_mean = sa.seed_share(y_rep)
            y = np.nanmean(y_rep, axis=1) if y_rep.size else np.full(len(pts), np.nan)
            undefined = int(np.sum(~np.isfinite(y)))
            seedvar.append({"phase": method, "outcome": outcome, "seed_share": share,
                            "seed_share_of_means": share_mean, "undefined_points": undefined,
                            "points": len(pts), "sd_between_points": float(np.nanstd(y))})
            if undefined or np.nanstd(y) == 0:
                continue  # reported as not analysable (undefined points, or constant)
            t = sa.indices(method, study.names, x, y, study.second_order, study.seed)
            ind.append(t.assign(phase=method, outcome=outcome, n=n))
            if method == "sobol":
                c = sa.convergence(study.names, x, y, n, study.second_order, study.seed)
                conv.append(c.assign(outcome=outcome))
    cols = ["phase", "outcome", "factor", "index", "value", "lo", "hi", "n"]
    return (pd.concat(ind, ignore_index=True)[cols] if ind else pd.DataFrame(columns=cols),
            pd.concat(conv, ignore_index=True) if conv else pd.DataFrame(),
            pd.DataFrame(seedvar))


def config_text(params: Params) -> str:
    """A scenario's values as YAML (``config.yaml`` of a study's run)."""
    def plain(v: Any) -> Any:
        return list(v) if isinstance(v, tuple) else v

    data = {g.name: {k: plain(v) for k, v in dataclasses.asdict(getattr(params, g.name)).items()}
            for g in dataclasses.fields(params)}
    return yaml.safe_dump(data, sort_keys=False)


def point_params(study: Study, rec: Mapping[str, Any]) -> Params:
    """The validated scenario of one design point (``run.replicates``, ``run.seed`` set)."""
    from sim.validation import validate

    values = [rec[k] for k in study.names]
    p = scenario(study.base, study.factors, values)
    return validate(p.replace(run={"replicates": study.replicates, "seed": study.seed,
                                   "progress": False}))


def speed_line(outcomes: Sequence[Any], engine_s: float, workers: int) -> tuple[str, dict]:
    """The speed figure: wall time against the model time divided by the workers."""
    ran = [o for o in outcomes if o.status == "ran"]
    model = math.fsum(o.model_s for o in ran)
    ideal = model / max(1, workers)
    ratio = engine_s / ideal if ideal > 0 else math.nan
    info = {"runs_made": len(ran), "engine_s": engine_s, "model_s": model,
            "workers": workers, "speed_ratio": ratio}
    text = (f"speed: {len(ran)} runs in {engine_s:.1f} s on {workers} worker"
            f"{'s' * (workers != 1)}; model time {model:.1f} s, / {workers} = {ideal:.1f} s; "
            f"wall / (model / workers) = {ratio:.2f}")
    return text, info
