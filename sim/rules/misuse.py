"""Malicious actors: techniques, targets, misuse, deterrence, harm (ODD 7.11).

* **Techniques** diffuse over a sparse contact network with the network Bass kernel
  (own discovery ``technique_discovery``, learning ``technique_sharing``); an actor without
  a technique works at ``skill_without_technique`` of full effectiveness.
* **Target.** The marginal uplift of model ``j`` over the baseline technology is
  ``u_j = max(0, c_j - c_base(t))`` OOM (Kapoor et al. 2024); monitored access (hosted, API)
  blocks a share ``safeguards`` of attempts (more under liability), weights cost
  ``strip_cost`` to strip of safeguards. The actor's value of ``j`` is
  ``u_j (1 - g_j) - strip_j - sanction * d_j``, with ``d_j`` the chance of being caught
  (state enforcement, and provider monitoring for hosted and API use); targets are drawn
  by logit with sharpness ``target_beta``. Licence terms are ignored.
* **Attempt** with probability ``attempt_prob * logistic(target_beta * value)``:
  deterrence lowers it. An attempt succeeds unless blocked by safeguards; a caught actor is
  inactive for ``inactive_quarters`` and loses its technique.
* **Harm** of a success: ``harm_per_uplift * u_j * skill`` (marginal harm over the
  baseline). Attackers who probe a model also search it for vulnerabilities, with the
  access they have (:mod:`sim.rules.vulnerabilities`).

References
----------
.. [1] Kapoor, S., Bommasani, R., et al. (2024). On the societal impact of open foundation
   models. ICML.
.. [2] Becker, G. S. (1968). Crime and punishment: an economic approach. JPE 76(2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.kernels import bass_network_step
from sim.params import DiffusionParams, JurisdictionParams, MaliciousParams
from sim.state import LabStore, MaliciousStore
from sim.streams import Draws, Stream
from sim.vocabulary import ATTACK_ACCESS, MONITORED, SERVES_USERS, Level, logit_draw

TECHNIQUE_STREAM = 7  # the technique kernel's counter-based stream


@dataclass
class MisuseOutcome:
    """One quarter of malicious activity."""

    attempts: int = 0
    successes: int = 0
    caught: int = 0
    harm: float = 0.0
    #: attack access summed over the attackers on each lab (their vulnerability search)
    exposure: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


def safeguards(mp: MaliciousParams, liability: NDArray[np.float64]) -> NDArray[np.float64]:
    """Share of monitored attempts each lab's safeguards block (liability hardens them)."""
    g = mp.safeguards
    return g + (1.0 - g) * mp.liability_hardening * liability


def act(mal: MaliciousStore, labs: LabStore, mp: MaliciousParams, dif: DiffusionParams,
        t: int, *, key: int, baseline: float, liability: NDArray[np.float64],
        detection: NDArray[np.float64], attribution_open: float,
        reach: Callable[[NDArray[np.int64], NDArray[np.int64], Stream], NDArray[np.bool_]],
        draws: Draws) -> MisuseOutcome:
    """One quarter of technique sharing, target choice, attempts, harm and arrests.

    ``detection`` is the state's chance of detecting one attempt from each jurisdiction;
    ``liability`` each lab's liability share; ``reach(j)`` whether each lab's weights reach
    jurisdiction ``j``, drawn with the given chooser ids and stream. Actors are keyed by
    their index.
    """
    out = MisuseOutcome(exposure=np.zeros(labs.n))
    mal.target[:] = -1
    if mal.n == 0:
        return out
    bass_network_step(mal.knows_technique, mal.indptr, mal.indices, dif.technique_discovery,
                      dif.technique_sharing, key=key, step=t, stream=TECHNIQUE_STREAM,
                      substeps=1)
    active = np.flatnonzero(mal.inactive_until <= t)
    if labs.n == 0 or active.size == 0:
        return out
    n_jur = detection.shape[0]
    reached = reach(np.arange(n_jur), np.arange(n_jur), Stream.MISUSE_REACH)  # (J, L)
    level = labs.release_level
    monitored = np.where(reached, MONITORED[level][None, :], True)
    uplift = np.maximum(0.0, labs.capability - baseline)[None, :]
    guard = np.where(monitored, safeguards(mp, liability)[None, :], 0.0)
    detect = 1.0 - (1.0 - detection[:, None]) * (1.0 - mp.monitoring * monitored)
    value = uplift * (1.0 - guard) - mp.strip_cost * ~monitored - mp.sanction * detect
    value = np.where(SERVES_USERS[level][None, :], value, -np.inf)
    if not np.isfinite(value).any():
        return out
    jur = mal.jurisdiction[active]
    util = np.full(value[jur].shape, -np.inf)  # not allowed stays -inf, even if beta is 0
    np.multiply(mp.target_beta, value[jur], out=util, where=np.isfinite(value[jur]))
    target = logit_draw(np.where(np.isfinite(util), util, -1e300),
                        draws.uniform(Stream.MISUSE_TARGET, active))
    v_t = value[jur, target]
    p_try = mp.attempt_prob / (1.0 + np.exp(-np.clip(mp.target_beta * v_t, -700, 700)))
    tries = np.isfinite(v_t) & (draws.uniform(Stream.MISUSE_TRY, active) < p_try)
    who, tgt, j = active[tries], target[tries], jur[tries]
    mal.target[who] = tgt
    success = draws.uniform(Stream.MISUSE_SUCCESS, who) >= guard[j, tgt]
    caught = draws.uniform(Stream.MISUSE_CAUGHT, who) < detect[j, tgt]
    s0 = mp.skill_without_technique
    skill = s0 + (1.0 - s0) * mal.knows_technique[who]
    harm = mp.harm_per_uplift * uplift[0, tgt] * skill * success
    traced = np.where(monitored[j, tgt], 1.0, attribution_open)
    np.add.at(labs.harm_traced, tgt, harm * traced)
    np.add.at(labs.harm_caused, tgt, harm)
    # attackers who probe a model search it for vulnerabilities, with the access they have
    used = np.where(monitored[j, tgt], np.minimum(level[tgt], Level.API), level[tgt])
    out.exposure = np.bincount(tgt, weights=ATTACK_ACCESS[used],
                               minlength=labs.n).astype(np.float64)
    out.harm = float(harm.sum())
    mal.inactive_until[who[caught]] = t + mp.inactive_quarters
    mal.knows_technique[who[caught]] = 0
    out.attempts, out.successes, out.caught = int(who.size), int(success.sum()), int(caught.sum())
    return out


def relocate(mal: MaliciousStore, jur: JurisdictionParams, mp: MaliciousParams,
             detection: NDArray[np.float64], draws: Draws) -> None:
    """Actors drift toward jurisdictions where detection is least likely."""
    if mal.n == 0 or jur.n == 1:
        return
    movers = np.flatnonzero(draws.below(Stream.ACTOR_MOVES, mal.n, mp.relocation_prob))
    if movers.size == 0:
        return
    stay = np.arange(jur.n)[None, :] == mal.jurisdiction[movers][:, None]
    util = -mp.sanction * detection[None, :] - jur.relocation_cost * ~stay
    mal.jurisdiction[movers] = logit_draw(util, draws.uniform(Stream.ACTOR_DESTINATION, movers))
