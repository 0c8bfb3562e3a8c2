"""The ecosystem model: a quarter of the AI ecosystem as an ordered list of phases.

Decision makers (labs, startups, governments, civil society, malicious actors) are Mesa
agents whose state lives in per-type arrays; the end users are arrays driven by Numba
kernels. Each call to :meth:`EcosystemModel.step` runs, in this order:

1. governments review policy (adaptive rule, harmonisation);
2. labs invest and grow, choose release levels and prices;
3. startups enter, are acquired, set quality and prices;
4. users adopt (Bass) and choose providers (logit market); money flows upstream;
5. civil society picks audit targets; malicious actors share techniques and act;
6. the vulnerability race; disasters, inspections and strategy imitation;
7. accounts settle (costs, liability), broke startups exit;
8. trust, capacity programmes and advocacy; labs and actors relocate;
9. outcomes are recorded.

Invariants (checked by the contract tests): users are conserved; shares lie in [0, 1] and
sum to 1 over providers with users; no outcome is NaN or infinite; counts are
non-negative; cash held equals the opening cash plus the booked flows (`sim.ledger`); the
same parameters and seed give the same outcomes.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import mesa
import numpy as np
from numpy.typing import NDArray

from sim import metrics
from sim.agents import civil_society, governments, labs, malicious, startups
from sim.agents.base import ArrayAgent
from sim.agents.civil_society import CivilSocietyOrg, CivilSocietyStore
from sim.agents.governments import Government, GovernmentStore
from sim.agents.labs import Lab, LabStore
from sim.agents.malicious import MaliciousActor, MaliciousStore
from sim.agents.startups import Startup, StartupStore
from sim.kernels import bass_meanfield_step, bass_network_step, market_step, spillover
from sim.ledger import Ledger
from sim.networks import csr_from_edges
from sim.params import Params, validate
from sim.regimes import make_openness, make_regulation
from sim.regimes.regulation import BINDING_STRINGENCY
from sim.regimes.release import (
    ATTACK_ACCESS,
    CONTRIBUTION_VISIBILITY,
    DEPTH,
    MONITORED,
    SERVES_USERS,
    SPILL_OPENNESS,
    USER_OPENNESS,
    Level,
)
from sim.security import vulnerability_race
from sim.seeding import SeedLike, seed_sequence
from sim.users import UserPopulation

MARKET_STREAM, ADOPTION_STREAM = 1, 2
HARM_MEMORY = 0.25  # weight of the newest quarter in the running harm-by-level estimate
UNAVAILABLE = -1e9  # utility of a provider that does not serve users


class EcosystemModel(mesa.Model):
    """Open versus closed AI ecosystem under an openness and a regulation regime.

    Parameters
    ----------
    params : Params, optional
        The scenario; defaults to ``Params()``. Validated on construction.
    rng : int, numpy.random.SeedSequence or numpy.random.Generator, optional
        Source of randomness (SPEC 7). Defaults to ``params.run.seed``.
    """

    def __init__(self, params: Params | None = None, *, rng: SeedLike = None) -> None:
        params = validate(params if params is not None else Params())
        self.seed_seq = seed_sequence(params.run.seed if rng is None else rng)
        agents_ss, kernel_ss = self.seed_seq.spawn(2)
        super().__init__(rng=np.random.default_rng(agents_ss))
        self.params = params
        self.kernel_key = int(kernel_ss.generate_state(1, dtype=np.uint64)[0])
        self.openness = make_openness(params.openness)
        self.regulation = make_regulation(params.regulation)
        rng_ = self.rng
        self.users = UserPopulation(params, rng_)
        self.labs = LabStore(params, rng_, self.openness.initial_levels(params.population.n_labs))
        self.startups = StartupStore(params)
        self.governments = GovernmentStore(params)
        self.civil = CivilSocietyStore(params, rng_)
        self.malicious = MaliciousStore(params, rng_)
        self.counters: Counter[str] = Counter()
        self.step_harm = 0.0
        self.last_harm = 0.0
        self.last_harm_per_user = 0.0
        self.contributor_revenue = 0.0
        self.attack_exposure = np.zeros(self.labs.n)
        self.harm_by_level = np.zeros(len(Level))
        self.harm_seen_by_level = np.zeros(len(Level), dtype=bool)
        self._org_src = np.zeros(0, dtype=np.int64)
        self._org_dst = np.zeros(0, dtype=np.int64)
        self._spill: NDArray[np.float64] | None = None
        self._startup_agents: dict[int, Startup] = {}
        self.closed_frontier_history: list[float] = []
        self.history: list[dict[str, Any]] = []
        self.agent_records: list[dict[str, NDArray]] = []
        self.ledger = Ledger()
        self._create_agents()
        self._link_labs()
        if params.population.n_startups:
            startups.enter(self, k=params.population.n_startups)
        st = self.startups
        self.ledger = Ledger.open(np.concatenate([self.labs.cash, st.cash[st.live()]]))
        self.closed_frontier_history.append(metrics.closed_frontier(self))

    # -- pickling (checkpoints) ---------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        counter = ArrayAgent._ids[self]
        next_id = next(counter)
        ArrayAgent._ids[self] = itertools.count(next_id)  # reading it must not use an id
        state["_next_agent_id"] = next_id
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        next_id = state.pop("_next_agent_id", 1)
        self.__dict__.update(state)
        ArrayAgent._ids[self] = itertools.count(next_id)

    # -- construction -------------------------------------------------------------------
    def _create_agents(self) -> None:
        self.agent_ids: dict[str, NDArray[np.int64]] = {}
        for kind, cls, n in (("lab", Lab, self.labs.n),
                             ("government", Government, self.governments.n),
                             ("civil_society", CivilSocietyOrg, self.civil.n),
                             ("malicious", MaliciousActor, self.malicious.n)):
            self.agent_ids[kind] = np.fromiter(
                (cls(self, row).unique_id for row in range(n)), dtype=np.int64, count=n)

    def _link_labs(self) -> None:
        n = self.labs.n
        if n > 1:
            src, dst = np.triu_indices(n, k=1)
            self._add_edges(src, dst)

    def _add_edges(self, src: NDArray, dst: NDArray) -> None:
        self._org_src = np.concatenate([self._org_src, src, dst]).astype(np.int64)
        self._org_dst = np.concatenate([self._org_dst, dst, src]).astype(np.int64)

    def on_startups_created(self, rows: NDArray[np.int64]) -> None:
        """Register views of new startups and link them into the organisation network."""
        for row in rows:
            agent = Startup(self, int(row))
            self._startup_agents[int(row)] = agent
            self.startups.agent_id[row] = agent.unique_id
        n_labs, degree = self.labs.n, self.params.diffusion.org_degree
        nodes = n_labs + rows
        src = [nodes, ]
        dst = [self.startups.base[rows]]
        if degree > 0:
            pool = n_labs + self.startups.size
            src.append(np.repeat(nodes, degree))
            dst.append(self.rng.integers(0, pool, size=rows.size * degree))
        s, d = np.concatenate(src), np.concatenate(dst)
        keep = s != d
        self._add_edges(s[keep], d[keep])

    def remove_startup(self, row: int, acquirer: int | None) -> None:
        """Take a startup off the market; its users go to ``acquirer`` or choose again."""
        st = self.startups
        self.ledger.book("exits", -st.cash[row])
        st.alive[row] = False
        st.redirect[row] = -1 if acquirer is None else acquirer
        agent = self._startup_agents.pop(row, None)
        if agent is not None:
            agent.remove()

    # -- shared quantities ---------------------------------------------------------------
    @property
    def baseline_capability(self) -> float:
        """Capability of the non-AI baseline technology this quarter (log10 FLOP)."""
        mp = self.params.malicious
        return mp.baseline_capability + mp.baseline_growth * self.steps

    def weights_reach(self, jurisdiction: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Whether each lab's weights reach an actor in each given jurisdiction (k, L)."""
        labs, reg = self.labs, self.params.regulation
        has = (labs.level >= Level.WEIGHTS)[None, :]
        if not reg.export_controls:
            return np.broadcast_to(has, (len(jurisdiction), labs.n)).copy()
        strict = (self.governments.effective[labs.jurisdiction] >= BINDING_STRINGENCY)[None, :]
        same = jurisdiction[:, None] == labs.jurisdiction[None, :]
        leak = self.rng.random((len(jurisdiction), labs.n)) < reg.export_leak
        return has & (~strict | same | leak)

    def expected_liability_per_level(self) -> NDArray[np.float64]:
        """Liability (mu per quarter) each lab expects at each release level, shape (L, 5).

        Its own liability share, times the harm done with one lab's model at that level
        (a running mean of what labs at that level caused; for a level no lab has used yet,
        the mean harm per lab scaled by the level's misuse exposure), times the share of
        that harm traced to a provider at that level.
        """
        share = self.regulation.liability_share(self)
        attribution = np.where(np.arange(len(Level)) >= Level.WEIGHTS,
                               self.params.regulation.attribution_open, 1.0)
        return (share[:, None] * self._harm_estimate()[None, :]) * attribution[None, :]

    def _harm_estimate(self) -> NDArray[np.float64]:
        mp, lb = self.params.malicious, self.labs
        exposure = ATTACK_ACCESS * (1.0 - mp.safeguards * MONITORED)
        observed = self.harm_by_level[self.harm_seen_by_level]
        mean_exposure = exposure[lb.level].mean() if lb.n else 0.0
        if observed.size and mean_exposure > 0:
            prior = float(observed.mean()) * exposure / mean_exposure
        else:
            prior = np.zeros(len(Level))
        return np.where(self.harm_seen_by_level, self.harm_by_level, prior)

    def org_spillover(self) -> NDArray[np.float64]:
        """Spill-over each organisation can absorb this quarter (labs first, then startups).

        Computed once per quarter from the state at its start; organisations that entered
        since then absorb nothing until the next quarter.
        """
        if self._spill is None:
            self._spill = self._compute_spillover()
        missing = self.labs.n + self.startups.size - self._spill.shape[0]
        if missing > 0:
            self._spill = np.concatenate([self._spill, np.zeros(missing)])
        return self._spill

    def _compute_spillover(self) -> NDArray[np.float64]:
        labs, st = self.labs, self.startups
        n = labs.n + st.size
        # a startup's know-how is its base model plus its skill; its niche bonus is not
        # frontier knowledge (and counting it would let labs learn from their own derivatives)
        size = st.size if labs.n else 0
        st_level = labs.capability[st.base[:size]] + st.skill[:size]
        level = np.concatenate([labs.capability, st_level])
        lic = self.openness.licence
        st_open = np.where(st.mode[: st.size] == startups.WEIGHTS,
                           0.6 if lic.copyleft else 0.3, 0.05)
        openness = np.concatenate([SPILL_OPENNESS[labs.level], st_open])
        alive = np.concatenate([np.ones(labs.n, bool), st.alive[: st.size]])
        jur = np.concatenate([labs.jurisdiction, st.jurisdiction[: st.size]])
        s, d = self._org_src, self._org_dst
        keep = alive[s] & alive[d]
        s, d = s[keep], d[keep]
        indptr, indices = csr_from_edges(n, s, d)
        deg = np.diff(indptr)
        w = 1.0 / np.maximum(deg, 1)[np.repeat(np.arange(n), deg)]
        if self.params.regulation.export_controls:
            nbr = indices.astype(np.int64)
            src = np.repeat(np.arange(n), deg)
            strict = self.governments.effective[jur[nbr]] >= BINDING_STRINGENCY
            w = np.where(strict & (jur[nbr] != jur[src]), w * self.params.regulation.export_leak, w)
        return spillover(indptr, indices, w, level, openness)

    # -- the step -----------------------------------------------------------------------
    def step(self) -> None:
        """Advance the ecosystem by one quarter."""
        self.step_harm, self.contributor_revenue, self._spill = 0.0, 0.0, None
        self.counters = Counter()
        self.ledger.new_step()
        incidents_before = self.labs.incidents.copy()
        governments.review(self)
        labs.invest_and_grow(self)
        labs.decide_release(self)
        labs.set_prices(self)
        self.counters["startup_entries"] = startups.enter(self)
        self.counters["acquisitions"] = startups.acquire(self)
        orphans = startups.drop_orphans(self)
        startups.update_quality_and_prices(self)
        self.adopt()
        market = self.trade()
        auditors = civil_society.choose_targets(self)
        misuse = malicious.act(self)
        race = vulnerability_race(self, auditors, self.attack_exposure)
        self.counters["disasters"] = labs.race_step(self)
        self.settle_accounts()
        self.counters["startup_exits"] = startups.settle(self) + orphans
        harm_pu = self.step_harm / self.params.market.market_size
        civil_society.update_trust(self, auditors, harm_pu)
        civil_society.advocate(self, harm_pu)
        self.users.raise_capacity(civil_society.capacity_per_niche(self), self.public_capacity())
        incident = self.labs.incidents > incidents_before
        self.labs.clean_quarters = np.where(incident, 0, self.labs.clean_quarters + 1)
        labs.relocate(self)
        malicious.relocate(self)
        self.last_harm, self.last_harm_per_user = self.step_harm, harm_pu
        self.closed_frontier_history.append(metrics.closed_frontier(self))
        self.history.append(metrics.outcomes(self, market, misuse, race))
        if self.steps % self.params.run.record_every == 0:
            self.agent_records.append(metrics.agent_snapshot(self))

    def adopt(self) -> None:
        """Bass adoption of AI in the user population, paced by public trust."""
        dif, users = self.params.diffusion, self.users
        factor = max(0.0, 1.0 + dif.trust_effect * (self.civil.trust - 0.5))
        p, q = dif.bass_p * factor, dif.bass_q * factor
        if dif.variant == "network":
            assert users.indptr is not None and users.indices is not None
            bass_network_step(users.adopted, users.indptr, users.indices, p, q,
                              key=self.kernel_key, step=self.steps, stream=ADOPTION_STREAM,
                              substeps=dif.substeps)
        else:
            bass_meanfield_step(users.adopted, p, q, key=self.kernel_key, step=self.steps,
                                stream=ADOPTION_STREAM)

    def provider_arrays(self) -> tuple[dict[str, NDArray], NDArray[np.int32], NDArray[np.int32]]:
        """Per-provider arrays for the market kernel and the niche lists (CSR)."""
        lb, st, mkt = self.labs, self.startups, self.params.market
        size = st.size
        front = lb.capability.max() if lb.n else 0.0
        serving = SERVES_USERS[lb.level]
        weights = st.mode[:size] == startups.WEIGHTS
        quality = np.concatenate([lb.capability - front, st.quality[:size] - front])
        users_total = max(1, self.users.n)
        all_users = np.concatenate([lb.users, st.users[:size]])
        lognet = mkt.network_effect * np.log(all_users / users_total + 1e-3)
        lognet[: lb.n] = np.where(serving, lognet[: lb.n], UNAVAILABLE)  # whatever the taste
        lab_redirect = np.where(serving, np.arange(lb.n), -1)
        acquirer = st.redirect[:size]
        if lb.n:
            acquirer = np.where(acquirer >= 0, lab_redirect[np.maximum(acquirer, 0)], -1)
        st_redirect = np.where(st.alive[:size], lb.n + np.arange(size), acquirer)
        providers = {
            "quality": quality,
            "price": np.concatenate([lb.price, st.price[:size]]),
            "openness": np.concatenate([USER_OPENNESS[lb.level],
                                        np.where(weights, 0.75, 0.25)]),
            "lognet": lognet,
            "depth": np.concatenate([DEPTH[lb.level], np.where(weights, 1.0, 0.6)]),
            "redirect": np.concatenate([lab_redirect, st_redirect]).astype(np.int32),
        }
        live = st.live()
        order = np.argsort(st.niche[live], kind="stable")
        counts = np.bincount(st.niche[live], minlength=self.params.population.n_niches)
        niche_ptr = np.zeros(len(counts) + 1, dtype=np.int32)
        np.cumsum(counts, out=niche_ptr[1:])
        niche_idx = (lb.n + live[order]).astype(np.int32)
        return providers, niche_ptr, niche_idx

    def trade(self) -> Any:
        """The logit market, then revenue, fees upstream and community contributions."""
        lb, st, mkt = self.labs, self.startups, self.params.market
        providers, niche_ptr, niche_idx = self.provider_arrays()
        result = market_step(
            self.users.kernel_arrays(), providers, n_general=lb.n, niche_ptr=niche_ptr,
            niche_idx=niche_idx, reconsider_prob=mkt.reconsider_prob,
            outside_utility=mkt.outside_utility, key=self.kernel_key, step=self.steps,
            stream=MARKET_STREAM)
        counts, size = result.counts, st.size
        access = max(1, result.access)
        per_user = mkt.market_size / max(1, self.users.n)
        lb.users = counts[: lb.n].copy()
        lb.share = lb.users / access
        lb.revenue = lb.price * lb.users * per_user
        st.users[:size] = counts[lb.n: lb.n + size]
        st.share[:size] = st.users[:size] / access
        st.revenue[:size] = st.price[:size] * st.users[:size] * per_user
        self.ledger.book("user_payments", lb.revenue)
        self.ledger.book("user_payments", st.revenue[st.live()])
        self._pay_upstream()
        self._contributions()
        return result

    def _pay_upstream(self) -> None:
        lb, st = self.labs, self.startups
        live = st.live()
        fees = st.fee_share[live] * st.revenue[live]
        to_contrib = np.where(st.mode[live] == startups.WEIGHTS,
                              self.params.openness.contributor_share, 0.0) * fees
        np.add.at(lb.revenue, st.base[live], fees - to_contrib)
        self.contributor_revenue = float(to_contrib.sum())
        self.ledger.book("contributors", -to_contrib)
        self._contrib_paid = np.bincount(st.base[live], weights=to_contrib, minlength=lb.n)
        st.cash[live] += st.revenue[live] - fees

    def _contributions(self) -> None:
        """Community contributions to open models (Lerner & Tirole 2002)."""
        lb, st, op = self.labs, self.startups, self.params.openness
        live = st.live()
        derived = np.bincount(st.base[live], weights=st.share[live] * (st.mode[live] == 2),
                              minlength=lb.n)
        impact = lb.share + derived
        visibility = CONTRIBUTION_VISIBILITY[lb.level] * self.openness.licence.visibility
        paid = np.log1p(self._contrib_paid)
        lb.contributions = op.contribution_rate * visibility * np.sqrt(impact) * (1.0 + paid)

    def settle_accounts(self) -> None:
        """Lab revenue in; marginal, fixed and liability costs out; harm by level learned.

        Compliance is paid out of investment (:func:`sim.agents.labs.invest_and_grow`).
        A lab's profit, the payoff of strategy imitation, leaves investor capital out.
        """
        lb, mkt, lp = self.labs, self.params.market, self.params.labs
        per_user = mkt.market_size / max(1, self.users.n)
        served = lb.users * per_user * mkt.marginal_cost
        liability = self.regulation.liability_share(self) * lb.harm_traced
        lb.profit = lb.revenue - served - lp.fixed_cost - liability
        lb.cash = lb.cash + lb.profit
        st = self.startups
        live = st.live()
        st_served = st.users[live] * per_user * mkt.marginal_cost
        st.cash[live] -= st_served
        book = self.ledger.book
        book("serving_costs", -served)
        book("serving_costs", -st_served)
        book("fixed_costs", -lp.fixed_cost * lb.n)
        book("liability", -liability)
        self._learn_harm_by_level()
        lb.harm_traced[:] = 0.0
        lb.harm_caused[:] = 0.0

    def _learn_harm_by_level(self) -> None:
        """Running mean of the harm done with one lab's model per quarter, by release level."""
        lb = self.labs
        for level in np.unique(lb.level):
            at = lb.level == level
            seen = float(lb.harm_caused[at].mean())
            if self.harm_seen_by_level[level]:
                self.harm_by_level[level] += HARM_MEMORY * (seen - self.harm_by_level[level])
            else:
                self.harm_by_level[level] = seen
                self.harm_seen_by_level[level] = True

    def public_capacity(self) -> NDArray[np.float64]:
        """Capacity governments fund per jurisdiction this quarter."""
        rate = self.params.regulation.capacity_programmes
        return rate * np.minimum(self.governments.effective, 1.0)

    def views(self, cls: type[ArrayAgent]) -> list[ArrayAgent]:
        """The Mesa agents of one type, in creation order."""
        return list(self.agents_by_type[cls]) if cls in self.agents_by_type else []

