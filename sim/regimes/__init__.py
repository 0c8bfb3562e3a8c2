"""Openness and regulation regimes: small classes found through registries.

A regime is selected by name from its config group; the model only calls its hooks, so no
agent ever tests a regime's name. Each class states its rule in its docstring and carries
declarative metadata in ``classifier``.
"""

from sim.regimes.openness import OPENNESS, Licence, OpennessRegime, make_openness
from sim.regimes.regulation import (
    BINDING_STRINGENCY,
    REGULATION,
    RegulationRegime,
    make_regulation,
)
from sim.vocabulary import LEVELS, Level

__all__ = ["BINDING_STRINGENCY", "LEVELS", "OPENNESS", "REGULATION", "Level", "Licence",
           "OpennessRegime", "RegulationRegime", "make_openness", "make_regulation"]
