"""Plausible ranges: where each parameter that matters may lie, and why; the space samplers use.

The schema's bounds (``lo``, ``hi`` of :func:`sim.params.p`) are validity limits: what the
model accepts without breaking. A plausible range is narrower: the values a modeller could
defend for the real system, with the source or reasoning, and optionally a distribution
over it. :data:`PLAUSIBLE` is the one spec of them; sensitivity studies, scenario discovery
and sweeps over uncertainties take it as their default space, and ``aieco params
--plausible`` lists it.

Distributions (over the closed range):

- ``uniform``: every value equally plausible;
- ``loguniform``: every order of magnitude equally plausible (rates known only to within a
  factor, ``lo > 0``);
- ``triangular``: peaked at the schema's default, falling linearly to the bounds (a value
  calibrated or chosen with some confidence). The mode is read from the schema when the
  space is built, so it follows a recalibrated default.

A config group with named options (``openness``, ``regulation``) is a categorical factor
over its options. Invariants: every range lies within the validity limits and holds the
schema default; both are checked by the tests and by :func:`factor` for ranges given by a
user.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.params.base import ConfigError, nearest
from sim.params.scenario import Params, sections

DISTRIBUTIONS = ("uniform", "loguniform", "triangular")


@dataclass(frozen=True)
class Plausible:
    """A plausible range of one parameter, or the plausible options of one config group.

    Attributes
    ----------
    lo, hi : float or None
        The closed range (None for a config group's options).
    dist : str
        One of :data:`DISTRIBUTIONS`.
    source : str
        Where the range comes from, or the reasoning behind it.
    choices : tuple of str or None
        A config group's plausible options (None: all of them).
    """

    lo: float | None = None
    hi: float | None = None
    dist: str = "uniform"
    source: str = ""
    choices: tuple[str, ...] | None = None


def _r(lo: float, hi: float, source: str, dist: str = "uniform") -> Plausible:
    return Plausible(float(lo), float(hi), dist, source)


#: plausible range of every parameter the model's answers may hang on, with its reasoning
PLAUSIBLE: dict[str, Plausible] = {
    # market: the logit choice of users
    "market.beta_quality": _r(1.0, 4.0, "half to twice the default: users value a 10x more "
                              "capable model at 1-4 price units; no direct estimate exists"),
    "market.network_effect": _r(0.0, 0.6, "none to three times the default; data and "
                                "ecosystem lock-in in AI services are weaker than in social "
                                "networks (assumption)"),
    "market.switch_cost_mean": _r(0.1, 1.5, "switching costs of software services are a "
                                  "fraction of a year's price to more (Farrell & Klemperer "
                                  "2007); APIs are easy to swap, workflows less so"),
    "market.alpha_sd": _r(0.2, 1.0, "log-sd of price sensitivity: incomes and uses vary "
                          "by a factor 1.5-3 (assumption)"),
    "market.openness_pref_mean": _r(0.0, 1.5, "from indifference to a strong taste for "
                                    "control and privacy (assumption)"),
    "market.reconsider_prob": _r(0.05, 0.3, "users revisit their provider every 10 to 1 "
                                 "quarters (assumption)"),
    "market.marginal_cost": _r(0.05, 0.5, "inference cost a twentieth to a half of the "
                               "price unit; known only to within a factor", "loguniform"),
    # diffusion and spill-overs
    "diffusion.bass_p": _r(0.003, 0.03, "quarterly equivalents of the spread of Bass p in "
                           "Sultan, Farley & Lehmann (1990)", "loguniform"),
    "diffusion.bass_q": _r(0.05, 0.25, "quarterly equivalents of the spread of Bass q in "
                           "Sultan, Farley & Lehmann (1990)"),
    "diffusion.lab_spillover": _r(0.01, 0.2, "open models trail the frontier by about 1-2 "
                                  "years (Epoch AI 2024): a lab closes 1-20% of an open gap "
                                  "per quarter", "loguniform"),
    "diffusion.startup_spillover": _r(0.02, 0.3, "startups adapt released weights faster "
                                      "than labs rebuild them (assumption)", "loguniform"),
    # labs
    "labs.invest_share": _r(0.2, 0.7, "frontier labs reinvest most of their cash in compute "
                            "(assumption)"),
    "labs.hardware_progress": _r(0.025, 0.05, "GPU price-performance doubling every 2 to 3.5 "
                                 "years (Hobbhahn & Besiroglu 2022)"),
    "labs.compute_depreciation": _r(0.05, 0.2, "accelerators are obsolete after about 1.5 to "
                                    "5 years"),
    "labs.acquisition_prob": _r(0.02, 0.3, "a lab with spare cash tries an acquisition once "
                                "every 1 to 12 years (assumption)", "loguniform"),
    "labs.funding_traction": _r(0.5, 1.0, "calibrated at 1 (docs/CALIBRATION.md); investors "
                                "split at least half by traction", "triangular"),
    "population.n_labs": _r(3, 20, "the brief: 3 to 20 frontier labs"),
    "openness.cannibalisation": _r(0.5, 1.0, "calibrated at 0.98, the edge of its search "
                                   "range (docs/CALIBRATION.md); the fit is loose, so down "
                                   "to half", "triangular"),
    # the race
    "race.speed_factor": _r(1.1, 3.0, "Han et al. (2020) study s between 1 and 4; a safe "
                            "lab is unlikely to be slowed more than threefold"),
    "race.disaster_risk": _r(0.001, 0.05, "p_r is unknown to within orders of magnitude "
                             "(Han et al. 2020 scan [0, 1])", "loguniform"),
    # startups
    "startups.entry_rate": _r(2.0, 12.0, "a third to twice the default entry of AI startups "
                              "per quarter in the modelled market (assumption)"),
    # misuse and its defences
    "malicious.attempt_prob": _r(0.1, 0.6, "assumption: most undeterred actors try in a "
                                 "given quarter only sometimes"),
    "malicious.harm_per_uplift": _r(0.01, 0.25, "uplift of AI to misuse is contested (Kapoor "
                                    "et al. 2024): a factor five either way", "loguniform"),
    "malicious.safeguards": _r(0.3, 0.9, "hosted safeguards stop a third to nine tenths of "
                               "attempts (red-teaming reports vary widely)"),
    "malicious.monitoring": _r(0.1, 0.6, "assumption: a provider detects a minority to a "
                               "majority of misuse"),
    "malicious.strip_cost": _r(0.0, 0.5, "removing safeguards from weights costs near zero "
                               "(Kapoor et al. 2024) to a little"),
    "malicious.discovery_rate": _r(0.0003, 0.003, "a factor three either way of the default "
                                   "(assumption)", "loguniform"),
    "civil_society.patch_prob": _r(0.2, 0.8, "disclosed vulnerabilities are patched within "
                                   "one to five quarters"),
    "malicious.nday_factor": _r(1.0, 20.0, "a known, unpatched flaw is as easy to exploit as "
                                "a latent one is to find, up to twenty times easier: attacks "
                                "rise after disclosure until patches are applied (Arora, "
                                "Nandkumar & Telang 2006); no published ratio", "loguniform"),
    "regulation.attribution_open": _r(0.05, 1.0, "harm from downloaded weights is traced to "
                                      "the lab that released them rarely (anonymous copies) "
                                      "to always (provenance, watermarks); no published "
                                      "value", "loguniform"),
    # policy strength
    "regulation.enforcement": _r(0.05, 0.8, "the range of the tension_governance experiment",
                                 "loguniform"),
    "jurisdictions.cooperation": _r(0.0, 1.0, "from none to full harmonisation"),
    # regimes: categorical factors over the named options
    "openness": Plausible(source="every openness regime the model implements",
                          choices=("closed", "api_only", "staged", "open_weights",
                                   "endogenous")),
    "regulation": Plausible(source="the regulation regimes of the concentration experiment",
                            choices=("laissez_faire", "risk_tiered", "liability",
                                     "open_weight_restriction")),
}


@dataclass(frozen=True)
class Factor:
    """One dimension of a sample space: a parameter or a config group, its range and law.

    Attributes
    ----------
    key : str
        A dotted parameter key (``market.beta_quality``) or a config group (``openness``).
    kind : str
        ``"float"``, ``"int"`` or ``"option"``.
    lo, hi : float
        The range (0 and the number of options for ``"option"``).
    dist : str
        One of :data:`DISTRIBUTIONS`.
    mode : float
        The triangular distribution's peak (the schema default).
    choices : tuple of str
        The options of an ``"option"`` factor.
    unit : str
        The parameter's unit, from the schema.
    """

    key: str
    kind: str
    lo: float
    hi: float
    dist: str = "uniform"
    mode: float = math.nan
    choices: tuple[str, ...] = ()
    unit: str = ""

    def values(self, u: Sequence[float] | NDArray[np.float64]) -> list[Any]:
        """The factor's values at unit-interval coordinates ``u`` (inverse CDF).

        Integers and options split the interval into equal cells, so every value of a
        range of integers, and every option, is equally likely under a uniform law.
        """
        x = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.kind == "option":
            idx = np.minimum((x * len(self.choices)).astype(int), len(self.choices) - 1)
            return [self.choices[i] for i in idx]
        if self.kind == "int":
            lo, hi = int(self.lo), int(self.hi)
            return [int(v) for v in np.minimum(lo + np.floor(x * (hi - lo + 1)), hi)]
        return [float(v) for v in self._continuous(x)]

    def _continuous(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        lo, hi = self.lo, self.hi
        if self.dist == "loguniform":
            return np.asarray(np.exp(math.log(lo) + x * (math.log(hi) - math.log(lo))))
        if self.dist == "triangular" and hi > lo:
            c = (self.mode - lo) / (hi - lo)
            left = lo + np.sqrt(x * (hi - lo) * (self.mode - lo))
            right = hi - np.sqrt((1 - x) * (hi - lo) * (hi - self.mode))
            return np.asarray(np.where(x < c, left, right))
        return lo + x * (hi - lo)


def _field(key: str) -> dataclasses.Field[Any]:
    group, _, name = key.partition(".")
    groups = sections()
    if group not in groups:
        raise ConfigError(key, None, f"unknown config group{nearest(group, groups)}; groups "
                          "are: " + ", ".join(groups))
    fields = {f.name: f for f in dataclasses.fields(groups[group])}
    if name not in fields:
        raise ConfigError(key, None, f"unknown parameter{nearest(name, fields)} in {group}; "
                          "'aieco params " + group + "' lists them")
    return fields[name]


def factor(key: str, lo: float | None = None, hi: float | None = None,
           dist: str | None = None, choices: Iterable[str] | None = None) -> Factor:
    """The factor ``key`` over its plausible range, or over ``lo``-``hi`` when given.

    Raises
    ------
    ConfigError
        In one line: an unknown key, a parameter that cannot be sampled (text, switches,
        lists), one without a plausible range when none is given, a range outside the
        validity limits or empty, an unknown distribution or option.
    """
    from sim.params.options import option_groups

    spec = PLAUSIBLE.get(key, Plausible())
    dist = dist or spec.dist
    if dist not in DISTRIBUTIONS:
        raise ConfigError(key, dist, "unknown distribution; choose one of: "
                          + ", ".join(DISTRIBUTIONS))
    if "." not in key:
        options = option_groups()
        if key not in options:
            raise ConfigError(key, None, f"unknown config group{nearest(key, options)}; "
                              "groups are: " + ", ".join(options))
        chosen = tuple(choices or spec.choices or options[key])
        for c in chosen:
            if c not in options[key]:
                raise ConfigError(key, c, f"unknown option{nearest(c, options[key])}; choose "
                                  "from: " + ", ".join(options[key]))
        return Factor(key, "option", 0.0, float(len(chosen)), "uniform", choices=chosen)
    f = _field(key)
    tp = str(f.type)
    if tp not in ("int", "float"):
        raise ConfigError(key, None, f"is {tp}, not a number: only numbers and config groups "
                          "(openness, regulation, ...) can be sampled")
    lo = spec.lo if lo is None else lo
    hi = spec.hi if hi is None else hi
    if lo is None or hi is None:
        raise ConfigError(key, None, "has no plausible range in sim/params/plausible.py; "
                          f"give one as {key}=LO:HI")
    return _checked(key, f, float(lo), float(hi), dist)


def _checked(key: str, f: dataclasses.Field[Any], lo: float, hi: float,
             dist: str) -> Factor:
    vlo, vhi = f.metadata.get("lo"), f.metadata.get("hi")
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        raise ConfigError(key, f"{lo:g}:{hi:g}", "a range needs finite LO < HI")
    if (vlo is not None and lo < vlo) or (vhi is not None and hi > vhi):
        raise ConfigError(key, f"{lo:g}:{hi:g}", f"lies outside the validity limits "
                          f"[{vlo:g}, {vhi:g}] of the schema")
    if dist == "loguniform" and lo <= 0:
        raise ConfigError(key, f"{lo:g}:{hi:g}", "a loguniform range needs LO > 0")
    default = float(f.default)  # type: ignore[arg-type]
    if dist == "triangular" and not lo <= default <= hi:
        raise ConfigError(key, f"{lo:g}:{hi:g}", f"a triangular range must hold the default "
                          f"{default:g}, its mode")
    kind = "int" if str(f.type) == "int" else "float"
    if kind == "int" and not (lo.is_integer() and hi.is_integer()):
        raise ConfigError(key, f"{lo:g}:{hi:g}", "an integer parameter needs integer bounds")
    return Factor(key, kind, lo, hi, dist, default, unit=f.metadata.get("unit", ""))


def parse_factor(text: str) -> Factor:
    """A factor from its command-line spelling.

    ``key`` (its plausible range), ``key=LO:HI``, ``key=LO:HI:DIST``, or ``group=a|b|c`` (a
    config group over some of its options).
    """
    key, eq, rest = text.partition("=")
    key = key.strip()
    if not eq:
        return factor(key)
    if "." not in key:
        return factor(key, choices=[c for c in rest.split("|") if c])
    parts = rest.split(":")
    if len(parts) not in (2, 3):
        raise ConfigError(key, rest, "give a range as LO:HI or LO:HI:DIST")
    try:
        lo, hi = float(parts[0]), float(parts[1])
    except ValueError:
        raise ConfigError(key, rest, "LO and HI must be numbers") from None
    return factor(key, lo, hi, parts[2] if len(parts) == 3 else None)


def scenario(base: Params, factors: Sequence[Factor], values: Sequence[Any]) -> Params:
    """``base`` with each factor set to its value: options first, then parameters; checked.

    A config-group factor replaces the whole group with its named option (the base's
    values in that group are dropped), then the numeric factors apply.
    """
    options = {f.key: str(v) for f, v in zip(factors, values, strict=True) if f.kind == "option"}
    changes = {f.key: v for f, v in zip(factors, values, strict=True) if f.kind != "option"}
    return base.with_options(changes, **options)


def space(keys: Iterable[str]) -> list[Factor]:
    """The factors of ``keys`` (command-line spellings, see :func:`parse_factor`).

    A key named twice is refused.
    """
    out = [parse_factor(k) for k in keys]
    seen: set[str] = set()
    for f in out:
        if f.key in seen:
            raise ConfigError(f.key, None, "is named twice")
        seen.add(f.key)
    return out


def table() -> list[dict[str, Any]]:
    """Every plausible range as a record (key, default, range, distribution, source)."""
    from sim.params.options import default_options

    defaults = Params()
    rows = []
    for key, spec in PLAUSIBLE.items():
        if "." in key:
            group, name = key.split(".")
            default: Any = getattr(getattr(defaults, group), name)
            rng = f"{spec.lo:g} to {spec.hi:g}"
        else:
            default = default_options().get(key, "")
            rng = " | ".join(spec.choices or ())
        rows.append({"key": key, "default": default, "plausible": rng, "dist": spec.dist,
                     "source": spec.source})
    return rows


def as_mapping() -> Mapping[str, Plausible]:
    """The spec, read-only."""
    from types import MappingProxyType

    return MappingProxyType(PLAUSIBLE)
