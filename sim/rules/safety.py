"""The safety race: disasters, inspections and Fermi imitation (ODD 7.12).

An unsafe lab suffers a disaster with probability ``disaster_risk`` per quarter: it loses
``disaster_setback`` OOM of capability and ``disaster_cash_loss`` of its positive cash, and
its model does ``disaster_harm``. Where regulation inspects, an unsafe lab is caught with
the regime's inspection probability, fined ``regulation.fine`` of its positive cash and made
safe. Strategies then spread by pairwise comparison: a random lab A meets a random lab B
and copies B's strategy with probability ``1 / (1 + exp(-beta (pi_B - pi_A)))``, or
explores a random strategy with probability ``mutation`` (Traulsen, Nowak & Pacheco
2006). Payoffs are last quarter's profits (``race.payoff = market``) or the DSAIR long-run
payoff matrix (``han``).

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

from sim.ledger import Ledger
from sim.params import RaceParams
from sim.state import LabStore


def disasters(labs: LabStore, race: RaceParams, ledger: Ledger,
              rng: np.random.Generator) -> tuple[int, float]:
    """Disasters of unsafe labs; returns how many, and their harm."""
    disaster = ~labs.safe & (rng.random(labs.n) < race.disaster_risk)
    labs.capability = labs.capability - race.disaster_setback * disaster
    labs.compute = labs.compute * 10.0 ** (-race.disaster_setback * disaster)
    loss = race.disaster_cash_loss * np.maximum(labs.cash, 0.0) * disaster
    labs.cash = labs.cash - loss
    ledger.book("disaster_losses", -loss)
    labs.incidents += disaster
    labs.harm_traced += race.disaster_harm * disaster
    labs.harm_caused += race.disaster_harm * disaster
    return int(disaster.sum()), race.disaster_harm * float(disaster.sum())


def inspect(labs: LabStore, unsafe: NDArray[np.bool_], inspection: NDArray[np.float64],
            fine: float, ledger: Ledger, rng: np.random.Generator) -> None:
    """Inspections: a caught lab is fined ``fine`` of its positive cash and made safe.

    ``unsafe`` says which labs raced unsafely this quarter; each is caught with its
    ``inspection`` probability.
    """
    caught = unsafe & (rng.random(labs.n) < inspection)
    penalty = fine * np.maximum(labs.cash, 0.0) * caught
    labs.cash = labs.cash - penalty
    ledger.book("fines", -penalty)
    labs.safe = labs.safe | caught


def han_matrix(race: RaceParams) -> NDArray[np.float64]:
    """The 2x2 DSAIR long-run payoff matrix (rows: focal SAFE, UNSAFE).

    ::

        SAFE   vs SAFE:   B/(2W) + b/2 - c        vs UNSAFE: (1 - p_r)(b/(s+1) - c)
        UNSAFE vs SAFE:   (1 - p_r)(s B/W + s b/(s+1))
        UNSAFE vs UNSAFE: (1 - p_r)(s B/(2W) + b/2)
    """
    B, W, b, c = race.prize, race.rounds, race.benefit, race.safety_cost
    s, pr = race.speed_factor, race.disaster_risk
    return np.array([
        [B / (2 * W) + b / 2 - c, (1 - pr) * (b / (s + 1) - c)],
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


def imitate(labs: LabStore, race: RaceParams, rng: np.random.Generator) -> None:
    """``imitation_events`` pairwise-comparison updates of the safety strategy."""
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
