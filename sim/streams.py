"""Common random numbers: one stream per mechanism, one draw per entity and quarter.

Every random draw of the model is a pure function of the run's key, the quarter, the
mechanism drawing (:class:`Stream`) and the stable identifier of the entity it is drawn for
(a lab's, user's, organisation's or actor's index; an entrant's position among the quarter's
entrants; a pair or slot index). Nothing is drawn from a sequential generator, so adding an
actor, or changing a lever that makes one mechanism draw more or less, leaves every
unrelated draw as it was: two scenarios run with the same seed face the same luck wherever
their states agree, and paired differences between them carry far less noise than
unpaired ones (ODD 4.9).

Draws are counter-based uniforms (:func:`sim.kernels.uniforms_at`: SplitMix64 of the key,
quarter, stream and index); other distributions are their inverse CDFs, so each entity's
value depends on its own uniform only.

References
----------
.. [1] Law, A. M. (2015). Simulation Modeling and Analysis, 5th ed., ch. 11 (common random
   numbers). McGraw-Hill.
.. [2] Salmon, J. K. et al. (2011). Parallel random numbers: as easy as 1, 2, 3. SC'11.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from sim.kernels import uniforms_at

Ids = int | ArrayLike
#: the quarter number construction draws are keyed by (quarters start at 1)
CONSTRUCTION = 0
TINY = 2.0**-54  # uniforms are clipped to [TINY, 1 - TINY] where an inverse CDF needs it


class Stream(IntEnum):
    """Every mechanism that draws, each with its own stream (kernel streams are 1, 2, 7)."""

    # construction of the population (quarter 0)
    USER_NICHE = 101
    USER_JURISDICTION = 102
    USER_ADOPTED = 103
    USER_ALPHA = 104
    USER_BETA_QUALITY = 105
    USER_BETA_OPENNESS = 106
    USER_SWITCH_COST = 107
    USER_CAPACITY = 108
    USER_NETWORK = 109
    LAB_JURISDICTION = 110
    LAB_SAFE = 111
    CIVIL_SOCIETY_KIND = 112
    CIVIL_SOCIETY_NICHE = 113
    ACTOR_JURISDICTION = 114
    ACTOR_NETWORK = 115
    # labs
    NEW_VULNERABILITIES = 201
    RELEASE_CHOICE = 202
    RELEASE_REVISION = 203
    # startups
    ENTRY_REACH = 301
    ENTRY_COUNT = 302
    ENTRANT_JURISDICTION = 303
    ENTRANT_NICHE = 304
    ENTRANT_REACH = 305
    ENTRANT_BASE = 306
    ENTRANT_LINKS = 307
    ACQUISITION = 308
    # civil society and malicious actors
    AUDIT_TARGET = 401
    MISUSE_REACH = 402
    MISUSE_TARGET = 403
    MISUSE_TRY = 404
    MISUSE_SUCCESS = 405
    MISUSE_CAUGHT = 406
    # vulnerabilities and safety
    NDAY_EXPLOITS = 501
    VULNERABILITIES_FOUND = 502
    FOUND_BY_ATTACKERS = 503
    PATCHES = 504
    DISASTER = 505
    INSPECTION = 506
    IMITATION = 507
    NDAY_REPEATS = 508
    PATCHES_OF_EXPLOITED = 509
    # relocation
    LAB_MOVES = 601
    LAB_DESTINATION = 602
    ACTOR_MOVES = 603
    ACTOR_DESTINATION = 604


SMALL_MEAN = 50.0  # below it a Poisson inverse CDF is summed term by term


def poisson_ppf(u: NDArray[np.float64], lam: NDArray[np.float64]) -> NDArray[np.int64]:
    """The smallest ``k`` with ``P(X <= k) >= u`` for ``X ~ Poisson(lam)``, elementwise.

    Small means sum the probabilities term by term (fast for the few labs a quarter
    draws for); larger ones use SciPy's inverse CDF.
    """
    out = np.zeros(u.shape, dtype=np.int64)
    small = (lam > 0) & (lam <= SMALL_MEAN)
    if small.any():
        us, ls = u[small], lam[small]
        k = np.zeros(us.shape, dtype=np.int64)
        term = np.exp(-ls)
        cdf = term.copy()
        more = us > cdf
        while more.any():
            k[more] += 1
            term[more] *= ls[more] / k[more]
            cdf[more] += term[more]
            more &= (us > cdf) & (term > 0)
        out[small] = k
    large = lam > SMALL_MEAN
    if large.any():
        out[large] = stats.poisson.ppf(u[large], lam[large]).astype(np.int64)
    return out


def population_rng(key: int, stream: Stream) -> np.random.Generator:
    """A generator for drawing one attribute of a whole population at construction.

    Its draws come in the population's index order, so the first ``n`` values do not
    depend on how many are drawn: adding users or actors leaves the existing ones as they
    were. (Used where an inverse CDF would be slow for a million users.)
    """
    return np.random.default_rng([int(key), CONSTRUCTION, int(stream)])


def _ids(ids: Ids) -> NDArray[np.int64]:
    """``range(ids)`` for an int, else the given identifiers as int64."""
    if isinstance(ids, int | np.integer):
        return np.arange(int(ids), dtype=np.int64)
    return np.asarray(ids, dtype=np.int64)


class Draws:
    """The random draws of one quarter ``t`` of a run keyed by ``key``.

    Every method takes the :class:`Stream` drawing and the identifiers of the entities drawn
    for (an int ``n`` stands for ``0 .. n-1``), and returns one value per identifier.
    """

    def __init__(self, key: int, t: int) -> None:
        self.key, self.t = int(key), int(t)

    def __repr__(self) -> str:
        return f"Draws(key={self.key}, t={self.t})"

    def uniform(self, stream: Stream, ids: Ids) -> NDArray[np.float64]:
        """Uniforms in [0, 1)."""
        return uniforms_at(self.key, self.t, int(stream), _ids(ids))

    def _open(self, stream: Stream, ids: Ids) -> NDArray[np.float64]:
        return np.clip(self.uniform(stream, ids), TINY, 1.0 - TINY)

    def below(self, stream: Stream, ids: Ids, p: float | NDArray[np.float64]
              ) -> NDArray[np.bool_]:
        """``True`` with probability ``p`` (per identifier, or one ``p`` for all)."""
        return self.uniform(stream, ids) < np.asarray(p, dtype=float)

    def integers(self, stream: Stream, ids: Ids, high: int) -> NDArray[np.int64]:
        """Uniform integers in ``0 .. high-1``."""
        u = self.uniform(stream, ids)
        return np.minimum((u * high).astype(np.int64), high - 1)

    def choice(self, stream: Stream, ids: Ids, p: ArrayLike) -> NDArray[np.int64]:
        """Categories ``0 .. len(p)-1`` drawn with probabilities ``p`` (normalised)."""
        cum = np.cumsum(np.asarray(p, dtype=float))
        u = self.uniform(stream, ids) * cum[-1]
        return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1).astype(np.int64)

    def poisson(self, stream: Stream, ids: Ids, lam: ArrayLike) -> NDArray[np.int64]:
        """Poisson counts with means ``lam`` (inverse CDF)."""
        u = self._open(stream, ids)
        lam = np.broadcast_to(np.asarray(lam, dtype=float), u.shape)
        return poisson_ppf(u, lam)

    def binomial(self, stream: Stream, ids: Ids, n: ArrayLike,
                 p: ArrayLike) -> NDArray[np.int64]:
        """Binomial counts of ``n`` trials with probability ``p`` (inverse CDF)."""
        u = self._open(stream, ids)
        n = np.broadcast_to(np.asarray(n, dtype=np.int64), u.shape)
        p = np.broadcast_to(np.clip(np.asarray(p, dtype=float), 0.0, 1.0), u.shape)
        out = np.where(p >= 1.0, n, 0).astype(np.int64)
        todo = (n > 0) & (p > 0) & (p < 1.0)
        if todo.any():
            out[todo] = stats.binom.ppf(u[todo], n[todo], p[todo]).astype(np.int64)
        return out

    def normal(self, stream: Stream, ids: Ids) -> NDArray[np.float64]:
        """Standard normal values (inverse CDF)."""
        return special.ndtri(self._open(stream, ids))

    def exponential(self, stream: Stream, ids: Ids) -> NDArray[np.float64]:
        """Standard exponential values (inverse CDF)."""
        return -np.log1p(-self.uniform(stream, ids))

    def beta(self, stream: Stream, ids: Ids, a: float, b: float) -> NDArray[np.float64]:
        """Beta(a, b) values (inverse CDF)."""
        return special.betaincinv(a, b, self._open(stream, ids))

    def lowest(self, stream: Stream, ids: Ids, k: int) -> NDArray[np.bool_]:
        """Marks the ``k`` identifiers with the lowest uniforms: ``k`` exactly, at random."""
        u = self.uniform(stream, ids)
        out = np.zeros(u.shape[0], dtype=bool)
        out[np.argsort(u, kind="stable")[:k]] = True
        return out
