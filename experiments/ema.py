"""The model as an EMA Workbench ``Model``: uncertainties, levers and outcomes from the schema.

>>> from ema_workbench import perform_experiments
>>> from experiments.ema import ema_model
>>> model = ema_model(["market.network_effect", "diffusion.lab_spillover"],
...                   levers=["openness"], outcomes=["hhi", "harm"],
...                   overrides={"population.n_users": 500, "run.steps": 4})
>>> experiments, outcomes = perform_experiments(model, scenarios=4, policies=2)  # doctest: +SKIP

Uncertainties and levers are :class:`sim.params.plausible.Factor` spellings (a parameter
over its plausible range, ``key=LO:HI``, or a config group over its options), turned into
EMA's ``RealParameter``, ``IntegerParameter`` and ``CategoricalParameter``; outcomes are
summary columns (``hhi`` is the final value, ``harm`` the run mean), EMA
``ScalarOutcome``. The model function runs ``replicates`` seeds of the scenario in this
process and returns the outcomes' means over them, so EMA's own evaluators (sequential,
multiprocessing, MPI) drive it as they drive any Python model.

Importing this module also makes EMA Workbench 2.5's PRIM inspection work under pandas 3
(:func:`patch_prim`): ``PrimBox.inspect()`` built its table as floats and then wrote a
categorical restriction (a set of options) into it, which pandas 3 refuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis.ema_compat import patch_prim
from sim.params import Params
from sim.params.plausible import Factor, scenario, space


@dataclass(frozen=True)
class AiecoFunction:
    """The callable EMA evaluates: factor values in, mean outcomes over seeds out.

    A module-level class (not a closure) so EMA's multiprocessing evaluator can pickle it.
    """

    factors: tuple[Factor, ...]
    outcomes: tuple[str, ...]
    base: Params = field(default_factory=Params)
    replicates: int = 1
    seed: int = 0

    def __call__(self, **values: Any) -> dict[str, float]:
        from sim.runner import run_replicates
        from sim.validation import validate

        keys = [f.key for f in self.factors]
        given = [values[k] for k in keys]
        params = scenario(self.base, self.factors, given)
        params = validate(params.replace(run={"replicates": self.replicates, "seed": self.seed,
                                              "progress": False}))
        rows = [r.summary() for r in run_replicates(params)]
        return {o: float(np.nanmean([float(r.get(o, np.nan)) for r in rows]))
                for o in self.outcomes}


def parameter(f: Factor) -> Any:
    """EMA's parameter for a factor (real, integer or categorical)."""
    from ema_workbench import CategoricalParameter, IntegerParameter, RealParameter

    if f.kind == "option":
        return CategoricalParameter(f.key, list(f.choices))
    if f.kind == "int":
        return IntegerParameter(f.key, int(f.lo), int(f.hi))
    return RealParameter(f.key, f.lo, f.hi)


def ema_model(uncertainties: Iterable[str], levers: Iterable[str] = (),
              outcomes: Sequence[str] = ("hhi", "harm"), *, base: Params | None = None,
              overrides: Mapping[str, Any] | None = None, replicates: int = 1,
              seed: int = 0, name: str = "aieco") -> Any:
    """An EMA Workbench ``Model`` of aieco.

    Parameters
    ----------
    uncertainties, levers : iterable of str
        Factor spellings (see :func:`sim.params.plausible.parse_factor`).
    outcomes : sequence of str
        Outcomes (``hhi``) or summary columns (``hhi_final``, ``harm_mean``).
    base : Params, optional
        The scenario factors change (default ``Params()``), then ``overrides``.
    replicates, seed : int
        Seeds per experiment (their mean is returned) and their entropy.

    Notes
    -----
    EMA samples real parameters uniformly over their range; a plausible range's
    distribution (loguniform, triangular) is not passed on. EMA Workbench 2.5's samplers
    draw from numpy's global generator, so a design is reproducible only after
    ``np.random.seed(...)``; ``aieco discover`` draws its own seeded sample instead.
    """
    from ema_workbench import Model, ScalarOutcome

    from experiments.cli.sensitivity import outcome_column

    unc, lev = space(uncertainties), space(levers)
    cols = tuple(outcome_column(o) for o in outcomes)
    params = (base or Params()).replace(**dict(overrides or {}))
    fn = AiecoFunction(tuple(unc + lev), cols, params, replicates, seed)
    model = Model(name, function=fn)
    model.uncertainties = [parameter(f) for f in unc]
    model.levers = [parameter(f) for f in lev]
    model.outcomes = [ScalarOutcome(c) for c in cols]
    return model


patch_prim()
