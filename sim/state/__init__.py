"""The state of the ecosystem: one store of plain arrays per kind of entity.

Stores hold state only; the rules that change them are in :mod:`sim.rules`, and the Mesa
agents (:mod:`sim.agents`) are thin views on their rows.
"""

from sim.state.civil_society import CivilSocietyStore, Kind
from sim.state.governments import GovernmentStore
from sim.state.labs import COMPUTE_UNIT, LabStore
from sim.state.malicious import MaliciousStore
from sim.state.network import OrgNetwork
from sim.state.startups import StartupStore
from sim.state.users import UserPopulation

__all__ = ["COMPUTE_UNIT", "CivilSocietyStore", "GovernmentStore", "Kind",
           "LabStore", "MaliciousStore", "OrgNetwork", "StartupStore", "UserPopulation"]
