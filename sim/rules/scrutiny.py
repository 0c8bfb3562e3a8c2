"""Civil society: audit targets, transparency scores, public trust, capacity (ODD 7.13).

* **Audit targets.** Every auditor or researcher picks a lab with probability proportional
  to its user share plus ``1 / L`` (popular models draw most scrutiny, none is ignored).
  The number of auditors on a lab sets the defenders' side of the vulnerability race.
* **Transparency score** ``T``: user-weighted mean of labs' transparency, as scored by
  watchdogs; **audit coverage** ``A``: user-weighted share of labs audited this quarter.
* **Trust** moves a share ``trust_speed`` toward
  ``(0.5 + 0.5 T)(0.5 + 0.5 A) / (1 + h / harm_trust_scale)`` with ``h`` the harm
  intensity, harm / market_size.
* **Capacity programmes.** Each organisation closes ``capacity_rate`` of the capacity gap of
  the users in its niche (skills, shared compute).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.params import CivilSocietyParams
from sim.state import CivilSocietyStore, Kind, LabStore
from sim.streams import Draws, Stream


def choose_targets(cs: CivilSocietyStore, labs: LabStore, draws: Draws) -> NDArray[np.int64]:
    """Audit targets of auditors and researchers; returns the number on each lab."""
    counts = np.zeros(labs.n, dtype=np.int64)
    cs.target[:] = -1
    auditing = np.flatnonzero(cs.kind != Kind.WATCHDOG)
    if labs.n == 0 or auditing.size == 0:
        return counts
    weight = labs.share + 1.0 / labs.n
    cum = np.cumsum(weight / weight.sum())
    u = draws.uniform(Stream.AUDIT_TARGET, auditing)
    pick = np.minimum(np.searchsorted(cum, u, side="right"), labs.n - 1)
    cs.target[auditing] = pick
    return np.bincount(pick, minlength=labs.n).astype(np.int64)


def update_trust(cs: CivilSocietyStore, labs: LabStore, prm: CivilSocietyParams,
                 auditors: NDArray[np.int64], harm_per_user: float) -> None:
    """Transparency score, audit coverage and public trust."""
    if labs.n and labs.share.sum() > 0:
        w = labs.share / labs.share.sum()
    else:
        w = np.full(labs.n, 1.0 / labs.n) if labs.n else np.zeros(0)
    cs.transparency_score = float(np.dot(w, labs.transparency)) if labs.n else 0.0
    cs.audit_coverage = float(np.dot(w, auditors > 0)) if labs.n else 0.0
    target = ((0.5 + 0.5 * cs.transparency_score) * (0.5 + 0.5 * cs.audit_coverage)
              / (1.0 + harm_per_user / prm.harm_trust_scale))
    cs.trust += prm.trust_speed * (target - cs.trust)
    cs.trust = min(1.0, max(0.0, cs.trust))


def capacity_per_niche(cs: CivilSocietyStore, rate: float, n_niches: int) -> NDArray[np.float64]:
    """Capacity each niche's users gain this quarter from civil-society programmes."""
    return rate * np.bincount(cs.niche, minlength=n_niches).astype(float)


def watchdog_share(cs: CivilSocietyStore) -> float:
    """Share of organisations that are watchdogs (0 without organisations)."""
    return float(np.mean(cs.kind == Kind.WATCHDOG)) if cs.n else 0.0
