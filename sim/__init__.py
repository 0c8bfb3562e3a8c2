"""aieco: an agent-based simulation of open versus closed AI ecosystems.

The library never imports Hydra or seaborn: it takes plain frozen dataclasses
(:class:`sim.params.Params`) and returns plain results.

>>> from sim import EcosystemModel, Params, run
>>> result = run(Params().replace(population={"n_users": 2000}, run={"steps": 2}), rng=1)
>>> list(result.metrics["step"])
[1, 2]
"""

from sim.model import EcosystemModel
from sim.params import ConfigError, Params
from sim.runner import Results, run

__all__ = ["ConfigError", "EcosystemModel", "Params", "Results", "run"]
__version__ = "0.1.0"
