"""Openness regimes: the release level each lab wants, step by step.

A regime returns the *desired* release level of every lab; regulation then caps it
(:meth:`sim.regimes.regulation.RegulationRegime.release_cap`) and the lab releases the
smaller of the two, but never less than the regime's legal floor
(:meth:`OpennessRegime.floor_levels`, non-zero only for a mandate). Licences are a
property of the regime's parameters and act through :class:`Licence`: who may build on
released weights, what commercial users pay, and how visible contributions are.

References
----------
.. [1] Solaiman, I. (2023). The gradient of generative AI release. FAccT '23.
.. [2] Lerner, J. & Tirole, J. (2002). Some simple economics of open source. Journal of
   Industrial Economics 50(2), 197-234.
.. [3] Mladenovic, A., Gidel, G. & Courville, A. (2026). On the strategic release of
   open models (trailing labs open).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from sim.params import OpennessParams
from sim.regimes.base import register
from sim.state import LabStore
from sim.streams import Draws, Stream
from sim.vocabulary import Level

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Licence:
    """What a licence on released weights does.

    Attributes
    ----------
    commercial_fee : float
        Share of a commercial builder's revenue owed to the licensor.
    visibility : float
        Visibility of a contribution (Lerner & Tirole's signalling incentive), relative
        to a permissive licence.
    restricted_niches : int
        Every ``restricted_niches``-th niche may not build on the weights (0: none).
    copyleft : bool
        Derivatives must be shared back: builders' know-how flows back to the licensor.
    sponsored : bool
        Builders may pay the model's contributors without a fee being owed
        (``openness.sponsorship_share`` of their revenue); a licence that charges a fee
        pays contributors ``contributor_share`` of the fee instead.
    """

    commercial_fee: float = 0.0
    visibility: float = 1.0
    restricted_niches: int = 0
    copyleft: bool = False
    sponsored: bool = True


def licence_for(params: OpennessParams) -> Licence:
    """The :class:`Licence` the regime's ``licence`` parameter names."""
    return {
        "proprietary": Licence(visibility=0.0, sponsored=False),
        "permissive": Licence(),
        "copyleft": Licence(visibility=1.2, copyleft=True),
        "noncommercial": Licence(commercial_fee=params.commercial_fee, visibility=0.8,
                                 sponsored=False),
        "use_restricted": Licence(visibility=0.7, restricted_niches=5),
    }[params.licence]


class OpennessRegime:
    """Base regime: every lab always wants ``params.release_level``.

    ``levels`` and ``licences`` list the parameter values that make sense for the regime;
    :func:`sim.params.validate` refuses others (``closed`` with weights, say).
    """

    name: ClassVar[str] = ""
    classifier: ClassVar[dict[str, object]] = {
        "fixed_level": True, "conditional": False, "mandatory": False, "strategic": False}
    levels: ClassVar[tuple[int, ...]] = tuple(Level)
    licences: ClassVar[tuple[str, ...]] = ("permissive", "copyleft",
                                           "noncommercial", "use_restricted")

    def __init__(self, params: OpennessParams) -> None:
        self.params = params
        self.licence = licence_for(params)

    def initial_levels(self, n_labs: int) -> IntArray:
        """Release levels at t=0."""
        return np.full(n_labs, self.params.release_level, dtype=np.int64)

    def desired_levels(self, labs: LabStore, liability: NDArray[np.float64],
                       draws: Draws) -> IntArray:
        """The level each lab wants this step, before regulation caps it.

        ``liability`` is the liability (mu per quarter) each lab expects at each level,
        shape (labs, 5); ``draws`` are the quarter's draws, for regimes whose choice is
        random.
        """
        return np.full(labs.n, self.params.release_level, dtype=np.int64)

    def floor_levels(self, n_labs: int) -> IntArray:
        """A legal minimum level that overrides regulatory caps (none by default)."""
        return np.zeros(n_labs, dtype=np.int64)


#: openness regimes by name (the options of the ``openness`` config group)
OPENNESS: dict[str, type[OpennessRegime]] = {}


def make_openness(params: OpennessParams) -> OpennessRegime:
    """Build the openness regime named by ``params.name``."""
    return OPENNESS[params.name](params)


@register(OPENNESS, "closed")
class Closed(OpennessRegime):
    """Labs offer hosted products only (or keep models internal): no API, no weights."""

    levels = (Level.INTERNAL, Level.HOSTED)
    licences = ("proprietary",)


@register(OPENNESS, "api_only")
class ApiOnly(OpennessRegime):
    """Labs sell API access; builders pay a per-use fee upstream."""

    levels = (Level.API,)
    licences = ("proprietary",)


@register(OPENNESS, "open_weights")
class OpenWeights(OpennessRegime):
    """Labs publish downloadable weights under the configured licence."""

    levels = (Level.WEIGHTS,)


@register(OPENNESS, "fully_open")
class FullyOpen(OpennessRegime):
    """Labs publish weights, training data and code."""

    levels = (Level.FULLY_OPEN,)


@register(OPENNESS, "dual_license")
class DualLicense(OpennessRegime):
    """Weights free for non-commercial use; commercial builders pay a share of revenue.

    A share ``contributor_share`` of the fees reaches contributors (see
    :func:`licence_for`, licence ``noncommercial``).
    """

    levels = (Level.WEIGHTS, Level.FULLY_OPEN)
    licences = ("noncommercial",)


@register(OPENNESS, "mandated_open")
class MandatedOpen(OpennessRegime):
    """Openness as an end: every lab must release at ``release_level``, unconditionally.

    The mandate is a legal floor: it overrides conditional gates of regulation (pre-release
    audits, weight bans), and it never depends on observed outcomes, unlike
    :class:`Staged`. Where regulation caps nothing it behaves like :class:`OpenWeights`.
    """

    classifier: ClassVar[dict[str, object]] = {**OpennessRegime.classifier, "mandatory": True}
    levels = (Level.WEIGHTS, Level.FULLY_OPEN)

    def floor_levels(self, n_labs: int) -> IntArray:
        """Every lab at ``release_level`` at least."""
        return np.full(n_labs, self.params.release_level, dtype=np.int64)


@register(OPENNESS, "staged")
class Staged(OpennessRegime):
    """Conditional release: API first, weights after ``probation`` clean quarters.

    A quarter is clean when none of the lab's vulnerabilities was exploited and it had no
    disaster; any incident restarts the probation.
    """

    classifier: ClassVar[dict[str, object]] = {**OpennessRegime.classifier,
                                               "conditional": True}
    levels = (Level.WEIGHTS, Level.FULLY_OPEN)

    def initial_levels(self, n_labs: int) -> IntArray:
        """Every lab starts behind an API."""
        return np.full(n_labs, min(self.params.release_level, Level.API), dtype=np.int64)

    def desired_levels(self, labs: LabStore, liability: NDArray[np.float64],
                       draws: Draws) -> IntArray:
        """API until the probation is clean, then ``release_level``."""
        ready = labs.clean_quarters >= self.params.probation
        return np.where(ready, self.params.release_level,
                        min(self.params.release_level, Level.API)).astype(np.int64)


@register(OPENNESS, "endogenous")
class Endogenous(OpennessRegime):
    """Each lab chooses hosted, API or weights for profit and position.

    The value of level ``l`` to lab ``i``, in units of the labs' mean revenue ``Rbar`` last
    quarter, weighs revenue kept against community contributions and the catch-up it hands
    rivals:

    ``V_il = (R_i (k_l + b a_l) + Rbar (C min(g_i, g_max) - G lead_i) w_l - L_l) / Rbar``

    with ``R_i`` last quarter's revenue, ``k_l`` the revenue kept (``1 - cannibalisation``
    for weights), ``a_l`` 1 for the API (builders' fees and lock-in) and 0 otherwise,
    ``w_l`` 1 for weights and 0 otherwise, ``g_i`` the lab's gap to the frontier in OOM
    (trailing labs gain most from a community), ``lead_i`` its lead over the next lab,
    ``C = community_value``, ``G = rival_catch_up_cost`` (both in mean revenues per OOM),
    ``b = api_bonus``, ``g_max = gap_cap`` and ``L_l`` the liability a lab expects at level ``l``
    (:func:`sim.rules.accounts.expected_liability`). Measuring values in
    mean revenues keeps the trade-off, and the sharpness ``choice_beta``, the same as the
    market grows. A lab reconsiders with probability ``revision_prob`` a quarter (a product
    cycle) and then draws its level from the logit ``exp(beta V_il)``; otherwise it keeps
    its level. Leaders stay closed and trailers open, as in Mladenovic, Gidel & Courville
    (2026).
    """

    classifier: ClassVar[dict[str, object]] = {**OpennessRegime.classifier,
                                               "fixed_level": False, "strategic": True}
    CHOICES = np.array([Level.HOSTED, Level.API, Level.WEIGHTS], dtype=np.int64)
    levels = (Level.HOSTED, Level.API, Level.WEIGHTS)  # release_level: the level at t=0

    def desired_levels(self, labs: LabStore, liability: NDArray[np.float64],
                       draws: Draws) -> IntArray:
        """Draw each lab's level from the release logit."""
        prm = self.params
        n = labs.n
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        cap = labs.capability
        order = np.sort(cap)[::-1]
        second = order[1] if n > 1 else order[0]
        lead = np.where(cap >= order[0], cap - second, 0.0)
        gap = order[0] - cap
        weights = (self.CHOICES >= Level.WEIGHTS).astype(float)
        kept = np.where(weights > 0, 1.0 - prm.cannibalisation, 1.0)
        api = (self.CHOICES == Level.API).astype(float)
        mean_revenue = float(labs.revenue.mean())
        has_sales = mean_revenue > 0
        scale = mean_revenue if has_sales else 1.0  # no sales yet: values in mu
        rev = labs.revenue[:, None] / scale
        expected = liability[:, self.CHOICES] / scale
        position = (prm.community_value * np.minimum(gap, prm.gap_cap)
                    - prm.rival_catch_up_cost * lead)
        value = (rev * (kept + prm.api_bonus * api)[None, :]
                 + float(has_sales) * position[:, None] * weights[None, :]
                 - expected)
        logits = prm.choice_beta * (value - value.max(axis=1, keepdims=True))
        prob = np.exp(logits)
        prob /= prob.sum(axis=1, keepdims=True)
        u = draws.uniform(Stream.RELEASE_CHOICE, n)
        pick = (prob.cumsum(axis=1) < u[:, None]).sum(axis=1)
        drawn = self.CHOICES[np.minimum(pick, len(self.CHOICES) - 1)]
        revise = draws.below(Stream.RELEASE_REVISION, n, prm.revision_prob)
        return np.where(revise, drawn, labs.release_level)
