"""Mesa agents as thin views on per-type arrays.

Decision rules are written once per agent type and applied to all agents of that type at
once (synchronous update), which keeps Python work per agent-step near a microsecond. A Mesa
agent holds only its row in its type's store; reading an attribute reads the array, so the
agent always shows the current state and the arrays stay the single source of truth.
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model import EcosystemModel


class Column:
    """Descriptor exposing ``store.<name>[row]`` as an agent attribute."""

    def __init__(self, doc: str = "") -> None:
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        value = getattr(agent.store, self.name)[agent.row]
        return value.item() if isinstance(value, np.generic) else value

    def __set__(self, agent: Any, value: Any) -> None:
        getattr(agent.store, self.name)[agent.row] = value


class IdCounters(weakref.WeakKeyDictionary):
    """Each model's counter of agent ids, held weakly.

    Mesa 3.3.1 keeps the counters in ``Agent._ids``, a ``defaultdict`` keyed by the model
    itself: every model ever built stays alive (a leak in long in-process sweeps), and a
    model restored from a pickle restarts its ids at 1. Our agents use this mapping
    instead; :meth:`sim.model.EcosystemModel.__setstate__` restores the counter.
    """

    def __getitem__(self, model: Any) -> Any:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter


class ArrayAgent(mesa.Agent):
    """A Mesa agent whose state is row ``row`` of the store named by ``store_name``."""

    store_name: str = ""
    _ids = IdCounters()

    def __init__(self, model: EcosystemModel, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def store(self) -> Any:
        """The arrays of this agent's type."""
        return getattr(self.model, self.store_name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(unique_id={self.unique_id}, row={self.row})"
