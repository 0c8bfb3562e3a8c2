"""Small hand-made states for the behaviour tables of the rules.

A state is built from a tiny scenario and then overwritten with the arrays a case names,
so each table row states everything its expected result depends on.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from conftest import tiny_params

from sim.ledger import Ledger
from sim.params import Params
from sim.state import COMPUTE_UNIT, LabStore, StartupStore
from sim.streams import Draws

__all__ = ["Ledger", "make_labs", "make_startups", "quarter", "scenario"]


def quarter(seed: int = 0, t: int = 1) -> Draws:
    """The draws of quarter ``t`` of a run keyed by ``seed`` (``t = 0``: construction)."""
    return Draws(seed, t)


def scenario(n_labs: int = 2, **population: Any) -> Params:
    """A tiny scenario with ``n_labs`` labs (and any other population sizes given)."""
    return _scenario(n_labs, tuple(sorted(population.items())))


@functools.cache
def _scenario(n_labs: int, population: tuple[tuple[str, Any], ...]) -> Params:
    return tiny_params(population={"n_labs": n_labs, **dict(population)})


def _set(store: object, name: str, values: Any, n: int | None = None) -> None:
    old = getattr(store, name)
    if not isinstance(old, np.ndarray):
        setattr(store, name, values)
        return
    new = np.asarray(values, dtype=old.dtype)
    if n is None:
        assert new.shape == old.shape, (name, new.shape, old.shape)
        setattr(store, name, new.copy())
    else:
        old[:n] = new


def make_labs(n: int, *, levels: Any = 2, seed: int = 0, **arrays: Any) -> LabStore:
    """``n`` labs at release ``levels``, with the arrays given set as they are.

    Capability given without compute sets the compute stock to match it (and the
    version to it), so growth starts from a consistent state.
    """
    params = scenario(n)
    lv = np.broadcast_to(np.asarray(levels, dtype=np.int64), (n,)).copy()
    labs = LabStore(params, quarter(seed, 0), lv)
    if "capability" in arrays:
        cap = np.broadcast_to(np.asarray(arrays["capability"], dtype=float), (n,))
        labs.compute = 10.0 ** (cap - COMPUTE_UNIT)
        labs.version_capability = cap.copy()
    for name, values in arrays.items():
        _set(labs, name, np.broadcast_to(np.asarray(values), (n,)) if np.ndim(values) == 0
             else values)
    return labs


def make_startups(n: int, **arrays: Any) -> StartupStore:
    """``n`` live startups (rows 0..n-1), with the arrays given set in their rows."""
    st = StartupStore(scenario(2))
    rows = st.add(n)
    st.alive[rows] = True
    for name, values in arrays.items():
        _set(st, name, np.broadcast_to(np.asarray(values), (n,)), n=n)
    return st
