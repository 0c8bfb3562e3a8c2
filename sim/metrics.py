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

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.kernels import gini
from sim.quarter import Quarter
from sim.state import LabStore
from sim.vocabulary import BuildMode, Level
from sim.world import World

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
    "startup_exits": ("count/quarter", "startups that left the market this quarter other than "
                      "by acquisition: out of cash, or their lab stopped offering its API"),
    "acquisitions": ("count/quarter", "startups bought by labs this quarter"),
    "misuse_attempts": ("count/quarter", "misuse attempts by malicious actors"),
    "harm": ("harm units/quarter", "misuse harm + exploit_events x exploit_harm "
             "+ disasters x disaster_harm"),
    "vulnerabilities_open": ("count", "known, unpatched vulnerabilities at the end of the quarter"),
    "vulnerabilities_patched": ("count/quarter", "vulnerabilities patched this quarter"),
    "vulnerabilities_exploited": ("count/quarter", "distinct vulnerabilities exploited for the "
                                  "first time this quarter"),
    "exploit_events": ("count/quarter", "exploitations of vulnerabilities this quarter, "
                       "repeats of known, unpatched ones included (each does exploit_harm)"),
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
    "harm_misuse": ("harm units/quarter", "harm from successful misuse attempts"),
    "harm_exploits": ("harm units/quarter", "harm from exploited vulnerabilities "
                      "(exploit_events x exploit_harm)"),
    "harm_disasters": ("harm units/quarter", "harm from disasters (disasters x disaster_harm)"),
    "meaningful_access_bottom_fifth": ("0-1", "mean meaningful access of the fifth of users "
                                       "with the lowest capacity"),
    "meaningful_access_top_fifth": ("0-1", "mean meaningful access of the fifth of users with "
                                    "the highest capacity"),
    "meaningful_access_gini": ("0-1", "Gini of meaningful access over all users"),
    "meaningful_access_jurisdiction_min": ("0-1", "mean meaningful access in the jurisdiction "
                                           "where it is lowest"),
    "meaningful_access_jurisdiction_max": ("0-1", "mean meaningful access in the jurisdiction "
                                           "where it is highest"),
    "surplus_bottom_fifth": ("price units/user-quarter", "mean consumer surplus of the "
                             "lowest-capacity fifth of users"),
    "surplus_top_fifth": ("price units/user-quarter", "mean consumer surplus of the "
                          "highest-capacity fifth of users"),
    "revenue_share_startups": ("share", "share of users' payments that startups keep after "
                               "fees upstream and payments to contributors; NaN if nobody "
                               "pays"),
    "revenue_share_contributors": ("share", "share of users' payments that reaches "
                                   "open-model contributors; NaN if nobody pays"),
    "revenue_share_top_lab": ("share", "share of users' payments the largest lab receives "
                              "(its own users and builders' fees); NaN if nobody pays"),
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


def closed_frontier(labs: LabStore, baseline: float) -> float:
    """Best capability among labs not releasing weights (the baseline if none)."""
    closed = labs.release_level < Level.WEIGHTS
    return float(labs.capability[closed].max()) if closed.any() else baseline


def open_frontier(labs: LabStore, baseline: float) -> float:
    """Best capability ever released as weights (the baseline if better or none).

    Released weights stay public when a lab holds a newer version behind an API.
    """
    best = float(labs.open_capability.max()) if labs.n else -np.inf
    return max(best, baseline)


def frontier_gap_quarters(history: list[float], open_now: float) -> float:
    """Quarters since the closed frontier (``history``, oldest first) was at ``open_now``."""
    now = len(history) - 1
    if open_now >= history[-1]:
        return 0.0
    for back in range(now, -1, -1):
        if history[back] <= open_now:
            return float(now - back)
    return float(now + (history[0] - open_now) / PRIOR_GROWTH)


def outcomes(model: World, q: Quarter) -> dict[str, Any]:
    """The metrics row of the quarter ``q`` that just ended."""
    lb, st, users, prm = model.labs, model.startups, model.users, model.params
    market, misuse, race = q.market, q.misuse, q.vulnerabilities
    assert market is not None and misuse is not None and race is not None
    live = st.live()
    firm_users = np.concatenate([lb.users, st.users[live]]).astype(float)
    prices = np.concatenate([lb.price, st.price[live]])
    n = max(1, users.n)
    per_user = prm.market.market_size / n
    payments = float(np.dot(prices, firm_users)) * per_user  # fees upstream are transfers
    served = float(firm_users.sum()) * per_user * prm.market.marginal_cost
    cs = market.consumer_surplus / n
    baseline = model.baseline_capability
    above = np.maximum(0.0, lb.capability - baseline)
    compute = np.concatenate([lb.compute, st.compute[live]])
    lax = model.governments.effective[lb.jurisdiction] < prm.jurisdictions.lax_threshold
    c = q.counts
    harm = q.harm.total
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
        "hhi_api": hhi(lb.users[(lb.release_level >= Level.HOSTED)
                                & (lb.release_level < Level.WEIGHTS)].astype(float)),
        "hhi_open": hhi(np.concatenate([
            lb.users[lb.release_level >= Level.WEIGHTS],
            st.users[live][st.build_mode[live] == BuildMode.WEIGHTS]]).astype(float)),
        "hhi_upstream": hhi(np.bincount(st.base[live], minlength=max(lb.n, 1)).astype(float)),
        "gini_capability": gini(above),
        "frontier_capability": float(lb.capability.max()) if lb.n else baseline,
        "open_frontier_gap": frontier_gap_quarters(model.closed_frontier_history,
                                                   open_frontier(lb, baseline)),
        "startups_alive": int(live.size),
        "startup_entries": int(c["startup_entries"]),
        "startup_exits": int(c["startup_exits"]),
        "acquisitions": int(c["acquisitions"]),
        "misuse_attempts": int(misuse.attempts),
        "harm": float(harm),
        "vulnerabilities_open": int(lb.known_vulns.sum()),
        "vulnerabilities_patched": int(race.patched.sum()),
        "vulnerabilities_exploited": int(race.exploited.sum()),
        "exploit_events": int(race.exploit_events.sum()),
        "trust": float(model.civil_society.trust),
        "access_share": market.access / n,
        "meaningful_access": market.meaningful / n,
        "consumer_surplus": cs,
        "welfare": cs + (payments - served - harm) / prm.market.market_size,
        "contributions": float(lb.contributions.sum()),
        "contributor_revenue": float(q.contributor_revenue),
        "safe_share": float(lb.safe.mean()) if lb.n else 0.0,
        "disasters": int(c["disasters"]),
        "lax_jurisdiction_share": float(lax.mean()) if lb.n else 0.0,
        "adoption_share": float(np.count_nonzero(users.adopted)) / n,
        "open_release_share": float((lb.release_level >= Level.WEIGHTS).mean()) if lb.n else 0.0,
        "compute_cr4": top_k_share(compute),
        "transparency_score": float(model.civil_society.transparency_score),
        "audit_coverage": float(model.civil_society.audit_coverage),
        "stringency": float(model.governments.effective.mean()),
        "mean_price": float(np.dot(prices, firm_users) / firm_users.sum())
        if firm_users.sum() > 0 else float("nan"),
        "harm_misuse": float(q.harm.misuse),
        "harm_exploits": float(q.harm.exploits),
        "harm_disasters": float(q.harm.disasters),
        **q.benefits,
        **revenue_shares(payments, lb.revenue, q.contributor_revenue),
    }


#: columns of the per-agent snapshot: name -> (dtype, value where it does not apply, meaning);
#: each column means one thing, and applies to the agent types its meaning names
AGENT_COLUMNS: dict[str, tuple[type, Any, str]] = {
    "step": (np.int64, -1, "quarter of the snapshot"),
    "agent_type": (object, "", "lab, startup, government, civil_society or malicious"),
    "agent_id": (np.int64, -1, "the Mesa agent's unique_id"),
    "jurisdiction": (np.int64, -1, "jurisdiction index (labs, startups, governments, "
                     "malicious actors)"),
    "cash": (np.float64, np.nan, "cash, mu (labs, startups)"),
    "users": (np.int64, -1, "users holding its product (labs, startups)"),
    "niche": (np.int64, -1, "niche served (startups) or of its capacity programme "
              "(civil society)"),
    "capability": (np.float64, np.nan, "log10 FLOP of its current model (labs)"),
    "release_level": (np.int64, -1, "0 internal, 1 hosted, 2 API, 3 weights, 4 fully open "
                      "(labs)"),
    "safe": (np.int8, -1, "1 if racing safely (labs)"),
    "transparency": (np.float64, np.nan, "disclosed transparency, 0-1 (labs)"),
    "quality": (np.float64, np.nan, "niche quality, log10 FLOP-equivalent (startups)"),
    "build_mode": (np.int64, -1, "1 API, 2 open weights (startups)"),
    "base_lab": (np.int64, -1, "row of the lab whose model it builds on (startups)"),
    "skill": (np.float64, np.nan, "know-how from spill-over, log10 FLOP-equivalent "
              "(startups)"),
    "stringency": (np.float64, np.nan, "effective stringency after harmonisation "
                   "(governments)"),
    "kind": (np.int64, -1, "0 auditor, 1 watchdog, 2 researcher (civil society)"),
    "audit_target": (np.int64, -1, "lab audited this quarter, -1 if none (civil society)"),
    "knows_technique": (np.int8, -1, "1 if it knows a misuse technique (malicious actors)"),
}


def revenue_shares(payments: float, lab_revenue: NDArray[np.floating],
                   contributors: float) -> dict[str, float]:
    """Shares of users' payments kept by startups, reaching contributors, and the top lab."""
    if payments <= 0:
        nan = float("nan")
        return {"revenue_share_startups": nan, "revenue_share_contributors": nan,
                "revenue_share_top_lab": nan}
    labs_total = float(lab_revenue.sum())
    return {"revenue_share_startups": (payments - labs_total - contributors) / payments,
            "revenue_share_contributors": contributors / payments,
            "revenue_share_top_lab": float(lab_revenue.max()) / payments
            if lab_revenue.size else 0.0}


def agent_snapshot(model: World) -> dict[str, NDArray]:
    """Per-agent state at this step, one row per agent (:data:`AGENT_COLUMNS`)."""
    lb, st, cs = model.labs, model.startups, model.civil_society
    mal, gov = model.malicious, model.governments
    live = st.live()
    parts: list[tuple[str, int, dict[str, NDArray]]] = [
        ("lab", lb.n, {"jurisdiction": lb.jurisdiction, "cash": lb.cash, "users": lb.users,
                       "capability": lb.capability, "release_level": lb.release_level,
                       "safe": lb.safe, "transparency": lb.transparency}),
        ("startup", live.size, {"jurisdiction": st.jurisdiction[live], "cash": st.cash[live],
                                "users": st.users[live], "niche": st.niche[live],
                                "quality": st.quality[live],
                                "build_mode": st.build_mode[live], "base_lab": st.base[live],
                                "skill": st.skill[live]}),
        ("government", gov.n, {"jurisdiction": np.arange(gov.n), "stringency": gov.effective}),
        ("civil_society", cs.n, {"niche": cs.niche, "kind": cs.kind,
                                 "audit_target": cs.target}),
        ("malicious", mal.n, {"jurisdiction": mal.jurisdiction,
                              "knows_technique": mal.knows_technique}),
    ]
    ids = dict(model.agent_ids, startup=st.agent_id[live])
    cols: dict[str, list[NDArray]] = {k: [] for k in AGENT_COLUMNS}
    for kind, n, values in parts:
        given = {"step": np.full(n, model.steps), "agent_type": np.full(n, kind, dtype=object),
                 "agent_id": ids[kind], **values}
        for key, (dtype, fill, _) in AGENT_COLUMNS.items():
            cols[key].append(np.asarray(given[key], dtype=dtype) if key in given
                             else np.full(n, fill, dtype=dtype))
    return {k: np.concatenate(v) for k, v in cols.items()}


def summarise(metrics: pd.DataFrame) -> dict[str, Any]:
    """One run's metrics table reduced to one row.

    Labels (``seed``, ``replicate``, the regime names) keep their value; every other numeric
    column gives ``<name>_final`` (its last quarter) and ``<name>_mean`` (its mean over the
    quarters where it is defined: concentration is NaN in a quarter with an empty market).
    """
    out: dict[str, Any] = {}
    if metrics.empty:
        return out
    last = metrics.iloc[-1]
    for col in metrics.columns:
        if col == "step":
            continue
        if col in ("seed", "replicate") or not pd.api.types.is_numeric_dtype(metrics[col]):
            out[col] = last[col]
            continue
        values = metrics[col].astype(float) if metrics[col].dtype == bool else metrics[col]
        out[f"{col}_final"] = last[col]
        out[f"{col}_mean"] = values.mean()
    return out
