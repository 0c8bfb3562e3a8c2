"""Controls generated from the parameter schema, and the scenario they edit.

Every parameter of :func:`sim.params.describe` gets a :class:`Control` (type, range, unit,
meaning and source come from the schema's metadata, so no list here can drift from
:class:`sim.Params`). A :class:`Scenario` is what the controls edit: the named option of each
config group, the values changed on top of them, a seed and a run length. It builds exactly
the :class:`~sim.Params` that ``aieco run`` composes from :meth:`Scenario.command`.

When changes apply: a model keeps the parameters it was built with, and a number on the page
must be one that ``aieco run`` reproduces, so every model parameter takes effect when the
model is rebuilt (Reset). ``run.steps`` only says where a run stops; it applies at once.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.params import ConfigError, Params, default_options, describe, nearest
from sim.params import option_groups as _read_option_groups
from sim.params.plausible import PLAUSIBLE

#: the one parameter that may change while a model runs: it only says where Run stops
MID_RUN = ("run.steps",)
#: parameters the live page shows but does not let change, and why
FIXED = {"run.replicates": "the live page runs one replicate; the Compare page pairs seeds"}
TRUE_WORDS, FALSE_WORDS = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


@dataclass(frozen=True)
class Control:
    """One parameter of the schema, as the page offers it."""

    key: str
    type: str
    default: Any
    lo: float | None
    hi: float | None
    unit: str
    doc: str
    choices: tuple[str, ...] | None
    source: str
    #: the plausible range and its reasoning (sim/params/plausible.py), or ""
    plausible: str = ""

    @property
    def group(self) -> str:
        """The config group (``market`` for ``market.beta_quality``)."""
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        """The key within its group."""
        return self.key.split(".", 1)[1]

    @property
    def role(self) -> str:
        """``option`` (a group's name: its option picker), ``seed``, ``fixed`` or ``field``."""
        if self.name == "name":
            return "option"
        if self.key == "run.seed":
            return "seed"
        return "fixed" if self.key in FIXED else "field"

    @property
    def widget(self) -> str:
        """``switch``, ``select``, ``list``, ``integer``, ``number`` or ``text``."""
        if self.type == "bool":
            return "switch"
        if self.choices:
            return "select"
        if self.type.startswith("tuple"):
            return "list"
        return {"int": "integer", "float": "number"}.get(self.type, "text")

    @property
    def label(self) -> str:
        """The key within its group, with its unit."""
        return f"{self.name} [{self.unit}]" if self.unit else self.name

    @property
    def range_text(self) -> str:
        """``0 to 1``, ``at least 0``, or ``""``."""
        lo, hi = self.lo, self.hi
        if lo is not None and hi is not None:
            return f"{_num(lo)} to {_num(hi)}"
        if lo is not None:
            return f"at least {_num(lo)}"
        return f"at most {_num(hi)}" if hi is not None else ""

    @property
    def when(self) -> str:
        """When a change takes effect."""
        if self.key in FIXED:
            return FIXED[self.key]
        return "applies at once" if self.key in MID_RUN else "takes effect on Reset"

    @property
    def hint(self) -> str:
        """The help text: meaning, range, source and when a change applies."""
        parts = [self.doc[:1].upper() + self.doc[1:] if self.doc else self.key]
        if self.range_text:
            parts.append(f"range {self.range_text}")
        if self.choices:
            parts.append("one of " + ", ".join(self.choices))
        if self.source:
            parts.append(f"source: {self.source}")
        if self.plausible:
            parts.append(f"plausible {self.plausible}")
        return "; ".join(parts) + f". {self.when[:1].upper() + self.when[1:]}."

    def parse(self, text: Any) -> Any:
        """The value typed as ``text``, checked; :class:`ConfigError` (one line) if invalid."""
        if not isinstance(text, str):
            value = text
        else:
            text = text.strip()
            if not text:
                raise ConfigError(self.key, text, "is empty; type a value")
            value = self._parse_text(text)
        self.check(value)
        return value

    def _parse_text(self, text: str) -> Any:
        words = {"int": "an integer", "float": "a number", "bool": "true or false"}
        try:
            if self.type == "bool":
                if text.lower() not in (*TRUE_WORDS, *FALSE_WORDS):
                    raise ValueError(text)
                return text.lower() in TRUE_WORDS
            if self.type == "int":
                number = float(text)
                if not number.is_integer():
                    raise ValueError(text)
                return int(number)
            if self.type == "float":
                return float(text)
            if self.type.startswith("tuple"):
                items = text.strip("[]() ").replace(",", " ").split()
                return tuple(float(item) for item in items)
        except (ValueError, OverflowError):
            raise ConfigError(self.key, text, "expected " + words.get(
                self.type, "numbers separated by commas")) from None
        return text

    def check(self, value: Any) -> None:
        """Check a value against the type, range and choices of the schema (one-line errors)."""
        if self.type == "float" and not (isinstance(value, int | float)
                                         and math.isfinite(value)):
            raise ConfigError(self.key, value, "expected a finite number")
        if self.type.startswith("tuple") and not value:
            raise ConfigError(self.key, value, "expected at least one number")
        if self.choices and value not in self.choices:
            raise ConfigError(self.key, value, f"choose one of: {', '.join(self.choices)}"
                              f"{nearest(str(value), self.choices)}")
        if self.type in ("int", "float") and not _inside(value, self.lo, self.hi):
            kind = ("a probability" if (self.lo, self.hi) == (0.0, 1.0)
                    else "an integer" if self.type == "int" else "a number")
            raise ConfigError(self.key, value, f"must be {kind} in "
                              f"[{_num(self.lo, '-inf')}, {_num(self.hi, 'inf')}]")

    def show(self, value: Any) -> str:
        """The value as the page's text field shows it."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return f"{value:.12g}"
        if isinstance(value, tuple):
            return ", ".join(f"{v:.12g}" for v in value)
        return str(value)


def _inside(value: float, lo: float | None, hi: float | None) -> bool:
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def _num(value: float | None, missing: str = "") -> str:
    return missing if value is None else f"{value:.12g}"


@functools.cache
def controls() -> dict[str, Control]:
    """A control for every parameter of the schema, in the schema's order, by key."""
    fields = {f.name for f in dataclasses.fields(Control)} - {"plausible"}
    return {row["key"]: Control(**{k: v for k, v in row.items() if k in fields},
                                plausible=_plausible(row["key"]))
            for row in describe()}


def _plausible(key: str) -> str:
    """``0.5 to 1 (triangular; calibrated at ...)``: the spec samplers use, or ``""``."""
    spec = PLAUSIBLE.get(key)
    if spec is None or spec.lo is None or spec.hi is None:
        return ""
    dist = "" if spec.dist == "uniform" else f"{spec.dist}; "
    return f"{_num(spec.lo)} to {_num(spec.hi)} ({dist}{spec.source})"


def by_group() -> dict[str, list[Control]]:
    """The controls of each config group, in the schema's order."""
    out: dict[str, list[Control]] = {}
    for control in controls().values():
        out.setdefault(control.group, []).append(control)
    return out


@functools.cache
def option_groups() -> dict[str, list[str]]:
    """Every config group's named options (read once: the option files ship read-only)."""
    return _read_option_groups()


@functools.cache
def picker_groups() -> list[str]:
    """Config groups with a choice of named options (the scenario's main pickers)."""
    return [g for g, options in option_groups().items() if len(options) > 1]


def hydra_value(value: Any) -> str:
    """A value in the override syntax of ``aieco run`` (exact for floats)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return "[" + ",".join(repr(float(v)) for v in value) + "]"
    return repr(value) if isinstance(value, float) else str(value)


@functools.cache
def _composed(options: tuple[tuple[str, str], ...]) -> Params:
    return Params.from_options(overrides=None, **dict(options))


@dataclass(frozen=True)
class Scenario:
    """Named options, the values changed on top of them, a seed and a run length.

    ``options`` maps every config group to its option; ``overrides`` maps dotted keys to
    values that differ from what the options compose. Immutable: ``with_*`` return copies.
    """

    options: Mapping[str, str] = field(default_factory=lambda: dict(default_options()))
    overrides: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    steps: int = field(default_factory=lambda: Params().run.steps)

    def base(self) -> Params:
        """The parameters the options compose, before the overrides."""
        return _composed(tuple(sorted(self.options.items())))

    def value(self, key: str) -> Any:
        """The value of a parameter in this scenario."""
        if key == "run.seed":
            return self.seed
        if key == "run.steps":
            return self.steps
        if key in self.overrides:
            return self.overrides[key]
        group, name = key.split(".", 1)
        return getattr(getattr(self.base(), group), name)

    def with_option(self, group: str, option: str) -> Scenario:
        """A copy with ``group`` set to its option ``option`` (changed values are kept)."""
        if option not in option_groups().get(group, []):
            raise ConfigError(group, option, "choose one of: "
                              + ", ".join(option_groups().get(group, [])))
        return dataclasses.replace(self, options={**self.options, group: option})

    def with_value(self, key: str, value: Any) -> Scenario:
        """A copy with one parameter changed (checked; dropped if it equals the option's)."""
        control = controls()[key]
        value = control.parse(value)
        if key == "run.seed":
            return dataclasses.replace(self, seed=int(value))
        if key == "run.steps":
            return dataclasses.replace(self, steps=int(value))
        overrides = {k: v for k, v in self.overrides.items() if k != key}
        group, name = key.split(".", 1)
        if value != getattr(getattr(self.base(), group), name):
            overrides[key] = value
        return dataclasses.replace(self, overrides=overrides)

    def without_group(self, group: str) -> Scenario:
        """A copy with the changed values of ``group`` dropped (its option's values back)."""
        kept = {k: v for k, v in self.overrides.items() if not k.startswith(group + ".")}
        return dataclasses.replace(self, overrides=kept)

    def params(self) -> Params:
        """The validated parameters (what ``aieco run`` composes from :meth:`command`)."""
        from sim import validate

        changes = {**self.overrides, "run.seed": self.seed, "run.steps": self.steps}
        return validate(Params.from_options(overrides=changes, **self.options))

    def arguments(self) -> list[str]:
        """The ``aieco run`` arguments: options that differ from the defaults, then values."""
        defaults = default_options()
        order = list(controls())
        args = [f"{g}={o}" for g, o in self.options.items() if defaults.get(g) != o]
        args += [f"{k}={hydra_value(self.overrides[k])}"
                 for k in sorted(self.overrides, key=order.index)]
        return [*args, f"run.seed={self.seed}", f"run.steps={self.steps}"]

    def command(self) -> str:
        """The ``aieco run`` line that runs this scenario (quoted for a POSIX shell)."""
        return "aieco run " + " ".join(shlex.quote(a) for a in self.arguments())

    def differences(self, other: Scenario) -> list[str]:
        """Options and keys whose values differ between the two scenarios."""
        out = [g for g in option_groups() if self.options.get(g) != other.options.get(g)]
        return out + [k for k in controls() if controls()[k].role != "option"
                      and self.value(k) != other.value(k)]

    def label(self) -> str:
        """A short name: the options of the picker groups, and how many values changed."""
        text = " × ".join(self.options[g] for g in picker_groups() if g != "population")
        n = len(self.overrides)
        more = f" + {n} change{'s' if n > 1 else ''}" if n else ""
        return f"{text}{more} ({self.options.get('population', '?')} population)"


def parse_arguments(text: str, start: Scenario | None = None) -> Scenario:
    """A scenario from ``aieco run`` arguments (``group=option``, ``group.key=value``).

    Raises
    ------
    ConfigError
        For a malformed argument, an unknown group, option or key, or an invalid value.
    """
    scenario = start or Scenario()
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise ConfigError("arguments", text, f"cannot be split into words ({exc})") from None
    if tokens[:2] == ["aieco", "run"]:
        tokens = tokens[2:]
    groups = option_groups()
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep or not key or not value:
            raise ConfigError("argument", token, "write group=option or group.key=value")
        if "." not in key:
            if key not in groups:
                raise ConfigError(key, value, f"unknown config group{nearest(key, groups)}")
            scenario = scenario.with_option(key, value)
        elif key not in controls():
            raise ConfigError(key, value, f"unknown key{nearest(key, controls())}")
        elif controls()[key].role in ("option", "fixed"):
            raise ConfigError(key, value, "not settable here; pick the group's option instead"
                              if controls()[key].role == "option" else FIXED[key])
        else:
            scenario = scenario.with_value(key, value)
    return scenario
