"""aieco: an agent-based simulation of open versus closed AI ecosystems.

The library never imports Hydra or seaborn: it takes plain frozen dataclasses
(:class:`sim.params.Params`) and returns plain results.

>>> from sim import EcosystemModel, Params, run
>>> result = run(Params().replace(population={"n_users": 2000}, run={"steps": 2}), rng=1)
>>> list(result.metrics["step"])
[1, 2]

The names below are imported on first use, so importing :mod:`sim` is light: the command
line (:mod:`experiments.cli`) answers ``--help`` quickly and handles Ctrl-C from its first
moment.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.metrics import summarise
    from sim.model import EcosystemModel
    from sim.params import ConfigError, Params
    from sim.runner import Results, run, run_replicates
    from sim.validation import validate

__all__ = ["ConfigError", "EcosystemModel", "Params", "Results", "run", "run_replicates",
           "summarise", "validate"]
__version__ = "0.1.0"

_HOMES = {"EcosystemModel": "sim.model", "ConfigError": "sim.params", "Params": "sim.params",
          "Results": "sim.runner", "run": "sim.runner", "run_replicates": "sim.runner",
          "summarise": "sim.metrics", "validate": "sim.validation"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
