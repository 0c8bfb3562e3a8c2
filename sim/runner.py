"""Running a scenario: the model loop, timing, and the results it returns.

This is the thin layer the command line and the sweeps use; it does not import Hydra.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.metrics import summarise
from sim.model import EcosystemModel
from sim.params import ConfigError, Params
from sim.provenance import manifest
from sim.seeding import SeedLike, replicate

#: metrics columns that name the scenario rather than measure it
LABEL_COLUMNS = ("openness", "regulation", "jurisdictions")


@dataclass
class Results:
    """What one run produced.

    Attributes
    ----------
    metrics : pandas.DataFrame
        One row per step: ``step``, ``seed``, the regime names and every outcome.
    agents : pandas.DataFrame
        Per-agent state every ``run.record_every`` steps (long format).
    manifest : dict
        Provenance: versions, seed, spawn key, config hash, wall time.
    params : Params
        The scenario that ran.
    """

    metrics: pd.DataFrame
    agents: pd.DataFrame
    manifest: dict[str, Any]
    params: Params = field(repr=False)

    def summary(self) -> dict[str, Any]:
        """The run in one row: ``<outcome>_final`` and ``<outcome>_mean`` of every outcome.

        The same reduction a sweep writes to ``summary.parquet`` (:func:`summarise`).
        """
        return summarise(self.metrics)


def metrics_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The tidy metrics table, with regime names as categoricals."""
    df = pd.DataFrame(rows)
    for col in LABEL_COLUMNS:
        if col in df:
            df[col] = df[col].astype("string")
    return df


def agents_frame(records: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """The long per-agent table from snapshots."""
    if not records:
        from sim.metrics import AGENT_COLUMNS
        return pd.DataFrame({k: pd.Series(dtype=dtype if dtype is not object else "string")
                             for k, (dtype, _, _) in AGENT_COLUMNS.items()})
    cols = {k: np.concatenate([r[k] for r in records]) for k in records[0]}
    df = pd.DataFrame(cols)
    df["agent_type"] = df["agent_type"].astype("string")
    return df


def replicate_seeds(params: Params) -> list[np.random.SeedSequence]:
    """The seed sequences of ``params.run.replicates`` replicates of one configuration.

    A single replicate uses ``SeedSequence(seed)``, so ``aieco run run.seed=7`` and
    ``run(params, rng=7)`` agree; several use its children ``spawn_key=(i,)``.
    """
    seed, n = params.run.seed, params.run.replicates
    if n == 1:
        return [np.random.SeedSequence(seed)]
    return [replicate(seed, i) for i in range(n)]


def run(params: Params | None = None, *, rng: SeedLike = None,
        on_step: Callable[[EcosystemModel], None] | None = None) -> Results:
    """Build a model, run ``params.run.steps`` quarters and return its results.

    Parameters
    ----------
    params : Params, optional
        The scenario (validated); defaults to ``Params()``.
    rng : int, SeedSequence or Generator, optional
        Source of randomness; defaults to ``params.run.seed``.
    on_step : callable, optional
        Called with the model after every step (progress bars, live plots).

    Returns
    -------
    Results
    """
    params = params if params is not None else Params()
    if params.run.replicates != 1:
        raise ConfigError("run.replicates", params.run.replicates,
                          "run() runs one replicate; sim.run_replicates(params) runs all "
                          f"{params.run.replicates} with the seeds a sweep gives them")
    start = time.perf_counter()
    model = EcosystemModel(params, rng=rng)
    for _ in range(params.run.steps):
        model.step()
        if on_step is not None:
            on_step(model)
    wall = time.perf_counter() - start
    return Results(metrics=metrics_frame(model.history),
                   agents=agents_frame(model.agent_records),
                   manifest=manifest(model.params, model.seed_seq, wall),
                   params=model.params)


def run_replicates(params: Params, *, executor: Executor | None = None,
                   on_step: Callable[[EcosystemModel], None] | None = None) -> list[Results]:
    """Run every replicate of ``params`` (``params.run.replicates`` of them).

    Replicate ``i`` draws from the seed sequence a sweep gives it
    (:func:`replicate_seeds`): ``SeedSequence(run.seed, spawn_key=(i,))``, or
    ``SeedSequence(run.seed)`` for a single replicate, so each result equals the run folder
    ``aieco sweep`` or ``aieco run`` writes for it.

    Parameters
    ----------
    params : Params
        The scenario; ``params.run.replicates`` says how many runs.
    executor : concurrent.futures.Executor, optional
        Runs the replicates in parallel (a process pool, a Dask or MPI executor); they run
        one after another in this process without one.
    on_step : callable, optional
        Called with the model after every step (only without an executor).

    Returns
    -------
    list of Results
        In replicate order.
    """
    one = dataclasses.replace(params, run=dataclasses.replace(params.run, replicates=1))
    seeds = replicate_seeds(params)
    if executor is None:
        return [run(one, rng=s, on_step=on_step) for s in seeds]
    futures = [executor.submit(run, one, rng=s) for s in seeds]
    return [f.result() for f in futures]
