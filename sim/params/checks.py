"""Checking a scenario against the schema: every value's type and range, and cross-field rules.

:func:`check_schema` raises :class:`~sim.params.base.ConfigError` with a one-line message naming
the key, the value and what is allowed, on the first value the model does not accept.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from sim.params.base import ConfigError
from sim.params.policy import MAX_STRINGENCY, JurisdictionParams
from sim.params.scenario import Params


def _type_name(tp: Any) -> str:
    return {"int": "an integer", "float": "a number", "bool": "true or false",
            "str": "a string", "tuple[float, ...]": "a list of numbers"}.get(str(tp), str(tp))


def _check_field(key: str, value: Any, f: dataclasses.Field) -> None:
    tp = str(f.type)
    meta = f.metadata
    if tp == "bool":
        ok = isinstance(value, bool)
    elif tp == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif tp == "str":
        ok = isinstance(value, str)
    else:
        ok = isinstance(value, list | tuple) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    if not ok:
        raise ConfigError(key, value, f"expected {_type_name(tp)}")
    if tp == "float" and not math.isfinite(value):
        raise ConfigError(key, value, "expected a finite number")
    lo, hi = meta.get("lo"), meta.get("hi")
    if tp in ("int", "float") and (lo is not None or hi is not None):
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            kind = ("a probability" if (lo, hi) == (0.0, 1.0)
                    else "an integer" if tp == "int" else "a number")
            fmt = (lambda b: f"{int(b)}") if tp == "int" else (lambda b: f"{b:g}")
            raise ConfigError(key, value, f"must be {kind} in [{fmt(lo)}, {fmt(hi)}]")
    if meta.get("choices") and value not in meta["choices"]:
        raise ConfigError(key, value, "choose one of: " + ", ".join(meta["choices"]))


def check_schema(params: Params) -> Params:
    """Check every value of ``params`` against the schema, and the rules between values.

    What depends on the regimes (a regime's name, the release levels and licences it
    allows) is checked by :func:`sim.validation.validate`, which also runs this.

    Returns
    -------
    Params
        The same object, for chaining.

    Raises
    ------
    ConfigError
        On the first value outside what the model accepts.
    """
    for group in dataclasses.fields(params):
        section = getattr(params, group.name)
        for f in dataclasses.fields(section):
            _check_field(f"{group.name}.{f.name}", getattr(section, f.name), f)
    _check_jurisdictions(params.jurisdictions)
    top = max(params.jurisdictions.capacity) * params.market.capacity_mean
    if top > 1.0 + 1e-12:
        raise ConfigError("jurisdictions.capacity", list(params.jurisdictions.capacity),
                          "times market.capacity_mean must stay at most 1 (capacity is a "
                          f"share; market.capacity_mean={params.market.capacity_mean:g})")
    cs = params.civil_society
    if cs.auditor_share + cs.watchdog_share > 1.0 + 1e-12:
        raise ConfigError("civil_society.watchdog_share", cs.watchdog_share,
                          "auditor_share + watchdog_share must not exceed 1 (the rest are "
                          f"researchers; auditor_share={cs.auditor_share})")
    pop = params.population
    if pop.n_startups > pop.max_startups:
        raise ConfigError("population.n_startups", pop.n_startups,
                          f"must not exceed population.max_startups={pop.max_startups}")
    return params


def _check_jurisdictions(j: JurisdictionParams) -> None:
    for key in ("stringency", "market_share"):
        values = getattr(j, key)
        if len(values) != j.n:
            raise ConfigError(f"jurisdictions.{key}", list(values),
                              f"needs one value per jurisdiction (jurisdictions.n={j.n})")
        if any((not math.isfinite(v)) or v < 0 for v in values):
            raise ConfigError(f"jurisdictions.{key}", list(values),
                              "values must be finite and non-negative")
    if any(v > MAX_STRINGENCY for v in j.stringency):
        raise ConfigError("jurisdictions.stringency", list(j.stringency),
                          f"values must be at most {MAX_STRINGENCY:g} (governments keep "
                          "stringency in [0, 3])")
    if abs(sum(j.market_share) - 1.0) > 1e-6:
        raise ConfigError("jurisdictions.market_share", list(j.market_share), "must sum to 1")
    for key in ("capacity", "compute_access"):
        values = getattr(j, key)
        if len(values) not in (1, j.n):
            raise ConfigError(f"jurisdictions.{key}", list(values),
                              f"needs one value for all or one per jurisdiction "
                              f"(jurisdictions.n={j.n})")
        if any((not math.isfinite(v)) or v <= 0 for v in values):
            raise ConfigError(f"jurisdictions.{key}", list(values),
                              "values must be finite and positive")
