"""Frontier labs: investment, capability growth, release, price, safety race, location.

Rules, applied to every lab at once each quarter (symbols are parameters in
:class:`sim.params.LabParams` and :class:`sim.params.RaceParams`):

* **Investment and growth.** Capability is ``24 + log10(E)`` with ``E`` the lab's effective
  compute stock in units of 1e24 FLOP. Investor capital ``external_funding *
  10^(funding_growth t)`` flows in each quarter, half split equally and half by user share
  (frontier spending has grown far faster than AI revenue). A lab then invests
  ``I = invest_share * max(cash, 0)``; a
  safe lab spends ``safety_cost_share`` of it on safety, an unsafe lab gets ``speed_factor``
  times more out of it (Han et al. 2020). The stock evolves as
  ``E <- (1 - compute_depreciation) E + I_eff * flop_per_mu * 10^(hardware_progress t)``,
  which gives diminishing returns to investment in log terms. Spill-over from better-placed
  neighbours in the organisation network (open weights spill far more than APIs; closed
  models leak slowly) and ``contribution_gain * log1p(C)`` from community contributions
  ``C`` multiply ``E`` by ``10^gain`` (algorithmic progress). Capability never falls except
  in a disaster; regulation may cap it. Compliance and licences take a share of the
  investment before it buys compute.
* **Vulnerabilities.** Growth of ``dc`` OOM brings ``Poisson(vulns_per_oom * dc)`` latent
  vulnerabilities; a new model version (every 0.5 OOM) needs new audits.
* **Release.** The openness regime's desired level, capped by regulation, never below the
  regime's legal floor (a mandate).
* **Price.** The logit-Bertrand markup ``p = mc + 1 / (alpha_mean * (1 - s))`` with ``s``
  last quarter's share of all users, the outside option included (Berry 1994).
* **Safety race.** An unsafe lab suffers a disaster with probability ``disaster_risk`` per
  quarter. Strategies spread by pairwise comparison: a random lab A meets a random lab B
  and copies B's strategy with probability ``1 / (1 + exp(-beta (pi_B - pi_A)))``, or
  explores a random strategy with probability ``mutation`` (Traulsen, Nowak & Pacheco
  2006). Payoffs are last quarter's profits, or the DSAIR long-run payoff matrix.
* **Location.** With probability ``relocation_prob`` a lab re-chooses its jurisdiction by
  logit over market access minus stringency minus relocation cost.

References
----------
.. [1] Han, T. A., Pereira, L. M., Santos, F. C. & Lenaerts, T. (2020). To regulate or not:
   a social dynamics analysis of an idealised AI race. JAIR 69, 881-921.
.. [2] Traulsen, A., Nowak, M. A. & Pacheco, J. M. (2006). Stochastic dynamics of invasion
   and fixation. Phys. Rev. E 74, 011909.
.. [3] Berry, S. (1994). Estimating discrete-choice models of product differentiation.
   RAND Journal of Economics 25(2), 242-262.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.agents.base import ArrayAgent, Column
from sim.agents.governments import draw_jurisdictions
from sim.regimes.release import TRANSPARENCY_BONUS

if TYPE_CHECKING:
    from sim.model import EcosystemModel
    from sim.params import Params

VERSION_STEP = 0.5  # OOM of growth that makes a new model version (audits start again)
COMPUTE_UNIT = 24.0  # compute stocks are in units of 10^24 FLOP
MAX_EXPONENT = 250.0  # keeps 10**x finite in very long runs


class LabStore:
    """Arrays of the frontier labs, one row per lab."""

    def __init__(self, params: Params, rng: np.random.Generator, levels: NDArray[np.int64]) -> None:
        lab, race = params.labs, params.race
        n = params.population.n_labs
        self.n = n
        offsets = np.linspace(0.0, lab.initial_spread, n) if n > 1 else np.zeros(n)
        self.capability = lab.initial_frontier - offsets
        self.version_capability = self.capability.copy()
        self.compute = 10.0 ** (self.capability - COMPUTE_UNIT)
        # budgets scale with compute: a lab's cash at t=0 is its share of the compute
        self.cash = lab.initial_cash * n * self.compute / max(self.compute.sum(), 1e-300)
        self.price = np.full(n, params.market.marginal_cost + 1.0 / params.market.alpha_mean)
        self.jurisdiction = draw_jurisdictions(params, rng, n)
        self.level = levels.astype(np.int64)
        k = round(race.initial_safe_share * n)  # exact count: verification needs 1/Z
        self.safe = rng.permutation(n) < k
        self.transparency = np.full(n, lab.transparency_base)
        self.revenue: NDArray[np.floating] = np.zeros(n)
        self.profit = np.zeros(n)
        self.users = np.zeros(n, dtype=np.int64)
        self.share = np.zeros(n)
        self.contributions = np.zeros(n)
        self.clean_quarters = np.zeros(n, dtype=np.int64)
        self.clean_audits = np.zeros(n, dtype=np.int64)
        self.latent_vulns = np.zeros(n, dtype=np.int64)
        self.known_vulns = np.zeros(n, dtype=np.int64)
        self.incidents = np.zeros(n, dtype=np.int64)
        self.harm_traced = np.zeros(n)  # harm attributed to the lab this quarter (liability)
        self.harm_caused = np.zeros(n)  # harm done with the lab's model this quarter


class Lab(ArrayAgent):
    """A frontier lab (a view on one row of :class:`LabStore`)."""

    store_name = "labs"
    capability = Column("log10 FLOP of the lab's current model")
    cash = Column("cash, mu")
    price = Column("price per user-quarter")
    level = Column("release level (0 internal ... 4 fully open)")
    safe = Column("races safely")
    jurisdiction = Column("jurisdiction index")
    transparency = Column("disclosed transparency in [0, 1]")
    users = Column("users holding this lab's product")


def invest_and_grow(model: EcosystemModel) -> None:
    """Investment, compute stock, spill-over, contributions, caps and new vulnerabilities."""
    labs, lp, race = model.labs, model.params.labs, model.params.race
    if labs.n == 0:
        return
    funding = external_funding(model)
    labs.cash = labs.cash + funding
    model.ledger.book("investor_funding", funding)
    invest = lp.invest_share * np.maximum(labs.cash, 0.0)
    productive = invest * (1.0 - model.regulation.compliance_cost(model))
    effective = productive * np.where(labs.safe, 1.0 - race.safety_cost_share, race.speed_factor)
    flop = effective * flop_per_mu(model)
    spill = model.params.diffusion.lab_spillover * model.org_spillover()[: labs.n]
    algorithmic = spill + lp.contribution_gain * np.log1p(labs.contributions)
    base = labs.compute * (1.0 - lp.compute_depreciation) + flop
    limit = np.maximum(model.regulation.capability_cap(model), labs.capability)
    stock = grown_stock(base, algorithmic, np.minimum(limit, 300.0) - COMPUTE_UNIT)
    labs.compute = stock
    new = np.maximum(labs.capability, COMPUTE_UNIT + np.log10(np.maximum(stock, 1e-300)))
    growth = new - labs.capability
    labs.capability = new
    labs.cash = labs.cash - invest
    model.ledger.book("compute_investment", -invest)
    labs.latent_vulns += model.rng.poisson(lp.vulns_per_oom * growth)
    new_version = labs.capability - labs.version_capability >= VERSION_STEP
    labs.version_capability = np.where(new_version, labs.capability, labs.version_capability)
    labs.clean_audits[new_version] = 0


def grown_stock(base: NDArray[np.float64], algorithmic: NDArray[np.float64],
                log_cap: NDArray[np.float64]) -> NDArray[np.float64]:
    """``min(base * 10^algorithmic, 10^log_cap)`` without overflowing on the way.

    Where the product would pass the cap the cap is taken directly, and very large
    exponents are applied in log space; elsewhere the product is computed as written, so
    ordinary values are unchanged to the bit.
    """
    total = np.log10(np.maximum(base, 1e-300)) + algorithmic
    over = total > log_cap
    direct = ~over & (algorithmic <= 300.0)
    product = base * 10.0 ** np.where(direct, algorithmic, 0.0)
    in_logs = 10.0 ** np.where(direct | over, 0.0, total)  # below the cap: finite
    stock = np.where(direct, product, np.where(over, 10.0 ** log_cap, in_logs))
    stock = np.where(base > 0, stock, 0.0)
    return np.minimum(stock, 10.0 ** log_cap)


def external_funding(model: EcosystemModel) -> NDArray[np.float64]:
    """Investor capital each lab receives this quarter (mu).

    The pool ``external_funding * min(10^(funding_growth t), funding_cap)`` is split, a
    share ``funding_traction`` by last quarter's user share and the rest equally: capital
    follows both promise and traction, and stops growing when investors' appetite is met.
    """
    labs, lp = model.labs, model.params.labs
    growth = min(lp.funding_growth * model.steps, float(np.log10(lp.funding_cap)))
    pool = lp.external_funding * 10.0**growth
    total = labs.users.sum()
    traction = labs.users / total if total > 0 else np.full(labs.n, 1.0 / labs.n)
    w = lp.funding_traction
    return pool * ((1.0 - w) / labs.n + w * traction)


def flop_per_mu(model: EcosystemModel) -> float:
    """Effective compute (1e24 FLOP) one mu buys this quarter."""
    lp = model.params.labs
    return lp.flop_per_mu * 10.0 ** min(lp.hardware_progress * model.steps, MAX_EXPONENT)


def decide_release(model: EcosystemModel) -> None:
    """Release level (openness regime capped by regulation) and transparency."""
    labs = model.labs
    if labs.n == 0:
        return
    desired = model.openness.desired_levels(model)
    capped = np.minimum(desired, model.regulation.release_cap(model))
    labs.level = np.maximum(capped, model.openness.floor_levels(model))
    own = model.params.labs.transparency_base + TRANSPARENCY_BONUS[labs.level]
    own = own - 0.1 * ~labs.safe
    floor = model.regulation.transparency_floor(model)
    labs.transparency = np.clip(np.maximum(own, floor), 0.0, 1.0)


def set_prices(model: EcosystemModel) -> None:
    """Logit-Bertrand markup over marginal cost, on last quarter's share of all users."""
    labs, mkt = model.labs, model.params.market
    labs.price = mkt.marginal_cost + markup(labs.users / max(1, model.users.n), mkt.alpha_mean)


def markup(share: NDArray[np.float64], alpha: float) -> NDArray[np.float64]:
    """Single-product logit markup ``1 / (alpha (1 - s))``, with ``s`` kept below 0.9.

    ``s`` is the share of all users, the outside option included (Berry 1994).
    """
    return 1.0 / (alpha * (1.0 - np.minimum(share, 0.9)))


def race_step(model: EcosystemModel) -> int:
    """Disasters, inspections and Fermi imitation; returns the number of disasters."""
    labs, race = model.labs, model.params.race
    if labs.n == 0:
        return 0
    rng = model.rng
    unsafe = ~labs.safe
    disaster = unsafe & (rng.random(labs.n) < race.disaster_risk)
    labs.capability = labs.capability - race.disaster_setback * disaster
    labs.compute = labs.compute * 10.0 ** (-race.disaster_setback * disaster)
    loss = 0.5 * np.maximum(labs.cash, 0.0) * disaster
    labs.cash = labs.cash - loss
    model.ledger.book("disaster_losses", -loss)
    labs.incidents += disaster
    labs.harm_traced += race.disaster_harm * disaster
    labs.harm_caused += race.disaster_harm * disaster
    model.step_harm += race.disaster_harm * float(disaster.sum())
    caught = unsafe & (rng.random(labs.n) < model.regulation.inspection(model))
    fine = model.params.regulation.fine * np.maximum(labs.cash, 0.0) * caught
    labs.cash = labs.cash - fine
    model.ledger.book("fines", -fine)
    labs.safe = labs.safe | caught
    imitate(model)
    return int(disaster.sum())


def han_payoffs(safe: NDArray[np.bool_], race: object) -> NDArray[np.float64]:
    """Average DSAIR long-run payoff of each lab against all the others.

    The long-run matrix of Han et al. (2020), rows the focal strategy (SAFE, UNSAFE)::

        SAFE   vs SAFE:   B/(2W) + b/2 - c        vs UNSAFE: (1 - p_r)(b/(s+1) - c)
        UNSAFE vs SAFE:   (1 - p_r)(s B/W + s b/(s+1))
        UNSAFE vs UNSAFE: (1 - p_r)(s B/(2W) + b/2)
    """
    m = han_matrix(race)
    z = safe.shape[0]
    if z < 2:
        return np.zeros(z)
    n_safe = int(safe.sum())
    s_idx = np.where(safe, 0, 1)
    others_safe = n_safe - safe.astype(int)
    others_unsafe = (z - 1) - others_safe
    return (m[s_idx, 0] * others_safe + m[s_idx, 1] * others_unsafe) / (z - 1)


def han_matrix(race: object) -> NDArray[np.float64]:
    """The 2x2 DSAIR long-run payoff matrix (row: focal SAFE, UNSAFE)."""
    B, W, b, c = race.prize, race.rounds, race.benefit, race.safety_cost  # type: ignore[attr-defined]
    s, pr = race.speed_factor, race.disaster_risk  # type: ignore[attr-defined]
    return np.array([
        [B / (2 * W) + b / 2 - c, (1 - pr) * (b / (s + 1) - c)],
        [(1 - pr) * (s * B / W + s * b / (s + 1)), (1 - pr) * (s * B / (2 * W) + b / 2)],
    ])


def imitate(model: EcosystemModel) -> None:
    """``imitation_events`` pairwise-comparison updates of the safety strategy."""
    labs, race, rng = model.labs, model.params.race, model.rng
    if labs.n < 2:
        return
    use_han = race.payoff == "han"
    for _ in range(race.imitation_events):
        a, b = rng.choice(labs.n, size=2, replace=False)
        if rng.random() < race.mutation:
            labs.safe[a] = rng.random() < 0.5
            continue
        pay = han_payoffs(labs.safe, race) if use_han else labs.profit
        diff = race.selection_intensity * (pay[b] - pay[a])
        if rng.random() < 1.0 / (1.0 + np.exp(-np.clip(diff, -700.0, 700.0))):
            labs.safe[a] = labs.safe[b]


def relocate(model: EcosystemModel) -> None:
    """Jurisdiction choice by logit over access minus stringency minus moving cost."""
    labs, jur = model.labs, model.params.jurisdictions
    if labs.n == 0 or jur.n == 1:
        return
    movers = np.flatnonzero(model.rng.random(labs.n) < model.params.labs.relocation_prob)
    if movers.size == 0:
        return
    access = 2.0 * np.asarray(jur.market_share)[None, :]
    aversion = np.where(labs.safe[movers], 0.5, 1.0)[:, None]
    util = access - aversion * model.governments.effective[None, :]
    stay = np.arange(jur.n)[None, :] == labs.jurisdiction[movers][:, None]
    util = util - jur.relocation_cost * ~stay
    labs.jurisdiction[movers] = logit_draw(util, model.rng)


def logit_draw(util: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.int64]:
    """One multinomial-logit draw per row of ``util`` (rows: choosers, columns: options)."""
    prob = np.exp(util - util.max(axis=1, keepdims=True))
    cum = prob.cumsum(axis=1)
    u = rng.random(util.shape[0]) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), util.shape[1] - 1).astype(np.int64)
