"""Hypothesis strategies for whole configurations of the model.

A drawn configuration starts from one option of every config group (as shipped in
``configs/``), then overwrites a random subset of keys with values drawn across each key's
valid range (endpoints, log-uniform and uniform draws) and, with some probability, one key
with a value beyond it: out of range, the wrong type, NaN or infinity.

Keys that set the size of the work (population counts, steps, degrees, events) are drawn
from their valid range capped by :data:`RUN_BUDGET` so that every example runs in well under
a second; their top ends are covered by the extreme-scenario tests.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from hypothesis import strategies as st
from omegaconf import OmegaConf

from experiments.cli.config import config_dir, groups
from sim.params import Params, sections
from sim.regimes import OPENNESS

#: largest value a fuzzed run may use for each size key (valid values above are not drawn)
RUN_BUDGET: dict[str, int | float] = {
    "population.n_users": 3000, "population.n_niches": 500, "population.n_startups": 60,
    "population.max_startups": 300, "population.n_civil_society": 60, "population.n_malicious": 300,
    "startups.entry_rate": 200.0, "race.imitation_events": 200, "diffusion.substeps": 8,
    "diffusion.user_degree": 40, "diffusion.malicious_degree": 40, "diffusion.org_degree": 20,
    "run.steps": 6, "run.record_every": 8, "run.replicates": 1,
}
#: keys the fuzz leaves alone: labels of the group option
FIXED = {"population.name", "jurisdictions.name", "run.progress"}
#: keys whose valid values depend on other keys, checked by :func:`sim.params.validate`
CROSS_FIELD = {"openness.release_level", "openness.licence", "population.n_startups",
               "jurisdictions.stringency", "jurisdictions.market_share", "jurisdictions.n"}
GROUPS = [f.name for f in dataclasses.fields(Params)]


def group_options() -> dict[str, dict[str, dict[str, Any]]]:
    """The values of every option of every config group, read from the shipped YAML."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for group, options in groups().items():
        out[group] = {}
        for option in options:
            node = OmegaConf.load(config_dir() / group / f"{option}.yaml")
            plain = OmegaConf.to_container(node)
            assert isinstance(plain, dict)
            out[group][option] = {str(k): v for k, v in plain.items()}
    return out


OPTIONS = group_options()


def _numbers(lo: float | None, hi: float | None, is_int: bool) -> st.SearchStrategy:
    """Valid values of a numeric key: endpoints, uniform and log-uniform draws."""
    lo = -1e12 if lo is None else lo
    hi = 1e12 if hi is None else hi
    if is_int:
        lo_i, hi_i = int(lo), int(hi)
        return st.one_of(st.sampled_from([lo_i, hi_i]), st.integers(lo_i, hi_i),
                         st.integers(lo_i, min(hi_i, lo_i + 10)))
    draws = [st.sampled_from([lo, hi]), st.floats(lo, hi, allow_nan=False)]
    if lo >= 0 and hi > 0:
        top = math.log10(hi)
        bottom = math.log10(lo) if lo > 0 else top - 15
        draws.append(st.floats(bottom, top).map(lambda e: min(max(10.0 ** e, lo), hi)))
    return st.one_of(*draws)


def _invalid(f: dataclasses.Field) -> st.SearchStrategy:
    """Values a key must refuse."""
    tp, meta = str(f.type), f.metadata
    lo, hi = meta.get("lo"), meta.get("hi")
    bad: list[st.SearchStrategy] = [st.just("not-a-number"), st.none()]
    if tp == "float":
        bad += [st.sampled_from([math.nan, math.inf, -math.inf])]
    if tp in ("int", "float"):
        if lo is not None:
            bad.append(st.just(lo - 1 if tp == "int" else lo - abs(lo) * 0.5 - 1e-3))
        if hi is not None:
            bad.append(st.just(hi + 1 if tp == "int" else hi * 2 + 1))
        bad.append(st.just(True))
    if tp == "int":
        bad += [st.just(1.5)]
    if tp == "bool":
        bad = [st.just(1), st.just("yes"), st.none()]
    if meta.get("choices"):
        bad += [st.just("no_such_option")]
    if tp == "list[float]":
        bad = [st.just([-1.0]), st.just([math.nan]), st.just(["a"]), st.just(3.0)]
    return st.one_of(*bad)


def _valid(key: str, f: dataclasses.Field) -> st.SearchStrategy:
    tp, meta = str(f.type), f.metadata
    if tp == "bool":
        return st.booleans()
    if meta.get("choices"):
        return st.sampled_from(meta["choices"])
    if tp in ("int", "float"):
        lo, hi = meta.get("lo"), meta.get("hi")
        if key in RUN_BUDGET:
            hi = min(hi, RUN_BUDGET[key]) if hi is not None else RUN_BUDGET[key]
        return _numbers(lo, hi, tp == "int")
    raise LookupError(key)


FIELDS = {f"{g}.{f.name}": f for g, cls in sections().items() for f in dataclasses.fields(cls)}
FUZZABLE = sorted(k for k, f in FIELDS.items()
                  if (k not in FIXED and str(f.type) in ("bool", "int", "float"))
                  or (k not in FIXED and f.metadata.get("choices")))


@st.composite
def jurisdiction_layout(draw: st.DrawFn) -> dict[str, Any]:
    """A valid layout: n jurisdictions, stringencies and market shares summing to 1."""
    n = draw(st.integers(1, 5))
    stringency = draw(st.lists(_numbers(0.0, 100.0, False), min_size=n, max_size=n))
    weights = draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n))
    total = sum(weights)
    share = [w / total for w in weights] if total > 0 else [1.0 / n] * n
    share[-1] = max(0.0, 1.0 - sum(share[:-1]))
    return {"n": n, "stringency": stringency, "market_share": share}


@st.composite
def configs(draw: st.DrawFn, invalid_prob: float = 0.25) -> tuple[dict[str, dict], set[str]]:
    """A whole configuration as plain dicts per group, and the keys drawn out of range.

    Returns ``(config, invalid_keys)``; ``invalid_keys`` is empty when every drawn value
    is inside its declared range and type.
    """
    config: dict[str, dict[str, Any]] = {}
    for group in GROUPS:
        options = OPTIONS.get(group, {})
        base = dict(options[draw(st.sampled_from(sorted(options)))]) if options else {}
        config[group] = base
    # keep the option's size keys within the budget (the large tier is a valid option)
    for key, cap in RUN_BUDGET.items():
        group, name = key.split(".")
        value = config[group].get(name, getattr(getattr(Params(), group), name))
        config[group][name] = min(value, cap)
    keys = draw(st.lists(st.sampled_from(FUZZABLE), unique=True, max_size=25))
    for key in keys:
        group, name = key.split(".")
        config[group][name] = draw(_valid(key, FIELDS[key]))
    if draw(st.booleans()):
        config["jurisdictions"].update(draw(jurisdiction_layout()))
    pop = config["population"]
    if pop.get("n_startups", 0) > pop.get("max_startups", 0) and draw(st.booleans()):
        pop["n_startups"] = pop.get("max_startups", 0)
    # mostly keep the release level and licence to what the regime allows, so that most
    # configurations reach the model; the rest test the cross-field checks
    regime = OPENNESS[config["openness"].get("name", "api_only")]
    opn = config["openness"]
    if opn.get("release_level", 2) not in regime.levels and draw(st.integers(0, 4)) > 0:
        opn["release_level"] = int(draw(st.sampled_from(regime.levels)))
    if opn.get("licence", "proprietary") not in regime.licences and draw(st.integers(0, 4)):
        opn["licence"] = draw(st.sampled_from(regime.licences))
    invalid: set[str] = set()
    if draw(st.floats(0.0, 1.0)) < invalid_prob:
        key = draw(st.sampled_from(sorted(k for k in FIELDS if k not in FIXED)))
        group, name = key.split(".")
        config[group][name] = draw(_invalid(FIELDS[key]))
        invalid.add(key)
    return config, invalid


def build(config: dict[str, dict[str, Any]]) -> Params:
    """Params from plain dicts (unvalidated: the model validates on construction)."""
    return Params(**{g: cls(**config.get(g, {})) for g, cls in sections().items()})
