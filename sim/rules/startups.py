"""Startups: entry and base-model choice, quality, orphans and exits (ODD 7.8).

* **Entry.** ``Poisson(entry_rate * (1 + open_entry_boost * w) * g)`` entrants per
  quarter, ``w`` = 1 when some weights reach some jurisdiction, up to ``max_startups``
  alive. ``g = 2 / (1 + exp(-entry_sensitivity (m - f) / f))`` follows the prospects of
  entry (free entry): ``m`` is the mean margin last quarter (revenue less fees upstream and
  serving costs) of the startups that entered in the last eight quarters and ``f`` their
  fixed cost, so entry slows as niches crowd and margins fall below running costs (``g`` =
  1 with no live startups). An entrant takes a random jurisdiction and niche.
* **Base model.** Over every (lab, mode) it may use, mode API (level >= 2, a fee of
  ``api_fee_share`` of its price) or weights (level >= 3, licence permitting, export
  controls permitting, a one-off adaptation cost ``adaptation_cost (1 + w (1 - k_g))`` that
  rises as the mean capacity ``k_g`` of the entrant's jurisdiction falls, with
  ``w = capacity_adaptation``: adapting weights takes skills and compute), a logit with
  sharpness
  ``base_choice_beta`` over ``c_b + bonus_m - c_max + log(1 - fee_m) - adaptation_m``.
* **Quality** in its niche: ``c_b + bonus_m + skill``, with ``c_b`` the base lab's current
  capability through an API, or the best weights it released for a builder on weights
  (bonus: ``fine_tune_bonus`` for weights,
  ``api_bonus`` for API); skill grows by spill-over from better-placed neighbours.
* **Losing the base.** A startup on an API whose lab stops offering one must exit.
* **Exit.** After its running cost, a startup with negative cash exits (its users choose
  again).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from sim.ledger import Ledger
from sim.params import MarketParams, PopulationParams, StartupParams
from sim.regimes import Licence
from sim.state import LabStore, StartupStore
from sim.streams import Draws, Stream
from sim.vocabulary import BUILD_MODE, BuildMode, logit_draw

#: whether each lab's weights reach each chooser: (jurisdictions, chooser ids, stream) -> (k, L)
Reach = Callable[[NDArray[np.int64], NDArray[np.int64], Stream], NDArray[np.bool_]]
MAX_FEE = 0.99  # fee shares used in log(1 - fee): keeps the score finite
RECENT = 8  # quarters: entrants judge their prospects by startups this young


def adaptation_cost(sp: StartupParams, capacity: NDArray[np.float64]) -> NDArray[np.float64]:
    """Cost of adapting weights where the mean user capacity is ``capacity`` (mu)."""
    return sp.adaptation_cost * (1.0 + sp.capacity_adaptation * (1.0 - capacity))


def prospects(st: StartupStore, sp: StartupParams, mkt: MarketParams, n_users: int,
              t: int, sponsorship: float = 0.0) -> float:
    """The entry multiplier ``g`` from recent entrants' mean margin last quarter.

    Recent entrants are the live startups born in the last ``RECENT`` quarters (all live
    startups if none is that young): what an entrant can expect, not what incumbents earn.
    A margin is revenue less fees upstream, what builders on weights pay contributors
    (``sponsorship`` of revenue) and serving costs.
    """
    live = st.live()
    if live.size == 0 or sp.fixed_cost <= 0:
        return 1.0
    young = live[st.born[live] >= t - RECENT]
    rows = young if young.size else live
    per_user = mkt.market_size / max(1, n_users)
    sponsored = np.where(st.build_mode[rows] == BuildMode.WEIGHTS, sponsorship, 0.0)
    margin = (st.revenue[rows] * (1.0 - st.fee_share[rows] - sponsored)
              - st.users[rows] * per_user * mkt.marginal_cost)
    x = sp.entry_sensitivity * (float(margin.mean()) - sp.fixed_cost) / sp.fixed_cost
    return 2.0 / (1.0 + float(np.exp(-np.clip(x, -700.0, 700.0))))


def build_options(labs: LabStore, sp: StartupParams, licence: Licence,
                  jurisdiction: NDArray[np.int64], niche: NDArray[np.int64],
                  reach: Reach, adapt: NDArray[np.float64]) -> tuple[NDArray, NDArray, NDArray]:
    """Score of every (entrant, lab, mode) option; -inf where not allowed.

    Entrant ``i`` is the ``i``-th entrant of the quarter; ``adapt`` its cost of adapting
    weights. Returns ``(score_api, score_weights, fee_weights)``, each of shape
    (entrants, labs).
    """
    front = labs.capability.max()
    can_api = (BUILD_MODE[labs.release_level] >= BuildMode.API)[None, :]
    can_w = (BUILD_MODE[labs.release_level] >= BuildMode.WEIGHTS)[None, :]
    if licence.restricted_niches:
        can_w = can_w & (niche % licence.restricted_niches != 0)[:, None]
    can_w = can_w & reach(jurisdiction, np.arange(jurisdiction.shape[0]), Stream.ENTRANT_REACH)
    rel = (labs.capability - front)[None, :]
    keep_api = np.log1p(-min(sp.api_fee_share, MAX_FEE))  # as in the price: fees below 99%
    score_api = np.where(can_api, rel + sp.api_bonus + keep_api, -np.inf)
    fee_w = licence.commercial_fee
    score_w = np.where(can_w, rel + sp.fine_tune_bonus + np.log1p(-min(fee_w, MAX_FEE))
                       - adapt[:, None], -np.inf)
    shape = (jurisdiction.shape[0], labs.n)
    return np.broadcast_to(score_api, shape), np.broadcast_to(score_w, shape), np.full(shape, fee_w)


def enter(st: StartupStore, labs: LabStore, sp: StartupParams, pop: PopulationParams,
          licence: Licence, t: int, *, k: int | None, reach: Reach,
          market_share: tuple[float, ...], capacity: NDArray[np.float64],
          compute_per_mu: float, ledger: Ledger, draws: Draws,
          outlook: float = 1.0) -> NDArray[np.int64]:
    """Create this quarter's entrants (``k`` of them, or a Poisson number); return their rows.

    Entrants are keyed by their place in the quarter's entry (0, 1, ...): the ``i``-th
    entrant draws its jurisdiction, niche and base model from its own uniforms.
    ``capacity`` is the mean user capacity of each jurisdiction; ``outlook`` the entry
    multiplier ``g`` (:func:`prospects`).
    """
    none = np.zeros(0, dtype=np.int64)
    if labs.n == 0:
        return none
    if k is None:
        n_jur = len(market_share)
        w = float(reach(np.arange(n_jur), np.arange(n_jur), Stream.ENTRY_REACH).any())
        mean = sp.entry_rate * (1.0 + sp.open_entry_boost * w) * outlook
        k = int(draws.poisson(Stream.ENTRY_COUNT, 1, mean)[0])
    k = min(k, pop.max_startups - st.n_alive)
    if k <= 0:
        return none
    jur = draws.choice(Stream.ENTRANT_JURISDICTION, k, market_share)
    niche = draws.integers(Stream.ENTRANT_NICHE, k, pop.n_niches)
    adapt = adaptation_cost(sp, capacity[jur])
    s_api, s_w, fee_w = build_options(labs, sp, licence, jur, niche, reach, adapt)
    score = np.concatenate([s_api, s_w], axis=1)
    util = np.full(score.shape, -np.inf)  # options not allowed stay -inf, even if beta is 0
    np.multiply(sp.base_choice_beta, score, out=util, where=np.isfinite(score))
    ok = np.isfinite(util).any(axis=1)
    if not ok.any():
        return none
    entrant = np.flatnonzero(ok)
    jur, niche, util, fee_w, adapt = jur[ok], niche[ok], util[ok], fee_w[ok], adapt[ok]
    pick = logit_draw(np.where(np.isfinite(util), util, -1e300),
                      draws.uniform(Stream.ENTRANT_BASE, entrant))
    mode = np.where(pick >= labs.n, BuildMode.WEIGHTS, BuildMode.API)
    weights = mode == BuildMode.WEIGHTS
    base = pick % labs.n
    rows = st.add(pick.shape[0])
    st.alive[rows] = True
    st.niche[rows], st.jurisdiction[rows], st.base[rows] = niche, jur, base
    st.build_mode[rows] = mode
    st.skill[rows] = 0.0
    st.fee_share[rows] = np.where(weights, fee_w[np.arange(len(rows)), base], sp.api_fee_share)
    cost = adapt * weights
    st.cash[rows] = sp.initial_cash - cost
    ledger.book("entrant_capital", np.full(len(rows), sp.initial_cash))
    ledger.book("adaptation", -cost)
    st.compute[rows] = cost * compute_per_mu
    st.born[rows] = t
    st.users[rows], st.share[rows], st.revenue[rows] = 0, 0.0, 0.0
    return rows


def leave(st: StartupStore, rows: NDArray[np.int64], acquirer: int | None,
          ledger: Ledger) -> None:
    """Take startups off the market; their users go to ``acquirer`` or choose again.

    The cash (or debt) they hold leaves the ecosystem with them.
    """
    for row in rows:
        ledger.book("exits", -st.cash[row])
        st.alive[row] = False
        st.redirect[row] = -1 if acquirer is None else acquirer


def orphans(st: StartupStore, labs: LabStore) -> NDArray[np.int64]:
    """Rows of API startups whose lab no longer offers an API."""
    live = st.live()
    if live.size == 0:
        return live
    base_mode = BUILD_MODE[labs.release_level[st.base[live]]]
    return live[(st.build_mode[live] == BuildMode.API) & (base_mode < BuildMode.API)]


def update_quality(st: StartupStore, labs: LabStore, sp: StartupParams,
                   spill: NDArray[np.float64]) -> NDArray[np.int64]:
    """Skill from spill-over, then quality in the niche; returns the live rows.

    ``spill`` is the spill-over each live startup absorbs, already scaled by
    ``diffusion.startup_spillover``.
    """
    live = st.live()
    if live.size == 0:
        return live
    st.skill[live] += spill
    weights = st.build_mode[live] == BuildMode.WEIGHTS
    bonus = np.where(weights, sp.fine_tune_bonus, sp.api_bonus)
    # a builder on weights has the best weights its lab released, not a later closed model
    released = labs.open_capability[st.base[live]]
    base = np.where(weights & np.isfinite(released), released, labs.capability[st.base[live]])
    st.quality[live] = base + bonus + st.skill[live]
    return live


def pay_running_costs(st: StartupStore, sp: StartupParams, depreciation: float,
                      ledger: Ledger) -> NDArray[np.int64]:
    """Fixed costs and compute depreciation of live startups; returns the rows out of cash."""
    live = st.live()
    if live.size == 0:
        return live
    st.cash[live] -= sp.fixed_cost
    ledger.book("fixed_costs", np.full(live.size, -sp.fixed_cost))
    st.compute[live] *= 1.0 - depreciation
    return live[st.cash[live] < 0.0]
