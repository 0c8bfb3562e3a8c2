"""The registry decorator the regime modules use to list their classes by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

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
