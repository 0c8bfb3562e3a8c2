"""The quarter, phase by phase (ODD 3.1).

:data:`PHASES` is the declared order of a quarter; :meth:`sim.model.EcosystemModel.step`
runs it, and the benchmark times each phase by iterating over the same list. A phase reads
the model's stores and parameters, calls the rules of :mod:`sim.rules` with the narrow
inputs each needs, and writes what the rest of the quarter needs into the
:class:`~sim.quarter.Quarter` record. Phases are the only code that touches the model.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from sim import metrics
from sim.quarter import Quarter
from sim.rules import (
    accounts,
    acquisition,
    adoption,
    governance,
    investment,
    market,
    misuse,
    pricing,
    release,
    relocation,
    safety,
    scrutiny,
    spillover,
    startups,
    vulnerabilities,
)
from sim.streams import Draws
from sim.world import PhaseFunction, World


class Phase(NamedTuple):
    """One phase of the quarter: its name, what it does, and the function that does it."""

    name: str
    summary: str
    run: PhaseFunction


def _sigma(model: World) -> NDArray[np.float64]:
    """Effective stringency where each lab is located."""
    return model.governments.effective[model.labs.jurisdiction]


def weights_reach(model: World, draws: Draws) -> startups.Reach:
    """Whether each lab's weights reach given choosers (export controls draw leaks)."""
    return partial(spillover.weights_reach, model.labs, model.governments.effective,
                   model.params.regulation, draws)


def govern(model: World, q: Quarter) -> None:
    """Governments review policy: the adaptive rule, then harmonisation."""
    last = model.quarter.harm_per_user if model.quarter is not None else None
    governance.review(model.governments, model.params.regulation,
                      model.params.jurisdictions.cooperation, last)


def develop(model: World, q: Quarter) -> None:
    """Labs invest and grow, choose release levels and disclose, and set prices."""
    labs, prm, reg = model.labs, model.params, model.regulation
    q.spillover = (spillover.org_spillover(labs, model.startups, model.network, prm.startups,
                                           model.openness.licence.copyleft,
                                           model.governments.effective, prm.regulation)
                   if labs.n else np.zeros(model.startups.size))
    if labs.n:
        sigma = _sigma(model)
        investment.invest_and_grow(
            labs, prm.labs, prm.race, q.t, compliance=reg.compliance_cost(labs, sigma),
            capability_cap=reg.capability_cap(labs, sigma),
            spill=prm.diffusion.lab_spillover * q.spillover[: labs.n],
            compute_access=np.broadcast_to(prm.jurisdictions.compute_access,
                                           (prm.jurisdictions.n,))[labs.jurisdiction],
            ledger=model.ledger, draws=q.draws)
        sigma = _sigma(model)
        liability = accounts.expected_liability(labs, prm.malicious,
                                                reg.liability_share(labs, sigma),
                                                prm.regulation.attribution_open)
        release.decide_release(
            labs, prm.labs, desired=model.openness.desired_levels(labs, liability, q.draws),
            cap=reg.release_cap(labs, sigma), floor=model.openness.floor_levels(labs.n),
            transparency_floor=reg.transparency_floor(labs, sigma))
    pricing.set_lab_prices(labs, prm.market, model.users.n)


def build(model: World, q: Quarter) -> None:
    """Startups enter, are acquired or lose their base; the rest set quality and prices."""
    st, labs, prm = model.startups, model.labs, model.params
    q.counts["startup_entries"] = model.enter_startups(k=None, draws=q.draws)
    bought = acquisition.acquire(labs, st, prm.labs, prm.regulation, model.ledger, q.draws)
    model.drop_startup_views([row for row, _ in bought.bought])
    q.counts["acquisitions"] = len(bought.bought)
    q.counts["blocked_mergers"] = bought.blocked
    lost = startups.orphans(st, labs)
    startups.leave(st, lost, None, model.ledger)
    model.drop_startup_views(lost)
    q.counts["startup_exits"] = len(lost)
    assert q.spillover is not None
    missing = labs.n + st.size - q.spillover.shape[0]  # entrants absorb nothing this quarter
    spill = np.concatenate([q.spillover, np.zeros(max(missing, 0))])
    live = st.live()
    live = startups.update_quality(st, labs, prm.startups,
                                   prm.diffusion.startup_spillover * spill[labs.n + live])
    if live.size:
        pricing.set_startup_prices(st, live, prm.market, model.users.n)


def trade(model: World, q: Quarter) -> None:
    """Users adopt AI and choose providers; money flows to providers and upstream."""
    prm, labs, st = model.params, model.labs, model.startups
    adoption.adopt(model.users, prm.diffusion, model.civil_society.trust,
                   key=model.kernel_key, t=q.t)
    q.market = market.trade(model.users, labs, st, prm.market, prm.startups,
                            prm.population.n_niches, key=model.kernel_key, t=q.t,
                            ledger=model.ledger)
    licence = model.openness.licence
    q.contributor_revenue, q.contributor_fees = market.pay_upstream(
        labs, st, prm.openness.contributor_share,
        prm.openness.sponsorship_share if licence.sponsored else 0.0, model.ledger)
    market.contributions(labs, st, prm.openness, model.openness.licence.visibility,
                         q.contributor_fees)
    q.benefits = market.who_benefits(model.users, labs, st, prm.startups,
                                     prm.jurisdictions.n)


def scrutinise(model: World, q: Quarter) -> None:
    """Civil society picks audit targets; malicious actors share techniques and act."""
    prm, labs = model.params, model.labs
    q.auditors = scrutiny.choose_targets(model.civil_society, labs, q.draws)
    q.misuse = misuse.act(
        model.malicious, labs, prm.malicious, prm.diffusion, q.t, key=model.kernel_key,
        baseline=model.baseline_capability,
        liability=model.regulation.liability_share(labs, _sigma(model)),
        detection=model.governments.detection(np.arange(prm.jurisdictions.n)),
        attribution_open=prm.regulation.attribution_open, reach=weights_reach(model, q.draws),
        draws=q.draws)
    q.harm.misuse = q.misuse.harm


def secure(model: World, q: Quarter) -> None:
    """The vulnerability race; then disasters, inspections and imitation of safety."""
    prm, labs = model.params, model.labs
    assert q.auditors is not None and q.misuse is not None
    q.vulnerabilities = vulnerabilities.vulnerability_race(
        labs, auditors=q.auditors, exposure=q.misuse.exposure,
        defender_rate=prm.civil_society.discovery_rate,
        attacker_rate=prm.malicious.discovery_rate, patch_prob=prm.civil_society.patch_prob,
        nday_factor=prm.malicious.nday_factor, exploit_harm=prm.malicious.exploit_harm,
        attribution_open=prm.regulation.attribution_open, draws=q.draws)
    q.harm.exploits = q.vulnerabilities.harm
    if labs.n == 0:
        return
    unsafe = ~labs.safe
    q.counts["disasters"], q.harm.disasters = safety.disasters(labs, prm.race, model.ledger,
                                                                q.draws)
    safety.inspect(labs, unsafe, model.regulation.inspection(labs, _sigma(model)),
                   prm.regulation.fine, model.ledger, q.draws)
    safety.imitate(labs, prm.race, q.draws)


def settle(model: World, q: Quarter) -> None:
    """Accounts settle; startups out of cash exit."""
    prm, labs, st = model.params, model.labs, model.startups
    accounts.settle_labs(labs, st, prm.market, prm.labs,
                         model.regulation.liability_share(labs, _sigma(model)), model.users.n,
                         model.ledger)
    broke = startups.pay_running_costs(st, prm.startups, prm.labs.compute_depreciation,
                                       model.ledger)
    startups.leave(st, broke, None, model.ledger)
    model.drop_startup_views(broke)
    q.counts["startup_exits"] += len(broke)


def respond(model: World, q: Quarter) -> None:
    """Society responds: trust, advocacy, capacity programmes; labs and actors relocate."""
    prm, labs, cs, gov = model.params, model.labs, model.civil_society, model.governments
    q.harm_per_user = q.harm.total / prm.market.market_size
    assert q.auditors is not None
    scrutiny.update_trust(cs, labs, prm.civil_society, q.auditors, q.harm_per_user)
    governance.advocate(gov, scrutiny.watchdog_share(cs), prm.civil_society, prm.regulation,
                        q.harm_per_user)
    model.users.raise_capacity(
        scrutiny.capacity_per_niche(cs, prm.civil_society.capacity_rate,
                                    prm.population.n_niches),
        governance.public_capacity(gov.effective, prm.regulation.capacity_programmes))
    incident = labs.incidents > q.incidents_before
    labs.clean_quarters = np.where(incident, 0, labs.clean_quarters + 1)
    relocation.relocate_labs(labs, prm.jurisdictions, prm.labs, gov.effective, q.draws)
    misuse.relocate(model.malicious, prm.jurisdictions, prm.malicious,
                    gov.detection(np.arange(prm.jurisdictions.n)), q.draws)


def record(model: World, q: Quarter) -> None:
    """Outcomes of the quarter, and a snapshot of every agent every ``record_every``."""
    model.closed_frontier_history.append(
        metrics.closed_frontier(model.labs, model.baseline_capability))
    model.history.append(metrics.outcomes(model, q))
    if q.t % model.params.run.record_every == 0:
        model.agent_records.append(metrics.agent_snapshot(model))


#: the quarter, in order (ODD 3.1)
PHASES: tuple[Phase, ...] = (
    Phase("govern", "governments review policy (adaptive rule, harmonisation)", govern),
    Phase("develop", "labs invest and grow, choose release levels, set prices", develop),
    Phase("build", "startups enter, are acquired, set quality and prices", build),
    Phase("trade", "users adopt and choose providers; money flows upstream", trade),
    Phase("scrutinise", "civil society audits; malicious actors act", scrutinise),
    Phase("secure", "the vulnerability race; disasters, inspections, imitation", secure),
    Phase("settle", "accounts settle; broke startups exit", settle),
    Phase("respond", "trust, advocacy, capacity programmes; relocation", respond),
    Phase("record", "outcomes and agent snapshots are recorded", record),
)
