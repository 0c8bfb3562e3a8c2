"""Mesa agents as thin views on the stores' rows.

Decision rules are written once per agent type and applied to all agents of that type at
once (synchronous update, ODD 3.2), which keeps Python work per agent-step near a
microsecond. A Mesa agent holds only its row in its type's store; reading an attribute
reads the array, so the agent always shows the current state and the arrays stay the
single source of truth. ``model.agents_by_type[Lab]`` and the other Mesa tools work as
usual.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

import mesa
import numpy as np

__all__ = ["ArrayAgent", "CivilSocietyOrganisation", "Column", "Government", "Lab",
           "MaliciousActor", "Startup"]


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
    """A Mesa agent whose state is row ``row`` of the model's store ``store_name``."""

    store_name: str = ""
    _ids = IdCounters()

    def __init__(self, model: mesa.Model, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def store(self) -> Any:
        """The arrays of this agent's type."""
        return getattr(self.model, self.store_name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(unique_id={self.unique_id}, row={self.row})"


class Lab(ArrayAgent):
    """A frontier lab (a view on one row of :class:`sim.state.LabStore`)."""

    store_name = "labs"
    capability = Column("log10 FLOP of the lab's current model")
    cash = Column("cash, mu")
    price = Column("price per user-quarter")
    release_level = Column("release level (0 internal ... 4 fully open)")
    safe = Column("races safely")
    jurisdiction = Column("jurisdiction index")
    transparency = Column("disclosed transparency in [0, 1]")
    users = Column("users holding this lab's product")


class Startup(ArrayAgent):
    """A startup (a view on one row of :class:`sim.state.StartupStore`)."""

    store_name = "startups"
    niche = Column("niche served")
    base = Column("index of the lab whose model it builds on")
    build_mode = Column("1 API, 2 open weights")
    cash = Column("cash, mu")
    price = Column("price per user-quarter")
    users = Column("users served")
    quality = Column("niche quality, log10 FLOP-equivalent")


class Government(ArrayAgent):
    """A government (a view on one row of :class:`sim.state.GovernmentStore`)."""

    store_name = "governments"
    stringency = Column("own stringency multiplier")
    effective = Column("stringency after harmonisation")


class CivilSocietyOrganisation(ArrayAgent):
    """A civil-society organisation (a view on a row of :class:`sim.state.CivilSocietyStore`)."""

    store_name = "civil_society"
    kind = Column("0 auditor, 1 watchdog, 2 researcher")
    niche = Column("niche of its capacity programme")
    target = Column("lab audited this quarter, -1 if none")


class MaliciousActor(ArrayAgent):
    """A malicious actor (a view on one row of :class:`sim.state.MaliciousStore`)."""

    store_name = "malicious"
    jurisdiction = Column("jurisdiction index")
    knows_technique = Column("knows a misuse technique")
    target = Column("lab whose model it used this quarter, -1 if none")
