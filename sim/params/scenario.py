"""A whole scenario: :class:`Params`, one frozen dataclass per config group.

Three ways to build one, all giving the same values as the command line:

* ``Params()``: the schema's defaults (what ``aieco run`` composes with no overrides);
* ``Params.from_options(openness="staged", regulation="risk_tiered", overrides={...})``:
  named options read from the option files that ship in the package, then dotted
  overrides; exactly what ``aieco run openness=staged regulation=risk_tiered ...`` composes;
* ``params.replace(run={"steps": 20}, **{"market.beta_quality": 2.0})``: single values,
  as groups of keys or as dotted keys. Changing a group's ``name`` this way is refused
  unless the values are that option's, so a label never names values that did not run.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.params.policy import JurisdictionParams, OpennessParams, RegulationParams, RunParams
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


@dataclass(frozen=True)
class Params:
    """A whole scenario: one dataclass per config group.

    Immutable and hashable; build variants with :meth:`replace`, :meth:`with_options` or
    :meth:`from_options`.

    Examples
    --------
    >>> params = Params.from_options(regulation="risk_tiered", overrides={"run.steps": 8})
    >>> params.regulation.audits_required, params.run.steps
    (2, 8)
    """

    population: PopulationParams = field(default_factory=PopulationParams)
    market: MarketParams = field(default_factory=MarketParams)
    diffusion: DiffusionParams = field(default_factory=DiffusionParams)
    labs: LabParams = field(default_factory=LabParams)
    race: RaceParams = field(default_factory=RaceParams)
    startups: StartupParams = field(default_factory=StartupParams)
    civil_society: CivilSocietyParams = field(default_factory=CivilSocietyParams)
    malicious: MaliciousParams = field(default_factory=MaliciousParams)
    openness: OpennessParams = field(default_factory=OpennessParams)
    regulation: RegulationParams = field(default_factory=RegulationParams)
    jurisdictions: JurisdictionParams = field(default_factory=JurisdictionParams)
    run: RunParams = field(default_factory=RunParams)

    def replace(self, **changes: Any) -> Params:
        """A copy with values changed: ``group={"key": value}`` or ``**{"group.key": value}``.

        Raises
        ------
        ConfigError
            For an unknown group or key (naming the nearest valid ones), and for a change
            of a group's ``name`` to a named option whose values the result does not hold
            (use :meth:`with_options` for that).
        """
        from sim.params.options import apply_changes

        return apply_changes(self, changes)

    def with_options(self, overrides: Mapping[str, Any] | None = None,
                     **options: str) -> Params:
        """A copy with whole groups set to named options, then ``overrides`` applied.

        Groups not named keep their current values. The result is checked against the
        schema (:func:`sim.validate` also checks what depends on the regimes).

        Parameters
        ----------
        overrides : mapping, optional
            Dotted keys (``{"market.beta_quality": 2.0}``) or groups of keys.
        **options : str
            ``group=option``, e.g. ``regulation="risk_tiered"``.
        """
        from sim.params.options import with_options

        return with_options(self, options, overrides or {})

    @classmethod
    def from_options(cls, overrides: Mapping[str, Any] | None = None,
                     **options: str) -> Params:
        """The scenario ``aieco run group=option ... key=value ...`` composes.

        Every group takes its named option, or the default option of ``configs/config.yaml``;
        then ``overrides`` apply. The result is checked against the schema.

        Examples
        --------
        >>> p = Params.from_options(openness="staged", population="small",
        ...                         overrides={"market.beta_quality": 2.5})
        >>> p.openness.probation, p.population.n_users, p.market.beta_quality
        (4, 20000, 2.5)
        """
        from sim.params.options import default_options, with_options

        chosen = {**default_options(), **options}
        return with_options(cls(), chosen, overrides or {})


@functools.cache
def _sections() -> tuple[tuple[str, type], ...]:
    return tuple((f.name, type(getattr(Params(), f.name))) for f in dataclasses.fields(Params))


def sections() -> dict[str, type]:
    """The dataclass of every config group of :class:`Params`, by group name."""
    return dict(_sections())


def describe() -> list[dict[str, Any]]:
    """Every parameter as a record (key, default, range, unit, meaning, source)."""
    rows = []
    for name, cls in sections().items():
        for f in dataclasses.fields(cls):
            m = f.metadata
            default = getattr(cls(), f.name)
            rows.append({"key": f"{name}.{f.name}", "type": str(f.type), "default": default,
                         "lo": m.get("lo"), "hi": m.get("hi"), "unit": m.get("unit", ""),
                         "doc": m.get("doc", ""), "choices": m.get("choices"),
                         "source": m.get("source", "")})
    return rows
