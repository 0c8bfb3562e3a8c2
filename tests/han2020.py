"""Han, Pereira, Santos & Lenaerts (2020) from the paper's formulas, independently of ``sim``.

The long-run DSAIR payoff matrix, its exact boundaries in the disaster risk ``p_r`` and their
distance from the paper's approximations, and the small-mutation stationary share from
fixation probabilities (Traulsen, Nowak & Pacheco 2006), each written from the published
formulas with nothing imported from the model, so that the tests in ``tests/unit`` and
``tests/verification`` compare the model and ``sim.theory`` with a reference neither can
move.

References
----------
.. [1] Han, T. A., Pereira, L. M., Santos, F. C. & Lenaerts, T. (2020). To regulate or not:
   a social dynamics analysis of an idealised AI race. JAIR 69, 881-921.
.. [2] Traulsen, A., Nowak, M. A. & Pacheco, J. M. (2006). Stochastic dynamics of invasion
   and fixation. Phys. Rev. E 74, 011909.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]


def paper_matrix(prize: float, rounds: float, benefit: float, cost: float, speed: float,
                 risk: float) -> F64:
    """The long-run DSAIR payoff matrix of Han et al. (2020), rows and columns SAFE, UNSAFE.

    ``SS = B/(2W) + b/2 - c``, ``SU = b/(s+1) - c``, ``US = (1 - p_r)(sB/W + sb/(s+1))``,
    ``UU = (1 - p_r)(sB/(2W) + b/2)``: an unsafe lab's disaster (probability ``p_r`` per
    round) strikes only the unsafe lab.
    """
    big_b, w, b, c, s, pr = prize, rounds, benefit, cost, speed, risk
    return np.array([[big_b / (2 * w) + b / 2 - c, b / (s + 1) - c],
                     [(1 - pr) * (s * big_b / w + s * b / (s + 1)),
                      (1 - pr) * (s * big_b / (2 * w) + b / 2)]])


def paper_matrix_of(race: Any, risk: float | None = None) -> F64:
    """:func:`paper_matrix` at the race parameters of the model (``risk`` overrides p_r)."""
    return paper_matrix(race.prize, race.rounds, race.benefit, race.safety_cost,
                        race.speed_factor, race.disaster_risk if risk is None else risk)


def paper_boundaries(race: Any, z: int | None = None) -> dict[str, float]:
    """Exact boundaries in ``p_r`` of the paper's matrix, in closed form.

    The SAFE row does not depend on ``p_r``; the UNSAFE row is ``(1 - p_r)`` times
    ``c0 = sB/W + sb/(s+1)`` and ``d0 = sB/(2W) + b/2``. So ``a + b = c + d`` (risk
    dominance) at ``p_r = 1 - (a + b)/(c0 + d0)``; ``a = d`` (welfare) at
    ``p_r = 1 - a/d0``; for ``Z`` labs the small-mutation share is 1/2 where
    ``(a - d)(1 - 2/Z) + b - c = 0``, at
    ``p_r = 1 - (a (1 - 2/Z) + b)/(d0 (1 - 2/Z) + c0)``.
    """
    (a, b), (c0, d0) = paper_matrix_of(race, 0.0)
    out = {"risk_dominance": 1 - (a + b) / (c0 + d0), "welfare": 1 - a / d0}
    if z is not None:
        w = 1 - 2 / z
        out["risk_dominance_z"] = 1 - (a * w + b) / (d0 * w + c0)
    return out


def paper_approximation_errors(race: Any) -> dict[str, float]:
    """Exact boundary minus the paper's approximation (``B/W >> b, c``).

    Risk dominance, against ``1 - 1/(3s)``::

        (b/2 - 3sb/2 - 2sb/(s+1) + 6sc) / (3s (3sB/(2W) + sb/(s+1) + b/2))

    Welfare, against ``1 - 1/s``::

        (sc - (s - 1) b/2) / (s (sB/(2W) + b/2))

    (Subtract the approximations from the closed forms of :func:`paper_boundaries`.)
    """
    big_b, w, b, c, s = race.prize, race.rounds, race.benefit, race.safety_cost, race.speed_factor
    d = 3 * s * big_b / (2 * w) + s * b / (s + 1) + b / 2
    risk = (b / 2 - 3 * s * b / 2 - 2 * s * b / (s + 1) + 6 * s * c) / (3 * s * d)
    return {"risk_dominance": risk,
            "welfare": (s * c - (s - 1) * b / 2) / (s * (s * big_b / (2 * w) + b / 2))}


def bisect(f: Any, lo: float = 0.0, hi: float = 1.0, tol: float = 1e-15) -> float:
    """The root of ``f`` in ``[lo, hi]`` by bisection (independent of ``sim.theory``)."""
    flo = f(lo)
    if np.sign(flo) == np.sign(f(hi)):
        raise ValueError("no sign change")
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if np.sign(f(mid)) == np.sign(flo):
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def paper_fixation(m: F64, z: int, beta: float) -> tuple[float, float]:
    """Fixation probabilities of one SAFE mutant among UNSAFE, and one UNSAFE among SAFE.

    Traulsen, Nowak & Pacheco (2006), as Han et al. (2020) use them: with ``k`` SAFE labs,
    ``Pi_S(k) = ((k - 1) a + (Z - k) b)/(Z - 1)``, ``Pi_U(k) = (k c + (Z - k - 1) d)/(Z - 1)``,
    ``T-(k)/T+(k) = exp(-beta (Pi_S(k) - Pi_U(k)))`` and
    ``rho_{U->S} = 1 / sum_{i=0}^{Z-1} prod_{j=1}^{i} T-(j)/T+(j)``; ``rho_{S->U}`` is the
    same with the strategies' roles swapped (the product over ``j`` from ``Z - 1`` down).
    Summed term by term (no closed form), in logs.
    """
    a, b, c, d = m.ravel()
    k = np.arange(1, z)
    gap = ((k - 1) * a + (z - k) * b) / (z - 1) - (k * c + (z - k - 1) * d) / (z - 1)
    up = np.concatenate(([0.0], np.cumsum(-beta * gap)))  # log prod_{j<=i} T-/T+
    down = np.concatenate(([0.0], np.cumsum(beta * gap[::-1])))
    return (float(1 / np.exp(up - up.max()).sum() * np.exp(-up.max())),
            float(1 / np.exp(down - down.max()).sum() * np.exp(-down.max())))


def paper_small_mutation_share(m: F64, z: int, beta: float) -> float:
    """Share of time all-SAFE in the small-mutation limit, ``rho_US / (rho_US + rho_SU)``."""
    rho_us, rho_su = paper_fixation(m, z, beta)
    return rho_us / (rho_us + rho_su)
