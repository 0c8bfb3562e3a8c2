"""The safety race: disasters, inspections and Fermi imitation (ODD 7.12).

An unsafe lab suffers a disaster with probability ``disaster_risk`` per quarter: it loses
``disaster_setback`` OOM of capability and ``disaster_cash_loss`` of its positive cash, and
its model does ``disaster_harm``. Where regulation inspects, an unsafe lab is caught with
the regime's inspection probability, fined ``regulation.fine`` of its positive cash and made
safe. Strategies then spread by pairwise comparison: a random lab A meets a random lab B
and copies B's strategy with probability ``1 / (1 + exp(-beta (pi_B - pi_A)))``, or
explores a random strategy with probability ``mutation`` (Traulsen, Nowak & Pacheco
2006). Payoffs are last quarter's profits less the disaster losses and fines of that quarter
(``labs.loss_in_payoff`` of them; ``race.payoff = market``), or the DSAIR long-run payoff
matrix (``han``).

References
----------
.. [1] Han, T. A., Pereira, L. M., Santos, F. C. & Lenaerts, T. (2020). To regulate or not:
   a social dynamics analysis of an idealised AI race. JAIR 69, 881-921.
.. [2] Traulsen, A., Nowak, M. A. & Pacheco, J. M. (2006). Stochastic dynamics of invasion
   and fixation. Phys. Rev. E 74, 011909.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim import kernels
from sim.ledger import Ledger
from sim.params import RaceParams
from sim.state import LabStore
from sim.streams import Draws, Stream


def disasters(labs: LabStore, race: RaceParams, ledger: Ledger,
              draws: Draws) -> tuple[int, float]:
    """Disasters of unsafe labs; returns how many, and their harm."""
    disaster = ~labs.safe & draws.below(Stream.DISASTER, labs.n, race.disaster_risk)
    labs.capability = labs.capability - race.disaster_setback * disaster
    labs.compute = labs.compute * 10.0 ** (-race.disaster_setback * disaster)
    loss = race.disaster_cash_loss * np.maximum(labs.cash, 0.0) * disaster
    labs.cash = labs.cash - loss
    labs.losses = labs.losses + loss
    ledger.book("disaster_losses", -loss)
    labs.incidents += disaster
    labs.harm_traced += race.disaster_harm * disaster
    labs.harm_caused += race.disaster_harm * disaster
    return int(disaster.sum()), race.disaster_harm * float(disaster.sum())


def inspect(labs: LabStore, unsafe: NDArray[np.bool_], inspection: NDArray[np.float64],
            fine: float, ledger: Ledger, draws: Draws) -> None:
    """Inspections: a caught lab is fined ``fine`` of its positive cash and made safe.

    ``unsafe`` says which labs raced unsafely this quarter; each is caught with its
    ``inspection`` probability.
    """
    caught = unsafe & draws.below(Stream.INSPECTION, labs.n, inspection)
    penalty = fine * np.maximum(labs.cash, 0.0) * caught
    labs.cash = labs.cash - penalty
    labs.losses = labs.losses + penalty
    ledger.book("fines", -penalty)
    labs.safe = labs.safe | caught


def han_matrix(race: RaceParams) -> NDArray[np.float64]:
    """The 2x2 DSAIR long-run payoff matrix the model uses (rows: focal SAFE, UNSAFE).

    ::

        SAFE   vs SAFE:   B/(2W) + b/2 - c        vs UNSAFE: (1 - rho p_r)(b/(s+1) - c)
        UNSAFE vs SAFE:   (1 - p_r)(s B/W + s b/(s+1))
        UNSAFE vs UNSAFE: (1 - p_r)(s B/(2W) + b/2)

    with ``rho = rival_disaster_share``: at 0 (the default) this is Han et al.'s (2020)
    baseline, where an unsafe lab's disaster strikes only itself; at 1 its safe rival
    loses the same share, as in collective-risk variants of the race. Public, so anyone
    can compare the model's matrix with their own.
    """
    B, W, b, c = race.prize, race.rounds, race.benefit, race.safety_cost
    s, pr, rho = race.speed_factor, race.disaster_risk, race.rival_disaster_share
    return np.array([
        [B / (2 * W) + b / 2 - c, (1 - rho * pr) * (b / (s + 1) - c)],
        [(1 - pr) * (s * B / W + s * b / (s + 1)), (1 - pr) * (s * B / (2 * W) + b / 2)],
    ])


def han_payoffs(safe: NDArray[np.bool_], race: RaceParams) -> NDArray[np.float64]:
    """Average DSAIR long-run payoff of each lab against all the others."""
    m = han_matrix(race)
    z = safe.shape[0]
    if z < 2:
        return np.zeros(z)
    n_safe = int(safe.sum())
    s_idx = np.where(safe, 0, 1)
    others_safe = n_safe - safe.astype(int)
    others_unsafe = (z - 1) - others_safe
    return (m[s_idx, 0] * others_safe + m[s_idx, 1] * others_unsafe) / (z - 1)


def imitate(labs: LabStore, race: RaceParams, draws: Draws) -> None:
    """``imitation_events`` pairwise-comparison updates of the safety strategy (a kernel)."""
    if labs.n < 2:
        return
    safe = labs.safe.astype(np.uint8)
    han = race.payoff == "han"
    kernels.imitate(safe, matrix=han_matrix(race) if han else None,
                    profit=None if han else labs.payoff, beta=race.selection_intensity,
                    mutation=race.mutation, events=race.imitation_events, key=draws.key,
                    step=draws.t, stream=int(Stream.IMITATION))
    labs.safe = safe.astype(bool)
