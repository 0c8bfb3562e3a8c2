"""The vulnerability race between auditors and attackers, "many eyes" (ODD 7.10).

Each lab's current model holds ``V`` latent vulnerabilities. In a quarter, one latent
vulnerability is found by defenders with hazard ``h_D = r_D a_D(level) n_D`` and by attackers
with ``h_A = r_A sum_k a_A(level_k)`` (``r``: discovery rates per searcher with full access,
``a``: access at the release level, ``n_D``: auditors on the lab; the sum runs over the
attackers who tried the lab's model this quarter, each with the access it had: the API for
one whose weights export controls withheld). It is found with probability
``1 - exp(-(h_D + h_A))``, by an attacker first with probability ``h_A / (h_D + h_A)``;
attacker finds are exploited. Found vulnerabilities become known and are patched with
probability ``patch_prob`` times the patch reach of the level each quarter; while known and
unpatched, attackers exploit them with hazard ``nday_factor * h_A``.

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

import numpy as np
from numpy.typing import NDArray

from sim.state import LabStore
from sim.vocabulary import AUDIT_ACCESS, PATCH_REACH, Level


@dataclass
class RaceOutcome:
    """What the vulnerability race produced this quarter, per lab."""

    found_by_defenders: NDArray[np.int64]
    exploited: NDArray[np.int64]
    patched: NDArray[np.int64]
    harm: float = 0.0


def vulnerability_race(labs: LabStore, *, auditors: NDArray[np.int64],
                       exposure: NDArray[np.float64], defender_rate: float,
                       attacker_rate: float, patch_prob: float, nday_factor: float,
                       exploit_harm: float, attribution_open: float,
                       rng: np.random.Generator) -> RaceOutcome:
    """Discovery, exploitation, disclosure and patching for every lab.

    ``auditors`` counts auditors per lab; ``exposure`` sums the attack access of the
    attackers on each lab.
    """
    level = labs.release_level
    h_d = defender_rate * AUDIT_ACCESS[level] * auditors
    h_a = attacker_rate * exposure
    nday = rng.binomial(labs.known_vulns, -np.expm1(-nday_factor * h_a))
    found = rng.binomial(labs.latent_vulns, -np.expm1(-(h_d + h_a)))
    total = h_d + h_a
    share_a = np.divide(h_a, total, out=np.zeros_like(total), where=total > 0)
    by_attackers = rng.binomial(found, share_a)
    labs.latent_vulns -= found
    labs.known_vulns += found
    patched = rng.binomial(labs.known_vulns, patch_prob * PATCH_REACH[level])
    labs.known_vulns -= patched
    by_defenders = found - by_attackers
    # an audit is clean when nothing it could see is left unpatched at the quarter's end
    audited = auditors > 0
    clean = audited & (labs.known_vulns == 0)
    labs.clean_audits = np.where(clean, labs.clean_audits + 1,
                                 np.where(audited, 0, labs.clean_audits))
    exploited = by_attackers + nday
    labs.incidents += exploited
    harm = exploit_harm * exploited
    traced = np.where(level >= Level.WEIGHTS, attribution_open, 1.0)
    labs.harm_traced += harm * traced
    labs.harm_caused += harm
    return RaceOutcome(found_by_defenders=by_defenders, exploited=exploited, patched=patched,
                       harm=float(harm.sum()))
