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
unpatched, attackers exploit them with hazard ``nday_factor * h_A``, again in every quarter
they stay unpatched. A vulnerability counts as exploited once (``vulnerabilities_exploited``);
every exploitation, repeats included, is an incident that does harm (``exploit_events``).

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
from sim.streams import Draws, Stream
from sim.vocabulary import AUDIT_ACCESS, PATCH_REACH, Level


@dataclass
class RaceOutcome:
    """What the vulnerability race produced this quarter, per lab."""

    found_by_defenders: NDArray[np.int64]
    exploited: NDArray[np.int64]  # distinct vulnerabilities exploited for the first time
    exploit_events: NDArray[np.int64]  # exploitations, repeats of known ones included
    patched: NDArray[np.int64]
    harm: float = 0.0


def vulnerability_race(labs: LabStore, *, auditors: NDArray[np.int64],
                       exposure: NDArray[np.float64], defender_rate: float,
                       attacker_rate: float, patch_prob: float, nday_factor: float,
                       exploit_harm: float, attribution_open: float,
                       draws: Draws) -> RaceOutcome:
    """Discovery, exploitation, disclosure and patching for every lab.

    ``auditors`` counts auditors per lab; ``exposure`` sums the attack access of the
    attackers on each lab. A vulnerability counts as exploited once, the first time it is
    exploited; every exploitation (repeats of known, unpatched ones included) is an
    incident and does ``exploit_harm``.
    """
    n, level = labs.n, labs.release_level
    h_d = defender_rate * AUDIT_ACCESS[level] * auditors
    h_a = attacker_rate * exposure
    p_nday = -np.expm1(-nday_factor * h_a)
    fresh = labs.known_vulns - labs.exploited_known
    nday_new = draws.binomial(Stream.NDAY_EXPLOITS, n, fresh, p_nday)
    nday_repeat = draws.binomial(Stream.NDAY_REPEATS, n, labs.exploited_known, p_nday)
    found = draws.binomial(Stream.VULNERABILITIES_FOUND, n, labs.latent_vulns,
                           -np.expm1(-(h_d + h_a)))
    total = h_d + h_a
    share_a = np.divide(h_a, total, out=np.zeros_like(total), where=total > 0)
    by_attackers = draws.binomial(Stream.FOUND_BY_ATTACKERS, n, found, share_a)
    labs.latent_vulns -= found
    labs.known_vulns += found
    labs.exploited_known += by_attackers + nday_new
    patch_p = patch_prob * PATCH_REACH[level]
    patched_fresh = draws.binomial(Stream.PATCHES, n, labs.known_vulns - labs.exploited_known,
                                   patch_p)
    patched_exploited = draws.binomial(Stream.PATCHES_OF_EXPLOITED, n, labs.exploited_known,
                                       patch_p)
    labs.known_vulns -= patched_fresh + patched_exploited
    labs.exploited_known -= patched_exploited
    # an audit is clean when nothing it could see is left unpatched at the quarter's end
    audited = auditors > 0
    clean = audited & (labs.known_vulns == 0)
    labs.clean_audits = np.where(clean, labs.clean_audits + 1,
                                 np.where(audited, 0, labs.clean_audits))
    exploited = by_attackers + nday_new
    events = exploited + nday_repeat
    labs.incidents += events
    harm = exploit_harm * events
    traced = np.where(level >= Level.WEIGHTS, attribution_open, 1.0)
    labs.harm_traced += harm * traced
    labs.harm_caused += harm
    return RaceOutcome(found_by_defenders=found - by_attackers, exploited=exploited,
                       exploit_events=events, patched=patched_fresh + patched_exploited,
                       harm=float(harm.sum()))
