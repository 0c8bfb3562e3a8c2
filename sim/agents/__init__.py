"""Mesa agents (thin views) and the vectorised decision rules of each agent type."""

from sim.agents.civil_society import CivilSocietyOrg
from sim.agents.governments import Government
from sim.agents.labs import Lab
from sim.agents.malicious import MaliciousActor
from sim.agents.startups import Startup

__all__ = ["CivilSocietyOrg", "Government", "Lab", "MaliciousActor", "Startup"]
