"""Civil-society organisations: audits, transparency scores, trust, capacity, advocacy.

Kinds: auditors and researchers audit models; watchdogs score transparency and lobby.
Each quarter (parameters in :class:`sim.params.CivilSocietyParams`):

* **Audit targets.** Every auditor or researcher picks a lab with probability proportional
  to its user share plus ``1 / L`` (popular models draw most scrutiny, none is ignored).
  The number of auditors on a lab sets the defenders' side of the vulnerability race
  (:mod:`sim.security`); what they find is disclosed and patched.
* **Transparency score** ``T``: user-weighted mean of labs' transparency, as scored by
  watchdogs; **audit coverage** ``A``: user-weighted share of labs audited this quarter.
* **Trust** moves a share ``trust_speed`` toward
  ``(0.5 + 0.5 T)(0.5 + 0.5 A) / (1 + h / harm_trust_scale)`` with ``h`` the harm
  intensity, harm / market_size (harm per user in price units, like welfare).
* **Capacity programmes.** Each organisation closes ``capacity_rate`` of the capacity gap of
  the users in its niche (skills, shared compute).
* **Advocacy.** Where governments are adaptive (``regulation.adaptive``), watchdogs push
  stringency up by ``advocacy * (h / harm_target - 1)`` (when positive) times their share
  of organisations, in every jurisdiction; fixed laws do not move.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.base import ArrayAgent, Column
from sim.agents.governments import MAX_STRINGENCY

if TYPE_CHECKING:
    from sim.model import EcosystemModel
    from sim.params import Params

AUDITOR, WATCHDOG, RESEARCHER = 0, 1, 2
KIND_SHARES = (0.5, 0.3, 0.2)


class CivilSocietyStore:
    """Arrays of the civil-society organisations."""

    def __init__(self, params: Params, rng: np.random.Generator) -> None:
        n = params.population.n_cso
        self.n = n
        self.kind = rng.choice(3, size=n, p=KIND_SHARES).astype(np.int64)
        self.niche = rng.integers(0, params.population.n_niches, size=n).astype(np.int64)
        self.target = np.full(n, -1, dtype=np.int64)
        self.trust = 0.5
        self.transparency_score = 0.0
        self.audit_coverage = 0.0


class CivilSocietyOrg(ArrayAgent):
    """A civil-society organisation (a view on one row of :class:`CivilSocietyStore`)."""

    store_name = "civil"
    kind = Column("0 auditor, 1 watchdog, 2 researcher")
    niche = Column("niche of its capacity programme")
    target = Column("lab audited this quarter, -1 if none")


def choose_targets(model: EcosystemModel) -> np.ndarray:
    """Audit targets; returns the number of auditors on each lab."""
    cs, labs = model.civil, model.labs
    counts = np.zeros(labs.n, dtype=np.int64)
    cs.target[:] = -1
    auditing = np.flatnonzero(cs.kind != WATCHDOG)
    if labs.n == 0 or auditing.size == 0:
        return counts
    weight = labs.share + 1.0 / labs.n
    cum = np.cumsum(weight / weight.sum())
    pick = np.minimum(np.searchsorted(cum, model.rng.random(auditing.size), side="right"),
                      labs.n - 1)
    cs.target[auditing] = pick
    return np.bincount(pick, minlength=labs.n).astype(np.int64)


def update_trust(model: EcosystemModel, auditors: np.ndarray, harm_per_user: float) -> None:
    """Transparency score, audit coverage and public trust."""
    cs, labs, prm = model.civil, model.labs, model.params.civil_society
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


def capacity_per_niche(model: EcosystemModel) -> np.ndarray:
    """Capacity each niche's users gain this quarter from civil-society programmes."""
    cs = model.civil
    per = np.bincount(cs.niche, minlength=model.params.population.n_niches).astype(float)
    return model.params.civil_society.capacity_rate * per


def advocate(model: EcosystemModel, harm_per_user: float) -> None:
    """Watchdogs lobby for tighter rules when harm exceeds the regulator's target."""
    cs, gov, prm = model.civil, model.governments, model.params
    if cs.n == 0 or prm.regulation.harm_target <= 0 or not prm.regulation.adaptive:
        return
    excess = harm_per_user / prm.regulation.harm_target - 1.0
    if excess <= 0:
        return
    watch = float(np.mean(cs.kind == WATCHDOG))
    gov.stringency += prm.civil_society.advocacy * watch * min(excess, 10.0)
    np.clip(gov.stringency, 0.0, MAX_STRINGENCY, out=gov.stringency)
