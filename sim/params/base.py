"""The building blocks of the parameter schema: errors, field declarations, coercion.

Every config group is a frozen dataclass deriving from :class:`Section`; each field is
declared with :func:`p`, which records its valid range, unit, meaning and source in the
field's ``metadata``. Values are coerced losslessly on construction (NumPy scalars, integral
floats for integer fields, sequences to tuples), so the schema accepts what samplers such as
SALib and EMA Workbench produce, and a scenario is immutable and hashable.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Iterable
from dataclasses import field
from typing import Any

import numpy as np


class ConfigError(ValueError):
    """A configuration value outside what the model accepts; its message is one line."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{key}={value!r} is invalid: {allowed}")

    def __reduce__(self) -> tuple[type, tuple[str, Any, str]]:
        # rebuilt from its three parts when it crosses a process boundary (sweep workers)
        return (type(self), (self.key, self.value, self.allowed))


def nearest(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'X'?)"`` for the choice closest to ``word``, or ``""`` if none is close.

    Examples
    --------
    >>> nearest("beta_qualty", ["beta_quality", "alpha_mean"])
    " (did you mean 'beta_quality'?)"
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def p(default: Any, lo: float | None = None, hi: float | None = None, *, unit: str = "",
      doc: str = "", choices: tuple[str, ...] | None = None, source: str = "") -> Any:
    """Declare a parameter with its default, closed range, unit, meaning and source."""
    meta = {"lo": lo, "hi": hi, "unit": unit, "doc": doc, "choices": choices,
            "source": source}
    return field(default=default, metadata=meta)


def _coerce(value: Any, tp: str) -> Any:
    """``value`` as the field type ``tp`` wants it, where that loses nothing; else as is.

    NumPy scalars become Python scalars, integral floats (``40.0``, as samplers produce)
    become ints for integer fields, ints become floats for float fields, and sequences
    become tuples. Anything else is left for the checks to refuse in one line.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if tp == "int" and isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if tp == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp.startswith("tuple") and isinstance(value, list | tuple | np.ndarray):
        return tuple(_coerce(v, "float") for v in value)
    return value


class Section:
    """Base of every config group's dataclass: values are coerced losslessly on creation.

    The dataclasses are frozen and hold only immutable values (tuples, not lists), so a
    :class:`Params` is hashable and what ran is what its manifest records.
    """

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            new = _coerce(value, str(f.type))
            if new is not value:
                object.__setattr__(self, f.name, new)
