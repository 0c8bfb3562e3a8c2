"""Openness and regulation regimes: small classes found through registries.

A regime is selected by name from its config group; the model only calls its hooks, so no
agent ever tests a regime's name. Each class states its rule in its docstring and carries
declarative metadata in ``classifier``.
"""

from sim.regimes.base import OPENNESS, REGULATION, make_openness, make_regulation
from sim.regimes.release import LEVELS, Level

__all__ = ["LEVELS", "OPENNESS", "REGULATION", "Level", "make_openness", "make_regulation"]

# Importing the modules registers their classes.
from sim.regimes import openness as _openness  # noqa: F401
from sim.regimes import regulation as _regulation  # noqa: F401
