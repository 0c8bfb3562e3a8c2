"""Accounts: lab profits and liability, and what labs learn of harm by release level (ODD 7.15).

Revenue comes in (users and builders' fees); serving cost ``users * M / N *
marginal_cost``, the fixed cost and liability for traced harm go out. Compliance and
licence fees are paid out of investment (:mod:`sim.rules.investment`); a lab's profit
leaves investor capital out. The payoff labs compare when they imitate strategies under
``race.payoff = market`` is that profit less the quarter's disaster losses and fines
(``labs.loss_in_payoff`` of them), so the risk of racing unsafely is in what they compare.

Labs learn the harm done with one lab's model per quarter at each release level as a
running mean (weight ``labs.harm_memory`` on the newest quarter); for a level no lab has
used yet they assume the observed harm scaled by the level's misuse exposure. The
``endogenous`` release choice weighs the liability this estimate implies.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.ledger import Ledger
from sim.params import LabParams, MaliciousParams, MarketParams
from sim.state import LabStore, StartupStore
from sim.vocabulary import ATTACK_ACCESS, MONITORED, Level


def settle_labs(labs: LabStore, st: StartupStore, mkt: MarketParams, lp: LabParams,
                liability: NDArray[np.float64], n_users: int, ledger: Ledger) -> None:
    """Lab profits and cash; startups' serving costs; harm by level learned; harm reset.

    ``liability`` is each lab's share of the harm traced to it that it must pay.
    """
    per_user = mkt.market_size / max(1, n_users)
    served = labs.users * per_user * mkt.marginal_cost
    paid = liability * labs.harm_traced
    labs.profit = labs.revenue - served - lp.fixed_cost - paid
    labs.cash = labs.cash + labs.profit
    # what labs compare when they imitate: profit less disaster losses and fines (the cash
    # for those left earlier in the quarter; counting it here again would count it twice)
    labs.payoff = labs.profit - lp.loss_in_payoff * labs.losses
    labs.losses = np.zeros(labs.n)
    live = st.live()
    st_served = st.users[live] * per_user * mkt.marginal_cost
    st.cash[live] -= st_served
    ledger.book("serving_costs", -served)
    ledger.book("serving_costs", -st_served)
    ledger.book("fixed_costs", -lp.fixed_cost * labs.n)
    ledger.book("liability", -paid)
    learn_harm_by_level(labs, lp.harm_memory)
    labs.harm_traced[:] = 0.0
    labs.harm_caused[:] = 0.0


def learn_harm_by_level(labs: LabStore, memory: float) -> None:
    """Running mean of the harm done with one lab's model per quarter, by release level."""
    for level in np.unique(labs.release_level):
        at = labs.release_level == level
        seen = float(labs.harm_caused[at].mean())
        if labs.harm_seen_by_level[level]:
            labs.harm_by_level[level] += memory * (seen - labs.harm_by_level[level])
        else:
            labs.harm_by_level[level] = seen
            labs.harm_seen_by_level[level] = True


def harm_estimate(labs: LabStore, mp: MaliciousParams) -> NDArray[np.float64]:
    """Harm labs expect from one lab's model per quarter at each release level, shape (5,).

    A level seen before: its running mean. A level never seen: the mean of the observed
    levels' harm scaled by the level's misuse exposure relative to the labs' mean exposure.
    """
    exposure = ATTACK_ACCESS * (1.0 - mp.safeguards * MONITORED)
    observed = labs.harm_by_level[labs.harm_seen_by_level]
    mean_exposure = exposure[labs.release_level].mean() if labs.n else 0.0
    if observed.size and mean_exposure > 0:
        prior = float(observed.mean()) * exposure / mean_exposure
    else:
        prior = np.zeros(len(Level))
    return np.where(labs.harm_seen_by_level, labs.harm_by_level, prior)


def expected_liability(labs: LabStore, mp: MaliciousParams, liability: NDArray[np.float64],
                       attribution_open: float) -> NDArray[np.float64]:
    """Liability (mu per quarter) each lab expects at each release level, shape (L, 5).

    Its own liability share, times the harm expected at that level (:func:`harm_estimate`),
    times the share of that harm traced to a provider at that level.
    """
    attribution = np.where(np.arange(len(Level)) >= Level.WEIGHTS, attribution_open, 1.0)
    return (liability[:, None] * harm_estimate(labs, mp)[None, :]) * attribution[None, :]
