"""Malicious actors: technique sharing, target choice, misuse, deterrence, relocation.

Rules (parameters in :class:`sim.params.MaliciousParams`):

* **Techniques** diffuse over a sparse contact network with the network Bass kernel
  (own discovery ``technique_discovery``, learning ``technique_sharing``); knowing one
  doubles an actor's effectiveness (skill 0.5 -> 1).
* **Target.** The marginal uplift of model ``j`` over the baseline technology is
  ``u_j = max(0, c_j - c_base(t))`` OOM (Kapoor et al. 2024); monitored access (hosted, API)
  blocks a share ``safeguards`` of attempts (more under liability), weights cost
  ``strip_cost`` to strip of safeguards. The actor's value of ``j`` is
  ``u_j (1 - g_j) - strip_j - sanction * d_j``, with ``d_j`` the chance of being caught
  (state enforcement, and provider monitoring for hosted and API use); targets are drawn
  by logit with sharpness ``target_beta``. Licence terms are ignored.
* **Attempt** with probability ``attempt_prob * logistic(target_beta * value)``:
  deterrence lowers it. An attempt succeeds unless blocked by safeguards; a caught actor is
  inactive for a year and loses its technique.
* **Harm** of a success: ``harm_per_uplift * u_j * skill`` (marginal harm over the
  baseline).
* **Relocation** toward jurisdictions with weak enforcement, by logit.

References
----------
.. [1] Kapoor, S., Bommasani, R., et al. (2024). On the societal impact of open foundation
   models. ICML.
.. [2] Becker, G. S. (1968). Crime and punishment: an economic approach. JPE 76(2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.base import ArrayAgent, Column
from sim.agents.governments import detection_probability, draw_jurisdictions
from sim.agents.labs import logit_draw
from sim.kernels import bass_network_step
from sim.networks import random_graph
from sim.regimes.release import ATTACK_ACCESS, MONITORED, SERVES_USERS, Level

if TYPE_CHECKING:
    from sim.model import EcosystemModel
    from sim.params import Params

INACTIVE_QUARTERS = 4
TECHNIQUE_STREAM = 7


class MaliciousStore:
    """Arrays of the malicious actors and their contact network."""

    def __init__(self, params: Params, rng: np.random.Generator) -> None:
        n = params.population.n_malicious
        self.n = n
        self.jurisdiction = draw_jurisdictions(params, rng, n)
        self.knows = np.zeros(n, dtype=np.uint8)
        self.target = np.full(n, -1, dtype=np.int64)
        self.inactive_until = np.zeros(n, dtype=np.int64)
        self.indptr, self.indices = random_graph(n, params.diffusion.malicious_degree, rng)


class MaliciousActor(ArrayAgent):
    """A malicious actor (a view on one row of :class:`MaliciousStore`)."""

    store_name = "malicious"
    jurisdiction = Column("jurisdiction index")
    knows = Column("knows a misuse technique")
    target = Column("lab whose model it used this quarter, -1 if none")


def safeguard_strength(model: EcosystemModel) -> np.ndarray:
    """Share of monitored attempts each lab's safeguards block (liability hardens them)."""
    g = model.params.malicious.safeguards
    liab = model.regulation.liability_share(model)
    return g + (1.0 - g) * 0.5 * liab


def act(model: EcosystemModel) -> dict[str, int]:
    """One quarter of malicious activity; returns attempts, successes and arrests."""
    mal, labs, mp = model.malicious, model.labs, model.params.malicious
    out = {"attempts": 0, "successes": 0, "caught": 0}
    mal.target[:] = -1
    model.attack_exposure = np.zeros(labs.n)
    if mal.n == 0:
        return out
    dif = model.params.diffusion
    bass_network_step(mal.knows, mal.indptr, mal.indices, dif.technique_discovery,
                      dif.technique_sharing, key=model.kernel_key, step=model.steps,
                      stream=TECHNIQUE_STREAM, substeps=1)
    active = np.flatnonzero(mal.inactive_until <= model.steps)
    if labs.n == 0 or active.size == 0:
        return out
    rng = model.rng
    n_jur = model.params.jurisdictions.n
    reach = model.weights_reach(np.arange(n_jur))  # (J, L)
    monitored = np.where(reach, MONITORED[labs.level][None, :], True)
    uplift = np.maximum(0.0, labs.capability - model.baseline_capability)[None, :]
    guard = np.where(monitored, safeguard_strength(model)[None, :], 0.0)
    d_state = detection_probability(model, np.arange(n_jur))[:, None]
    detect = 1.0 - (1.0 - d_state) * (1.0 - mp.monitoring * monitored)
    value = uplift * (1.0 - guard) - mp.strip_cost * ~monitored - mp.sanction * detect
    value = np.where(SERVES_USERS[labs.level][None, :], value, -np.inf)
    if not np.isfinite(value).any():
        return out
    jur = mal.jurisdiction[active]
    util = mp.target_beta * value[jur]
    target = logit_draw(np.where(np.isfinite(util), util, -1e300), rng)
    v_t = value[jur, target]
    p_try = mp.attempt_prob / (1.0 + np.exp(-np.clip(mp.target_beta * v_t, -700, 700)))
    tries = np.isfinite(v_t) & (rng.random(active.size) < p_try)
    who, tgt, j = active[tries], target[tries], jur[tries]
    mal.target[who] = tgt
    success = rng.random(who.size) >= guard[j, tgt]
    caught = rng.random(who.size) < detect[j, tgt]
    skill = 0.5 + 0.5 * mal.knows[who]
    harm = mp.harm_per_uplift * uplift[0, tgt] * skill * success
    traced = np.where(monitored[j, tgt], 1.0, model.params.regulation.attribution_open)
    np.add.at(labs.harm_traced, tgt, harm * traced)
    np.add.at(labs.harm_caused, tgt, harm)
    # attackers who probe a model search it for vulnerabilities, with the access they have
    level = np.where(monitored[j, tgt], np.minimum(labs.level[tgt], Level.API), labs.level[tgt])
    model.attack_exposure = np.bincount(tgt, weights=ATTACK_ACCESS[level],
                                        minlength=labs.n).astype(np.float64)
    model.step_harm += float(harm.sum())
    mal.inactive_until[who[caught]] = model.steps + INACTIVE_QUARTERS
    mal.knows[who[caught]] = 0
    out.update(attempts=int(who.size), successes=int(success.sum()), caught=int(caught.sum()))
    return out


def relocate(model: EcosystemModel) -> None:
    """Actors drift toward jurisdictions where detection is least likely."""
    mal, jur, mp = model.malicious, model.params.jurisdictions, model.params.malicious
    if mal.n == 0 or jur.n == 1:
        return
    movers = np.flatnonzero(model.rng.random(mal.n) < mp.relocation_prob)
    if movers.size == 0:
        return
    d = detection_probability(model, np.arange(jur.n))
    stay = np.arange(jur.n)[None, :] == mal.jurisdiction[movers][:, None]
    util = -mp.sanction * d[None, :] - jur.relocation_cost * ~stay
    mal.jurisdiction[movers] = logit_draw(util, model.rng)
