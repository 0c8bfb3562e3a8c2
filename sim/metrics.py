"""Outcomes: one row of the per-step metrics table, and per-agent snapshots.

Every column of :data:`OUTCOMES` is documented there with its unit and formula; the same
table is rendered in ``README.md`` and ``docs/ODD.md``. Firms are labs and live startups;
a firm's user share is its users over all users holding a provider.

Concentration of an empty market is undefined, not zero (zero would read as perfect
competition): ``hhi``, ``cr4`` and ``mean_price`` are NaN in a quarter where no user holds a
provider, which ``market_empty`` flags; ``hhi_api``, ``hhi_open`` and ``hhi_upstream`` are
NaN when their own layer is empty (no lab serving closed models has users, no open firm has
users, no startup is alive), and ``compute_cr4`` when nobody holds compute. Summaries and
reports average such columns over the quarters and runs where they are defined.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sim.agents.startups import WEIGHTS as WEIGHTS_MODE
from sim.regimes.release import Level

if TYPE_CHECKING:
    from sim.kernels import MarketResult
    from sim.model import EcosystemModel
    from sim.security import RaceOutcome

PRIOR_GROWTH = 0.15  # OOM/quarter: frontier growth assumed before t=0 (about 4x a year)

#: name -> (unit, formula)
OUTCOMES: dict[str, tuple[str, str]] = {
    "step": ("quarter", "quarters since the start (1 = first quarter)"),
    "seed": ("-", "entropy of the run's SeedSequence"),
    "replicate": ("-", "replicate index (the SeedSequence spawn key), 0 for a single run"),
    "market_empty": ("flag", "no user holds a provider this quarter (hhi, cr4 and mean_price "
                     "are then NaN)"),
    "hhi": ("0-10000", "sum over firms of (100 x user share)^2; NaN if no user holds a "
            "provider"),
    "cr4": ("share", "user share of the four largest firms; NaN if no user holds a provider"),
    "hhi_api": ("0-10000", "HHI of users among labs serving closed models (hosted or API "
                "level): the frontier API layer; NaN if none of them has users"),
    "hhi_open": ("0-10000", "HHI of users among firms serving open weights: labs at level "
                 ">= 3 and startups built on weights; NaN if none of them has users"),
    "hhi_upstream": ("0-10000", "HHI of live startups' base-model labs (count shares); NaN "
                     "if no startup is alive"),
    "gini_capability": ("0-1", "Gini of labs' capability above the baseline, max(0, c - c_base)"),
    "frontier_capability": ("log10 FLOP", "max over labs of capability"),
    "open_frontier_gap": ("quarters", "quarters since the closed frontier stood at today's "
                          "open frontier (best weights model, or the baseline if none)"),
    "startups_alive": ("count", "live startups at the end of the quarter"),
    "startup_entries": ("count/quarter", "startups that entered this quarter"),
    "startup_exits": ("count/quarter", "startups that ran out of cash this quarter"),
    "acquisitions": ("count/quarter", "startups bought by labs this quarter"),
    "misuse_attempts": ("count/quarter", "misuse attempts by malicious actors"),
    "harm": ("harm units/quarter", "misuse harm + exploited vulnerabilities x exploit_harm "
             "+ disasters x disaster_harm"),
    "vulnerabilities_open": ("count", "known, unpatched vulnerabilities at the end of the quarter"),
    "vulnerabilities_patched": ("count/quarter", "vulnerabilities patched this quarter"),
    "vulnerabilities_exploited": ("count/quarter", "vulnerabilities exploited this quarter"),
    "trust": ("0-1", "public trust in AI"),
    "access_share": ("share", "users holding a provider / all users"),
    "meaningful_access": ("0-1", "mean over users of [holds a provider] x capacity x depth "
                          "of the provider's release"),
    "consumer_surplus": ("price units/user-quarter",
                         "mean over users of the logit log-sum surplus over the outside option"),
    "welfare": ("price units/user-quarter", "consumer_surplus + (users' payments to firms "
                "- serving cost - harm) / market_size; fees between firms are transfers"),
    "contributions": ("contributions/quarter", "community contributions to open models"),
    "contributor_revenue": ("mu/quarter", "licence fees that reach contributors"),
    "safe_share": ("share", "labs racing safely"),
    "disasters": ("count/quarter", "disasters of unsafe labs this quarter"),
    "lax_jurisdiction_share": ("share", "labs located where effective stringency is below "
                               "jurisdictions.lax_threshold"),
    "adoption_share": ("share", "users who have adopted AI (Bass)"),
    "open_release_share": ("share", "labs releasing weights (level >= 3)"),
    "compute_cr4": ("share", "share of all compute held by the four largest holders; NaN if "
                    "nobody holds compute"),
    "transparency_score": ("0-1", "user-weighted mean transparency of labs"),
    "audit_coverage": ("share", "user-weighted share of labs audited this quarter"),
    "stringency": ("multiplier", "mean effective stringency over jurisdictions"),
    "mean_price": ("price units", "user-weighted mean price paid; NaN if no user holds a "
                   "provider"),
}


def hhi(shares: NDArray[np.float64]) -> float:
    """Herfindahl-Hirschman index (0-10000) of sizes, as shares of their total; NaN if empty."""
    total = shares.sum()
    if total <= 0:
        return float("nan")
    s = 100.0 * shares / total
    return float(np.dot(s, s))


def top_k_share(values: NDArray[np.float64], k: int = 4) -> float:
    """Share of the ``k`` largest values in their total; NaN for an empty total."""
    total = values.sum()
    if total <= 0:
        return float("nan")
    return float(np.sort(values)[::-1][:k].sum() / total)


def gini(values: NDArray[np.float64]) -> float:
    """Gini coefficient of non-negative values (0 equal, towards 1 concentrated)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = x.shape[0]
    if n < 2 or x.sum() <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2.0 * np.dot(ranks, x) / (n * x.sum())) - (n + 1.0) / n)


def closed_frontier(model: EcosystemModel) -> float:
    """Best capability among labs not releasing weights (the baseline if none)."""
    labs = model.labs
    closed = labs.level < Level.WEIGHTS
    return float(labs.capability[closed].max()) if closed.any() else model.baseline_capability


def open_frontier(model: EcosystemModel) -> float:
    """Best capability among labs releasing weights (the baseline if none)."""
    labs = model.labs
    open_ = labs.level >= Level.WEIGHTS
    best = float(labs.capability[open_].max()) if open_.any() else -np.inf
    return max(best, model.baseline_capability)


def frontier_gap_quarters(history: list[float], open_now: float) -> float:
    """Quarters since the closed frontier (``history``, oldest first) was at ``open_now``."""
    now = len(history) - 1
    if open_now >= history[-1]:
        return 0.0
    for back in range(now, -1, -1):
        if history[back] <= open_now:
            return float(now - back)
    return float(now + (history[0] - open_now) / PRIOR_GROWTH)


def outcomes(model: EcosystemModel, market: MarketResult, misuse: dict[str, int],
             race: RaceOutcome) -> dict[str, Any]:
    """The metrics row of the quarter that just ended."""
    lb, st, users, prm = model.labs, model.startups, model.users, model.params
    live = st.live()
    firm_users = np.concatenate([lb.users, st.users[live]]).astype(float)
    prices = np.concatenate([lb.price, st.price[live]])
    n = max(1, users.n)
    per_user = prm.market.market_size / n
    payments = float(np.dot(prices, firm_users)) * per_user  # fees upstream are transfers
    served = float(firm_users.sum()) * per_user * prm.market.marginal_cost
    cs = market.consumer_surplus / n
    above = np.maximum(0.0, lb.capability - model.baseline_capability)
    compute = np.concatenate([lb.compute, st.compute[live]])
    lax = model.governments.effective[lb.jurisdiction] < prm.jurisdictions.lax_threshold
    c = model.counters
    return {
        "step": model.steps,
        "seed": int(model.seed_seq.entropy) if isinstance(model.seed_seq.entropy, int) else -1,
        "replicate": int(model.seed_seq.spawn_key[-1]) if model.seed_seq.spawn_key else 0,
        "openness": prm.openness.name,
        "regulation": prm.regulation.name,
        "jurisdictions": prm.jurisdictions.name,
        "market_empty": bool(firm_users.sum() == 0),
        "hhi": hhi(firm_users),
        "cr4": top_k_share(firm_users),
        "hhi_api": hhi(lb.users[(lb.level >= Level.HOSTED) & (lb.level < Level.WEIGHTS)]
                       .astype(float)),
        "hhi_open": hhi(np.concatenate([lb.users[lb.level >= Level.WEIGHTS],
                                        st.users[live][st.mode[live] == WEIGHTS_MODE]])
                        .astype(float)),
        "hhi_upstream": hhi(np.bincount(st.base[live], minlength=max(lb.n, 1)).astype(float)),
        "gini_capability": gini(above),
        "frontier_capability": float(lb.capability.max()) if lb.n else model.baseline_capability,
        "open_frontier_gap": frontier_gap_quarters(model.closed_frontier_history,
                                                   open_frontier(model)),
        "startups_alive": int(live.size),
        "startup_entries": int(c["startup_entries"]),
        "startup_exits": int(c["startup_exits"]),
        "acquisitions": int(c["acquisitions"]),
        "misuse_attempts": int(misuse["attempts"]),
        "harm": float(model.step_harm),
        "vulnerabilities_open": int(lb.known_vulns.sum()),
        "vulnerabilities_patched": int(race.patched.sum()),
        "vulnerabilities_exploited": int(race.exploited.sum()),
        "trust": float(model.civil.trust),
        "access_share": market.access / n,
        "meaningful_access": market.meaningful / n,
        "consumer_surplus": cs,
        "welfare": cs + (payments - served - model.step_harm) / prm.market.market_size,
        "contributions": float(lb.contributions.sum()),
        "contributor_revenue": float(model.contributor_revenue),
        "safe_share": float(lb.safe.mean()) if lb.n else 0.0,
        "disasters": int(c["disasters"]),
        "lax_jurisdiction_share": float(lax.mean()) if lb.n else 0.0,
        "adoption_share": float(np.count_nonzero(users.adopted)) / n,
        "open_release_share": float((lb.level >= Level.WEIGHTS).mean()) if lb.n else 0.0,
        "compute_cr4": top_k_share(compute),
        "transparency_score": float(model.civil.transparency_score),
        "audit_coverage": float(model.civil.audit_coverage),
        "stringency": float(model.governments.effective.mean()),
        "mean_price": float(np.dot(prices, firm_users) / firm_users.sum())
        if firm_users.sum() > 0 else float("nan"),
    }


AGENT_COLUMNS = ("step", "agent_type", "agent_id", "jurisdiction", "capability", "cash",
                 "release_level", "safe", "users", "niche", "state")


def agent_snapshot(model: EcosystemModel) -> dict[str, NDArray]:
    """Per-agent state at this step, one row per agent (NaN or -1 where not applicable)."""
    lb, st, cs = model.labs, model.startups, model.civil
    mal, gov = model.malicious, model.governments
    live = st.live()
    parts = [
        ("lab", lb.n, lb.jurisdiction, lb.capability, lb.cash, lb.level, lb.safe.astype(np.int8),
         lb.users, None, lb.transparency),
        ("startup", live.size, st.jurisdiction[live], st.quality[live], st.cash[live],
         st.mode[live], None, st.users[live], st.niche[live], st.skill[live]),
        ("government", gov.n, np.arange(gov.n), None, None, None, None, None, None,
         gov.effective),
        ("civil_society", cs.n, None, None, None, None, None, None, cs.niche,
         cs.target.astype(float)),
        ("malicious", mal.n, mal.jurisdiction, None, None, None, None, None, None,
         mal.knows.astype(float)),
    ]
    ids = dict(model.agent_ids, startup=st.agent_id[live])
    cols: dict[str, list[NDArray]] = {k: [] for k in AGENT_COLUMNS}
    for (kind, n, jur, cap, cash, level, safe, users_, niche, state) in parts:
        cols["agent_type"].append(np.full(n, kind, dtype=object))
        cols["agent_id"].append(ids[kind])
        for key, val, fill, dtype in (("jurisdiction", jur, -1, np.int64),
                                      ("capability", cap, np.nan, float),
                                      ("cash", cash, np.nan, float),
                                      ("release_level", level, -1, np.int64),
                                      ("safe", safe, -1, np.int8),
                                      ("users", users_, -1, np.int64),
                                      ("niche", niche, -1, np.int64),
                                      ("state", state, np.nan, float)):
            cols[key].append(np.full(n, fill, dtype=dtype) if val is None
                             else np.asarray(val, dtype=dtype))
        cols["step"].append(np.full(n, model.steps, dtype=np.int64))
    return {k: np.concatenate(v) for k, v in cols.items()}
