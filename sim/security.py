"""The vulnerability race between auditors and attackers ("many eyes").

Each lab's current model holds ``V`` latent vulnerabilities. In a quarter, one latent
vulnerability is found by defenders with hazard ``h_D = r_D a_D(level) n_D`` and by attackers
with ``h_A = r_A sum_k a_A(level_k)`` (``r``: discovery rates per searcher with full access,
``a``: access at the release level, ``n_D``: auditors on the lab; the sum runs over the
attackers who tried the lab's model this quarter, each with the access it had: the API for
one whose weights export controls withheld). It is found
with probability ``1 - exp(-(h_D + h_A))``, by an attacker first with probability
``h_A / (h_D + h_A)``; attacker finds are exploited. Found vulnerabilities become known and
are patched with probability ``patch_prob`` times the patch reach of the level each
quarter; while known and unpatched, attackers exploit them with hazard ``NDAY * h_A``.

Symmetry (Anderson 2002): scaling ``r_D`` and ``r_A`` by the same factor leaves the
probability that a vulnerability is exploited, ``h_A / (h_D + h_A)``, unchanged when
patching is immediate; only asymmetries (more defenders, patch lag, partial patch reach,
monitoring) move the expected number exploited.

References
----------
.. [1] Anderson, R. (2002). Security in open versus closed systems: the dance of Boltzmann,
   Coase and Moore. Open Source Software: Economics, Law and Policy, Toulouse.
.. [2] Schryen, G. (2011). Is open source security a myth? CACM 54(5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.regimes.release import AUDIT_ACCESS, PATCH_REACH

if TYPE_CHECKING:
    from sim.model import EcosystemModel

NDAY = 5.0  # known, unpatched vulnerabilities are this much easier for attackers to use


@dataclass
class RaceOutcome:
    """What the vulnerability race produced this quarter, per lab."""

    found_by_defenders: np.ndarray
    exploited: np.ndarray
    patched: np.ndarray


def vulnerability_race(model: EcosystemModel, auditors: np.ndarray,
                       attack_exposure: np.ndarray) -> RaceOutcome:
    """Discovery, exploitation, disclosure and patching for every lab.

    ``auditors`` counts auditors per lab; ``attack_exposure`` sums the attack access of
    the attackers on each lab.
    """
    labs, rng = model.labs, model.rng
    r_d = model.params.civil_society.discovery_rate
    r_a = model.params.malicious.discovery_rate
    h_d = r_d * AUDIT_ACCESS[labs.level] * auditors
    h_a = r_a * attack_exposure
    nday = rng.binomial(labs.known_vulns, -np.expm1(-NDAY * h_a))
    found = rng.binomial(labs.latent_vulns, -np.expm1(-(h_d + h_a)))
    total = h_d + h_a
    share_a = np.divide(h_a, total, out=np.zeros_like(total), where=total > 0)
    by_attackers = rng.binomial(found, share_a)
    labs.latent_vulns -= found
    labs.known_vulns += found
    patch_p = model.params.civil_society.patch_prob * PATCH_REACH[labs.level]
    patched = rng.binomial(labs.known_vulns, patch_p)
    labs.known_vulns -= patched
    by_defenders = found - by_attackers
    # an audit is clean when nothing it could see is left unpatched at the quarter's end
    audited = auditors > 0
    clean = audited & (labs.known_vulns == 0)
    labs.clean_audits = np.where(clean, labs.clean_audits + 1,
                                 np.where(audited, 0, labs.clean_audits))
    exploited = by_attackers + nday
    labs.incidents += exploited
    harm = model.params.malicious.exploit_harm * exploited
    traced = np.where(labs.level >= 3, model.params.regulation.attribution_open, 1.0)
    labs.harm_traced += harm * traced
    labs.harm_caused += harm
    model.step_harm += float(harm.sum())
    return RaceOutcome(found_by_defenders=by_defenders, exploited=exploited, patched=patched)
