"""Startups: entry, base-model choice, niche competition, fees upstream, exit, acquisition.

Rules (parameters in :class:`sim.params.StartupParams`):

* **Entry.** ``Poisson(entry_rate * (1 + open_entry_boost * w))`` entrants per quarter,
  ``w`` = 1 when some weights are available to build on, up to ``max_startups`` alive. An
  entrant takes a random niche and jurisdiction and links to its base lab and to
  ``org_degree`` random organisations.
* **Base model.** Over every (lab, mode) it may use, mode API (level >= 2, a fee of
  ``api_fee_share`` of its price) or weights (level >= 3, licence permitting, export
  controls permitting, one-off ``adaptation_cost``), a logit with sharpness
  ``base_choice_beta`` over ``c_b + bonus_m - c_max + log(1 - fee_m) - adaptation_m``.
* **Quality** in its niche: ``c_b + bonus_m + skill`` (bonus: ``fine_tune_bonus`` for weights,
  ``api_bonus`` for API); skill grows by spill-over from better-placed neighbours.
* **Price.** Logit markup over marginal cost, grossed up for the fee share.
* **Accounting.** Revenue ``p * users / N * market_size``; pays fee share upstream, its
  marginal and fixed costs; exits when cash is negative (its users must choose again).
* **Acquisition.** A lab holding more than ``acquisition_cash`` tries, with probability
  ``acquisition_prob``, to buy the largest startup built on it, for four quarters of that
  startup's revenue plus 1 mu (paid to founders outside the model); merger control blocks
  buyers whose ecosystem (own users plus users of startups built on them) exceeds
  ``merger_threshold`` of users holding a provider. The buyer takes over the users.
* **Losing the base.** A startup on an API whose lab stops offering one must exit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from numpy.typing import NDArray

from sim.agents.base import ArrayAgent, Column
from sim.agents.governments import draw_jurisdictions
from sim.agents.labs import flop_per_mu, logit_draw, markup
from sim.regimes.release import BUILD_MODE

if TYPE_CHECKING:
    from sim.model import EcosystemModel
    from sim.params import Params

API, WEIGHTS = 1, 2


class StartupStore:
    """Arrays of startups, one row per startup ever created (rows are never reused)."""

    FIELDS: ClassVar[dict[str, type]] = {
        "alive": bool, "niche": np.int64, "base": np.int64, "mode": np.int64,
        "jurisdiction": np.int64, "skill": float, "cash": float, "price": float,
        "users": np.int64, "share": float, "revenue": float, "compute": float,
        "fee_share": float, "quality": float, "born": np.int64,
        "redirect": np.int64, "agent_id": np.int64}

    alive: NDArray[np.bool_]
    niche: NDArray[np.int64]
    base: NDArray[np.int64]  # lab whose model it builds on
    mode: NDArray[np.int64]  # API or WEIGHTS
    jurisdiction: NDArray[np.int64]
    skill: NDArray[np.float64]  # know-how from spill-over, log10 FLOP-equivalent
    cash: NDArray[np.float64]
    price: NDArray[np.float64]
    users: NDArray[np.int64]
    share: NDArray[np.float64]  # share of users holding a provider
    revenue: NDArray[np.float64]
    compute: NDArray[np.float64]  # 1e24 FLOP
    fee_share: NDArray[np.float64]  # share of revenue owed upstream
    quality: NDArray[np.float64]
    born: NDArray[np.int64]
    redirect: NDArray[np.int64]  # where its users go after it leaves: acquirer or -1
    agent_id: NDArray[np.int64]  # unique_id of its Mesa view

    def __init__(self, params: Params) -> None:
        self.capacity = 0
        self.size = 0  # rows used
        for name, dtype in self.FIELDS.items():
            setattr(self, name, np.zeros(0, dtype=dtype))
        self._grow(max(16, params.population.n_startups))

    def _grow(self, need: int) -> None:
        if need <= self.capacity:
            return
        cap = max(need, 2 * self.capacity)
        for name, dtype in self.FIELDS.items():
            old = getattr(self, name)
            new: NDArray = np.zeros(cap, dtype=dtype)
            new[: old.shape[0]] = old
            setattr(self, name, new)
        self.capacity = cap

    def add(self, k: int) -> NDArray[np.int64]:
        """Reserve ``k`` new rows and return their indices."""
        self._grow(self.size + k)
        rows = np.arange(self.size, self.size + k)
        self.size += k
        return rows

    @property
    def n_alive(self) -> int:
        """Number of live startups."""
        return int(self.alive[: self.size].sum())

    def live(self) -> NDArray[np.int64]:
        """Rows of live startups."""
        return np.flatnonzero(self.alive[: self.size])


class Startup(ArrayAgent):
    """A startup (a view on one row of :class:`StartupStore`)."""

    store_name = "startups"
    niche = Column("niche served")
    base = Column("index of the lab whose model it builds on")
    mode = Column("1 API, 2 open weights")
    cash = Column("cash, mu")
    price = Column("price per user-quarter")
    users = Column("users served")
    quality = Column("niche quality, log10 FLOP-equivalent")


def build_options(model: EcosystemModel, jurisdiction: NDArray[np.int64],
                  niche: NDArray[np.int64]) -> tuple[NDArray, NDArray, NDArray]:
    """Score of every (entrant, lab, mode) option; -inf where not allowed.

    Returns ``(score_api, score_weights, fee_weights)``, each of shape (entrants, labs).
    """
    labs, sp = model.labs, model.params.startups
    lic = model.openness.licence
    front = labs.capability.max()
    can_api = (BUILD_MODE[labs.level] >= 1)[None, :]
    can_w = (BUILD_MODE[labs.level] >= 2)[None, :]
    if lic.restricted_niches:
        can_w = can_w & (niche % lic.restricted_niches != 0)[:, None]
    can_w = can_w & model.weights_reach(jurisdiction)
    rel = (labs.capability - front)[None, :]
    keep_api = np.log1p(-min(sp.api_fee_share, 0.99))  # as in the price: fees below 99%
    score_api = np.where(can_api, rel + sp.api_bonus + keep_api, -np.inf)
    fee_w = lic.commercial_fee
    score_w = np.where(can_w, rel + sp.fine_tune_bonus + np.log1p(-min(fee_w, 0.99))
                       - sp.adaptation_cost, -np.inf)
    shape = (jurisdiction.shape[0], labs.n)
    return np.broadcast_to(score_api, shape), np.broadcast_to(score_w, shape), np.full(shape, fee_w)


def enter(model: EcosystemModel, k: int | None = None) -> int:
    """Create this quarter's entrants; returns how many entered."""
    st, sp, pop = model.startups, model.params.startups, model.params.population
    labs, rng = model.labs, model.rng
    if labs.n == 0:
        return 0
    if k is None:
        n_jur = model.params.jurisdictions.n
        w = float(model.weights_reach(np.arange(n_jur)).any())  # export controls included
        k = int(rng.poisson(sp.entry_rate * (1.0 + sp.open_entry_boost * w)))
    k = min(k, pop.max_startups - st.n_alive)
    if k <= 0:
        return 0
    jur = draw_jurisdictions(model.params, rng, k)
    niche = rng.integers(0, pop.n_niches, size=k).astype(np.int64)
    s_api, s_w, fee_w = build_options(model, jur, niche)
    score = np.concatenate([s_api, s_w], axis=1)
    util = np.full(score.shape, -np.inf)  # options not allowed stay -inf, even if beta is 0
    np.multiply(sp.base_choice_beta, score, out=util, where=np.isfinite(score))
    ok = np.isfinite(util).any(axis=1)
    if not ok.any():
        return 0
    jur, niche, util, fee_w = jur[ok], niche[ok], util[ok], fee_w[ok]
    pick = logit_draw(np.where(np.isfinite(util), util, -1e300), rng)
    mode = np.where(pick >= labs.n, WEIGHTS, API)
    base = pick % labs.n
    rows = st.add(pick.shape[0])
    st.alive[rows] = True
    st.niche[rows], st.jurisdiction[rows], st.base[rows], st.mode[rows] = niche, jur, base, mode
    st.skill[rows] = 0.0
    st.fee_share[rows] = np.where(mode == WEIGHTS, fee_w[np.arange(len(rows)), base],
                                  sp.api_fee_share)
    st.cash[rows] = sp.initial_cash - sp.adaptation_cost * (mode == WEIGHTS)
    model.ledger.book("entrant_capital", np.full(len(rows), sp.initial_cash))
    model.ledger.book("adaptation", -sp.adaptation_cost * (mode == WEIGHTS))
    st.compute[rows] = sp.adaptation_cost * (mode == WEIGHTS) * flop_per_mu(model)
    st.born[rows] = model.steps
    st.users[rows], st.share[rows], st.revenue[rows] = 0, 0.0, 0.0
    model.on_startups_created(rows)
    return len(rows)


def drop_orphans(model: EcosystemModel) -> int:
    """API startups whose lab no longer offers an API exit; returns how many."""
    st = model.startups
    live = st.live()
    if live.size == 0:
        return 0
    lost = live[(st.mode[live] == API) & (BUILD_MODE[model.labs.level[st.base[live]]] < 1)]
    for row in lost:
        model.remove_startup(int(row), acquirer=None)
    return int(lost.size)


def update_quality_and_prices(model: EcosystemModel) -> None:
    """Quality from the base model, mode bonus and skill; logit markup prices."""
    st, sp, mkt = model.startups, model.params.startups, model.params.market
    live = st.live()
    if live.size == 0:
        return
    spill = model.org_spillover()[model.labs.n + live]
    st.skill[live] += model.params.diffusion.startup_spillover * spill
    bonus = np.where(st.mode[live] == WEIGHTS, sp.fine_tune_bonus, sp.api_bonus)
    st.quality[live] = model.labs.capability[st.base[live]] + bonus + st.skill[live]
    gross = mkt.marginal_cost + markup(st.users[live] / max(1, model.users.n), mkt.alpha_mean)
    st.price[live] = gross / (1.0 - np.minimum(st.fee_share[live], 0.99))


def acquire(model: EcosystemModel) -> int:
    """Labs buy the largest startup built on them; returns completed acquisitions."""
    labs, st, lp, reg = model.labs, model.startups, model.params.labs, model.params.regulation
    live = st.live()
    if live.size == 0 or labs.n == 0:
        return 0
    rng = model.rng
    buyers = np.flatnonzero((labs.cash > lp.acquisition_cash)
                            & (rng.random(labs.n) < lp.acquisition_prob))
    done = 0
    # merger control looks at the buyer's ecosystem: its users and its builders' users
    ecosystem = labs.share + np.bincount(st.base[live], weights=st.share[live],
                                         minlength=labs.n)
    for b in buyers:
        mine = live[(st.base[live] == b) & st.alive[live]]
        if mine.size == 0:
            continue
        target = mine[np.argmax(st.users[mine])]
        cost = 4.0 * st.revenue[target] + 1.0
        if reg.merger_control and ecosystem[b] > reg.merger_threshold:
            model.counters["blocked_mergers"] += 1
            continue
        if labs.cash[b] - cost < lp.acquisition_cash:
            continue
        labs.cash[b] -= cost
        model.ledger.book("acquisitions", -cost)
        model.remove_startup(target, acquirer=int(b))
        done += 1
    return done


def settle(model: EcosystemModel) -> int:
    """Costs of live startups and exit of those out of cash; returns exits."""
    st, sp = model.startups, model.params.startups
    live = st.live()
    if live.size == 0:
        return 0
    st.cash[live] -= sp.fixed_cost
    model.ledger.book("fixed_costs", np.full(live.size, -sp.fixed_cost))
    st.compute[live] *= 1.0 - model.params.labs.compute_depreciation
    broke = live[st.cash[live] < 0.0]
    for row in broke:
        model.remove_startup(int(row), acquirer=None)
    return int(broke.size)

