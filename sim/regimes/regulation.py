"""Regulation regimes: the instruments governments apply to labs and misuse.

Every hook takes the labs and ``sigma``, the *effective stringency* of the government where
each lab is located (:attr:`sim.state.GovernmentStore.effective` at the lab's jurisdiction),
and returns one value per lab. A lab is *covered* by tiered rules
when its capability exceeds ``compute_threshold`` (log10 FLOP). The instruments shared by
all regimes (merger control, export controls, capacity programmes, enforcement against
misuse, the adaptive rule) are plain parameters read by the mechanisms that use them.

References
----------
.. [1] EU AI Act (Regulation 2024/1689), art. 51-55: systemic-risk threshold of 1e25 FLOP.
.. [2] Shavell, S. (1980). Strict liability versus negligence. J. Legal Studies 9(1).
.. [3] Han, T. A., Pereira, L. M., Lenaerts, T. & Santos, F. C. (2021). Mediating artificial
   intelligence developments through negative and positive incentives. PLOS ONE.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from sim.params import RegulationParams
from sim.regimes.base import register
from sim.state import LabStore
from sim.vocabulary import Level

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

#: a ban or a licence requirement binds where effective stringency reaches this level
BINDING_STRINGENCY = 0.5


class RegulationRegime:
    """Base regime: laissez-faire. No caps, no costs, no liability, no inspections.

    Misuse is still policed by ``enforcement`` (ordinary law enforcement) in every regime.
    """

    name: ClassVar[str] = ""
    classifier: ClassVar[dict[str, bool]] = {
        "disclosure": False, "tiered": False, "licensing": False, "liability": False,
        "weight_ban": False}

    def __init__(self, params: RegulationParams) -> None:
        self.params = params

    def covered(self, labs: LabStore) -> NDArray[np.bool_]:
        """Labs above the compute threshold."""
        return labs.capability > self.params.compute_threshold

    def release_cap(self, labs: LabStore, sigma: F64) -> I64:
        """Highest release level each lab may use."""
        return np.full(labs.n, Level.FULLY_OPEN, dtype=np.int64)

    def capability_cap(self, labs: LabStore, sigma: F64) -> F64:
        """Highest capability each lab may train to (log10 FLOP)."""
        return np.full(labs.n, np.inf)

    def compliance_cost(self, labs: LabStore, sigma: F64) -> F64:
        """Share of each lab's investment spent on compliance (and licences) this quarter."""
        return np.zeros(labs.n)

    def transparency_floor(self, labs: LabStore, sigma: F64) -> F64:
        """Minimum transparency each lab must disclose."""
        return np.zeros(labs.n)

    def inspection(self, labs: LabStore, sigma: F64) -> F64:
        """Chance that each lab, if racing unsafely, is caught this quarter."""
        return np.zeros(labs.n)

    def liability_share(self, labs: LabStore, sigma: F64) -> F64:
        """Share of traced harm each lab pays."""
        return np.zeros(labs.n)


#: regulation regimes by name (the options of the ``regulation`` config group)
REGULATION: dict[str, type[RegulationRegime]] = {}


def make_regulation(params: RegulationParams) -> RegulationRegime:
    """Build the regulation regime named by ``params.name``."""
    return REGULATION[params.name](params)


@register(REGULATION, "laissez_faire")
class LaissezFaire(RegulationRegime):
    """No AI-specific rules."""


@register(REGULATION, "transparency")
class Transparency(RegulationRegime):
    """Disclosure mandates: every lab discloses at least ``sigma * transparency_floor``.

    Compliance takes ``min(1, sigma * compliance_cost)`` of every lab's investment.
    """

    classifier: ClassVar[dict[str, bool]] = {**RegulationRegime.classifier, "disclosure": True}

    def transparency_floor(self, labs: LabStore, sigma: F64) -> F64:
        """Mandated disclosure, scaled by stringency."""
        return np.clip(sigma * self.params.transparency_floor, 0.0, 1.0)

    def compliance_cost(self, labs: LabStore, sigma: F64) -> F64:
        """Reporting cost on every lab."""
        return np.clip(sigma * self.params.compliance_cost, 0.0, 1.0)


@register(REGULATION, "risk_tiered")
class RiskTiered(RegulationRegime):
    """Rules above the compute threshold: pre-release audits and conditional release.

    A covered lab may publish weights only after ``audits_required`` clean audits of its
    current model (an audit is clean when it found nothing unpatched); otherwise it is held
    at API level. Covered labs spend ``min(1, sigma * compliance_cost)`` of their investment
    on compliance, disclose at least ``sigma * transparency_floor``, and an unsafe covered
    lab is caught with probability ``min(1, sigma * inspection)`` each quarter and fined
    ``fine`` of its cash.
    """

    classifier: ClassVar[dict[str, bool]] = {**RegulationRegime.classifier, "tiered": True,
                                             "disclosure": True}

    def release_cap(self, labs: LabStore, sigma: F64) -> I64:
        """Weights only for uncovered labs or covered labs with enough clean audits."""
        audited = labs.clean_audits >= self.params.audits_required
        binding = self.covered(labs) & (sigma > 0) & ~audited
        return np.where(binding, Level.API, Level.FULLY_OPEN).astype(np.int64)

    def compliance_cost(self, labs: LabStore, sigma: F64) -> F64:
        """Cost on covered labs."""
        share = self.covered(labs) * sigma * self.params.compliance_cost
        return np.clip(share, 0.0, 1.0)

    def transparency_floor(self, labs: LabStore, sigma: F64) -> F64:
        """Disclosure on covered labs."""
        floor = sigma * self.params.transparency_floor
        return np.clip(np.where(self.covered(labs), floor, 0.0), 0.0, 1.0)

    def inspection(self, labs: LabStore, sigma: F64) -> F64:
        """Inspections of covered labs."""
        return np.clip(self.covered(labs) * sigma * self.params.inspection, 0, 1)


@register(REGULATION, "licensing")
class Licensing(RegulationRegime):
    """A licence to train above the threshold, granted only to labs racing safely.

    Where ``sigma`` binds (at least 0.5), a lab without a licence cannot train beyond
    ``compute_threshold``; a licence costs ``min(1, sigma * licence_fee)`` of the lab's
    investment and is held
    by labs whose strategy is safe. Where the rule binds, covered labs are inspected with
    probability ``min(1, sigma * inspection)``; an unsafe one caught is fined.
    """

    classifier: ClassVar[dict[str, bool]] = {**RegulationRegime.classifier, "licensing": True}

    def _binding(self, sigma: F64) -> NDArray[np.bool_]:
        return sigma >= BINDING_STRINGENCY

    def capability_cap(self, labs: LabStore, sigma: F64) -> F64:
        """Unlicensed labs stop at the threshold (or where they already are)."""
        unlicensed = self._binding(sigma) & ~labs.safe
        limit = np.maximum(self.params.compute_threshold, labs.capability)
        return np.where(unlicensed, limit, np.inf)

    def compliance_cost(self, labs: LabStore, sigma: F64) -> F64:
        """Licence fees of licensed, covered labs."""
        holds = self._binding(sigma) & labs.safe & self.covered(labs)
        return np.clip(holds * sigma * self.params.licence_fee, 0.0, 1.0)

    def inspection(self, labs: LabStore, sigma: F64) -> F64:
        """Inspections of covered labs where the licence requirement binds."""
        watched = self.covered(labs) & self._binding(sigma)
        return np.clip(watched * sigma * self.params.inspection, 0, 1)


@register(REGULATION, "liability")
class Liability(RegulationRegime):
    """Providers pay ``sigma * liability_share`` of the harm traced to their models.

    Harm from hosted and API models is always traced to the provider; of harm from open
    weights only the expected share ``attribution_open`` is (downloads leave no trail).
    """

    classifier: ClassVar[dict[str, bool]] = {**RegulationRegime.classifier, "liability": True}

    def liability_share(self, labs: LabStore, sigma: F64) -> F64:
        """Share of traced harm each lab pays."""
        return np.clip(sigma * self.params.liability_share, 0.0, 1.0)


@register(REGULATION, "open_weight_restriction")
class OpenWeightRestriction(RegulationRegime):
    """No downloadable weights above the compute threshold where the ban binds."""

    classifier: ClassVar[dict[str, bool]] = {**RegulationRegime.classifier, "weight_ban": True}

    def release_cap(self, labs: LabStore, sigma: F64) -> I64:
        """API at most for covered labs in jurisdictions where the ban binds."""
        banned = self.covered(labs) & (sigma >= BINDING_STRINGENCY)
        return np.where(banned, Level.API, Level.FULLY_OPEN).astype(np.int64)
