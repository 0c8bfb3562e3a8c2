"""Parameters of the model: frozen dataclasses, one per concern, with their valid ranges.

The dataclasses here are the single schema of a scenario. The command line registers them
in Hydra's ConfigStore (so every override is type-checked) and builds them from the
composed config; the Python API builds them directly, with named options read from the same
option files (:meth:`Params.from_options`). Each field carries its valid range, unit, meaning
and source in ``metadata``; :func:`check_schema` checks a whole :class:`Params` and raises
:class:`ConfigError` with a one-line message naming the key, the value and what is allowed
(:func:`sim.validate` adds what depends on the regimes).

Layout: :mod:`~sim.params.base` (errors, field declarations, coercion),
:mod:`~sim.params.world` and :mod:`~sim.params.policy` (the groups),
:mod:`~sim.params.scenario` (:class:`Params`), :mod:`~sim.params.checks` and
:mod:`~sim.params.options` (named options, dotted changes).
"""

from sim.params.base import ConfigError, Section, nearest, p
from sim.params.checks import check_schema
from sim.params.options import config_dir, default_options, option_groups, option_values
from sim.params.policy import (
    MAX_STRINGENCY,
    JurisdictionParams,
    OpennessParams,
    RegulationParams,
    RunParams,
)
from sim.params.scenario import Params, describe, sections
from sim.params.world import (
    CivilSocietyParams,
    DiffusionParams,
    LabParams,
    MaliciousParams,
    MarketParams,
    PopulationParams,
    RaceParams,
    StartupParams,
)

__all__ = [
    "MAX_STRINGENCY",
    "CivilSocietyParams",
    "ConfigError",
    "DiffusionParams",
    "JurisdictionParams",
    "LabParams",
    "MaliciousParams",
    "MarketParams",
    "OpennessParams",
    "Params",
    "PopulationParams",
    "RaceParams",
    "RegulationParams",
    "RunParams",
    "Section",
    "StartupParams",
    "check_schema",
    "config_dir",
    "default_options",
    "describe",
    "nearest",
    "option_groups",
    "option_values",
    "p",
    "sections",
]
