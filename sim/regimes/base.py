"""Registries of regimes and the factories that build them from parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sim.params import OpennessParams, RegulationParams
    from sim.regimes.openness import OpennessRegime
    from sim.regimes.regulation import RegulationRegime

OPENNESS: dict[str, type[OpennessRegime]] = {}
REGULATION: dict[str, type[RegulationRegime]] = {}

T = TypeVar("T")


def register(registry: dict[str, Any], name: str) -> Callable[[T], T]:
    """Class decorator adding a regime class to ``registry`` under ``name``."""

    def deco(cls: T) -> T:
        if name in registry:
            raise ValueError(f"regime {name!r} registered twice")
        registry[name] = cls
        cls.name = name  # type: ignore[attr-defined]
        return cls

    return deco


def make_openness(params: OpennessParams) -> OpennessRegime:
    """Build the openness regime named by ``params.name``."""
    return OPENNESS[params.name](params)


def make_regulation(params: RegulationParams) -> RegulationRegime:
    """Build the regulation regime named by ``params.name``."""
    return REGULATION[params.name](params)
