"""Parameters of the world: populations, the market, diffusion and the decision makers.

One frozen dataclass per config group (``configs/<group>/``), each field with its valid
range, unit, meaning and source. Scales: one step is one quarter; capability is log10 of
effective training compute (FLOP-equivalent); money is in normalised money units (mu) per
quarter, where the whole user market paying a price of 1 would yield ``market.market_size``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.params.base import Section, p


@dataclass(frozen=True)
class PopulationParams(Section):
    """How many of each entity the model holds."""

    name: str = p("default", doc="label of the population tier")
    n_users: int = p(100_000, 1, 10_000_000, unit="users", doc="end users (arrays)",
                     source="scale choice")
    n_niches: int = p(20, 1, 10_000, unit="niches", doc="market niches users belong to",
                      source="assumption")
    n_labs: int = p(8, 0, 200, unit="labs",
                    doc="frontier labs (up to 200: the race's finite-population verification "
                        "needs Z = 100)",
                    source="brief: 3 to 20")
    n_startups: int = p(40, 0, 100_000, unit="startups", doc="startups at t=0",
                        source="assumption")
    max_startups: int = p(10_000, 0, 100_000, unit="startups",
                          doc="cap on live startups (a safeguard: entry follows margins, so "
                              "the cap should not bind)",
                          source="brief: up to 10,000")
    n_civil_society: int = p(40, 0, 10_000, unit="organisations",
                             doc="civil-society organisations",
                   source="brief: 0 to 200")
    n_malicious: int = p(400, 0, 1_000_000, unit="actors", doc="malicious actors",
                         source="brief: 0 to 10,000")


@dataclass(frozen=True)
class MarketParams(Section):
    """Multinomial-logit choice of users over providers."""

    market_size: float = p(100.0, 1e-6, 1e9, unit="mu/quarter",
                           doc="revenue if every user paid a price of 1",
                           source="normalisation")
    reconsider_prob: float = p(0.1, 0.0, 1.0, doc="share of users redrawing their choice each step",
                               source="assumption")
    outside_utility: float = p(0.0, -100.0, 100.0, unit="utils", doc="utility of no provider",
                               source="normalisation")
    alpha_mean: float = p(1.0, 1e-6, 1e6, unit="utils/price", doc="mean price sensitivity",
                          source="normalisation of the price unit")
    alpha_sd: float = p(0.5, 0.0, 5.0, doc="log-sd of price sensitivity (lognormal)",
                        source="assumption")
    beta_quality: float = p(2.0, 0.0, 100.0, unit="utils/OOM",
                            doc="mean utility of one order of magnitude of capability",
                            source="assumption")
    beta_quality_sd: float = p(0.5, 0.0, 100.0, unit="utils/OOM", doc="sd of quality taste",
                               source="assumption")
    openness_pref_mean: float = p(0.5, -100.0, 100.0, unit="utils",
                                  doc="mean taste for openness, control and privacy",
                                  source="assumption")
    openness_pref_sd: float = p(0.5, 0.0, 100.0, unit="utils", doc="sd of openness taste",
                                source="assumption")
    switch_cost_mean: float = p(0.5, 0.0, 100.0, unit="utils", doc="mean switching cost",
                                source="assumption; Farrell & Klemperer (2007) for the mechanism")
    network_effect: float = p(0.2, 0.0, 10.0, unit="utils/log share",
                              doc="utility per unit log market share of a provider",
                              source="assumption")
    marginal_cost: float = p(0.2, 0.0, 1e6, unit="price", doc="serving cost per user-quarter",
                             source="assumption")
    initial_adoption: float = p(0.05, 0.0, 1.0, doc="share of users adopted at t=0",
                                source="assumption")
    capacity_mean: float = p(0.4, 0.0, 1.0, doc="mean user capacity (compute and skills)",
                             source="assumption")
    capacity_openness: float = p(1.0, 0.0, 1.0,
                                 doc="how far a user's capacity limits what openness is worth "
                                     "to her: taste for openness x (1 - w + w capacity)",
                                 source="assumption: running, adapting or inspecting weights "
                                        "takes compute and skills (seeds: meaningful access)")


@dataclass(frozen=True)
class DiffusionParams(Section):
    """Bass adoption, knowledge spill-over and technique diffusion."""

    variant: str = p("meanfield", choices=("meanfield", "network"),
                     doc="Bass adoption: mean-field or over the user network",
                     source="brief")
    bass_p: float = p(0.01, 0.0, 10.0, unit="1/quarter", doc="Bass innovation rate",
                      source="order of the meta-analytic p ≈ 0.03/year (Sultan, Farley & "
                             "Lehmann 1990); assumption")
    bass_q: float = p(0.12, 0.0, 10.0, unit="1/quarter", doc="Bass imitation rate",
                      source="order of the meta-analytic q ≈ 0.38/year (Sultan et al. "
                             "1990); assumption")
    topology: str = p("random", choices=("random", "complete"),
                      doc="user network for the network variant")
    user_degree: int = p(10, 1, 10_000, unit="contacts", doc="mean contacts per user",
                         source="assumption")
    substeps: int = p(4, 1, 1000, doc="synchronous sub-steps per step (network variant)",
                      source="numerical choice")
    trust_effect: float = p(0.5, 0.0, 10.0,
                            doc="adoption rates scale by 1 + trust_effect * (trust - 0.5)",
                            source="assumption")
    org_degree: int = p(3, 0, 1000, unit="links", doc="links of each organisation on entry",
                        source="assumption")
    lab_spillover: float = p(0.05, 0.0, 1.0, unit="1/quarter",
                             doc="share of an open gap a lab closes per quarter",
                             source="assumption")
    startup_spillover: float = p(0.1, 0.0, 1.0, unit="1/quarter",
                                 doc="share of an open gap a startup closes per quarter",
                                 source="assumption")
    technique_discovery: float = p(0.02, 0.0, 10.0, unit="1/quarter",
                                   doc="hazard of a malicious actor finding a technique alone",
                                   source="assumption")
    technique_sharing: float = p(0.3, 0.0, 10.0, unit="1/quarter",
                                 doc="hazard of learning it from a contact who has it",
                                 source="assumption")
    malicious_degree: int = p(6, 1, 1000, unit="contacts", doc="contacts per malicious actor",
                              source="assumption")


@dataclass(frozen=True)
class LabParams(Section):
    """Frontier labs: investment, growth, pricing, vulnerabilities, location."""

    initial_frontier: float = p(25.0, 0.0, 40.0, unit="log10 FLOP",
                                doc="capability of the leading lab at t=0",
                                source="about 2e25 FLOP for GPT-4-class models in 2023 (Epoch AI)")
    initial_spread: float = p(1.0, 0.0, 10.0, unit="log10 FLOP",
                              doc="gap between the leading and the last lab at t=0",
                              source="assumption")
    initial_cash: float = p(20.0, 0.0, 1e9, unit="mu",
                            doc="mean cash of a lab at t=0 (split in proportion to compute)",
                            source="assumption")
    invest_share: float = p(0.4, 0.0, 1.0, doc="share of cash invested in compute each quarter",
                            source="assumption")
    external_funding: float = p(10.0, 0.0, 1e9, unit="mu/quarter",
                                doc="investor capital flowing to all labs at t=0",
                                source="assumption")
    funding_growth: float = p(0.2389, 0.0, 1.0, unit="OOM/quarter",
                              doc="growth of investor capital (log10 per quarter)",
                              source="calibrated (docs/CALIBRATION.md)")
    funding_cap: float = p(300.0, 1.0, 1e12, unit="multiple",
                           doc="largest multiple of its t=0 size the investor pool reaches",
                           source="assumption (investor appetite saturates); not yet calibrated")
    funding_traction: float = p(0.9999, 0.0, 1.0, unit="share",
                                doc="share of investor capital split by user share "
                                    "(the rest equally)",
                                source="calibrated (docs/CALIBRATION.md)")
    flop_per_mu: float = p(0.7, 1e-12, 1e12, unit="1e24 FLOP/mu",
                           doc="effective training compute one mu buys at t=0",
                           source="assumption (the price of compute in mu)")
    hardware_progress: float = p(0.035, 0.0, 1.0, unit="OOM/quarter",
                                 doc="growth of compute per mu (price-performance)",
                                 source="0.14 OOM/year; GPU price-performance doubles about every "
                                        "2.5 years (Hobbhahn & Besiroglu 2022)")
    compute_depreciation: float = p(0.1, 0.0, 1.0, unit="1/quarter",
                                    doc="obsolescence of the effective compute stock",
                                    source="assumption")
    fixed_cost: float = p(0.5, 0.0, 1e9, unit="mu/quarter", doc="running cost of a lab",
                          source="assumption")
    contribution_gain: float = p(0.02, 0.0, 10.0, unit="log10 FLOP/quarter",
                                 doc="capability per unit log1p(community contributions)",
                                 source="assumption")
    vulns_per_oom: float = p(20.0, 0.0, 1e6, unit="vulnerabilities/OOM",
                             doc="latent vulnerabilities per order of magnitude of growth",
                             source="assumption")
    transparency_base: float = p(0.3, 0.0, 1.0, doc="transparency of a lab before mandates",
                                 source="assumption")
    relocation_prob: float = p(0.02, 0.0, 1.0, unit="1/quarter",
                               doc="chance a lab reconsiders its jurisdiction",
                               source="assumption")
    acquisition_prob: float = p(0.1, 0.0, 1.0, unit="1/quarter",
                                doc="chance a lab with spare cash tries an acquisition",
                                source="assumption")
    acquisition_cash: float = p(5.0, 0.0, 1e9, unit="mu", doc="cash a lab keeps before buying",
                                source="assumption")
    acquisition_price_quarters: float = p(4.0, 0.0, 1000.0, unit="quarters",
                                          doc="quarters of a startup's revenue its buyer pays",
                                          source="assumption (a revenue multiple)")
    acquisition_premium: float = p(1.0, 0.0, 1e9, unit="mu",
                                   doc="price a buyer pays on top of the revenue multiple",
                                   source="assumption")
    version_step: float = p(0.5, 1e-6, 100.0, unit="log10 FLOP",
                            doc="growth that makes a new model version (audits start again)",
                            source="assumption")
    unsafe_transparency_penalty: float = p(0.1, 0.0, 1.0,
                                           doc="transparency a lab racing unsafely withholds",
                                           source="assumption")
    relocation_access: float = p(2.0, 0.0, 1e6, unit="utils",
                                 doc="weight of a jurisdiction's market share in where a lab "
                                     "locates", source="assumption")
    safe_stringency_aversion: float = p(0.5, 0.0, 100.0,
                                        doc="a safe lab's aversion to stringency when it "
                                            "locates (an unsafe lab's is 1)",
                                        source="assumption")
    harm_memory: float = p(0.25, 0.0, 1.0,
                           doc="weight of the newest quarter in what labs learn of the harm "
                               "done at each release level", source="assumption")
    loss_in_payoff: float = p(1.0, 0.0, 1.0,
                              doc="share of disaster losses and fines counted in the profit "
                                  "labs compare when they imitate strategies",
                              source="brief: losses from disasters count in the payoffs "
                                     "labs compare")


@dataclass(frozen=True)
class RaceParams(Section):
    """Safety race (Han, Pereira, Santos & Lenaerts 2020) and Fermi imitation."""

    payoff: str = p("market", choices=("market", "han"),
                    doc="imitation payoffs: market profits, or the DSAIR long-run matrix",
                    source="brief")
    speed_factor: float = p(1.5, 1.0, 100.0, doc="s: growth multiplier of unsafe labs",
                            source="Han et al. (2020) symbol s; value assumed")
    disaster_risk: float = p(0.01, 0.0, 1.0, doc="p_r: disaster probability of an unsafe lab",
                             source="Han et al. (2020) symbol p_r; value assumed")
    prize: float = p(10000.0, 0.0, 1e12, doc="B: prize of winning the race (han payoff)",
                     source="Han et al. (2020) (B ≫ b, c)")
    benefit: float = p(4.0, 0.0, 1e9, doc="b: per-round benefit of leading (han payoff)",
                       source="Han et al. (2020)")
    safety_cost: float = p(1.0, 0.0, 1e9, doc="c: per-round cost of safety (han payoff)",
                           source="Han et al. (2020)")
    rounds: float = p(100.0, 1.0, 1e9, doc="W: rounds to win when all are safe (han payoff)",
                      source="Han et al. (2020)")
    rival_disaster_share: float = p(0.0, 0.0, 1.0,
                                    doc="share of an unsafe lab's disaster its safe rival "
                                        "bears in the han payoff: 0 is Han et al.'s baseline, "
                                        "1 a collective risk",
                                    source="Han et al. (2020) baseline (0); collective-risk "
                                           "variants of the race (1)")
    safety_cost_share: float = p(0.1, 0.0, 1.0,
                                 doc="share of investment a safe lab spends on safety (market)",
                                 source="assumption")
    initial_safe_share: float = p(0.5, 0.0, 1.0,
                                  doc="share of labs racing safely at t=0 (rounded to a count)",
                                  source="assumption")
    imitation_events: int = p(1, 0, 10_000_000, unit="events/quarter",
                              doc="pairwise-comparison updates per quarter",
                              source="assumption")
    selection_intensity: float = p(1.0, 0.0, 1e6, doc="beta of the Fermi rule",
                                   source="Traulsen et al. (2006)")
    mutation: float = p(0.01, 0.0, 1.0, doc="chance an update explores a random strategy",
                        source="assumption")
    disaster_harm: float = p(50.0, 0.0, 1e12, unit="harm units", doc="harm of one disaster",
                             source="assumption")
    disaster_setback: float = p(0.5, 0.0, 10.0, unit="log10 FLOP",
                                doc="capability a lab loses in a disaster",
                                source="assumption")
    disaster_cash_loss: float = p(0.5, 0.0, 1.0, unit="share of cash",
                                  doc="share of its positive cash a lab loses in a disaster",
                                  source="assumption")


@dataclass(frozen=True)
class StartupParams(Section):
    """Startups: entry, base-model choice, niche revenue, exit."""

    entry_rate: float = p(6.0, 0.0, 1e6, unit="entries/quarter", doc="mean entries per quarter",
                          source="assumption")
    open_entry_boost: float = p(1.0, 0.0, 100.0,
                                doc="extra entry when open weights are available",
                                source="assumption")
    initial_cash: float = p(1.0, 0.0, 1e9, unit="mu", doc="cash of an entrant",
                            source="assumption")
    fixed_cost: float = p(0.05, 0.0, 1e9, unit="mu/quarter", doc="running cost",
                          source="assumption")
    adaptation_cost: float = p(0.3, 0.0, 1e9, unit="mu", doc="one-off cost of adapting weights",
                               source="assumption")
    api_fee_share: float = p(0.3, 0.0, 1.0, doc="share of a startup's price paid to its API lab",
                             source="assumption")
    fine_tune_bonus: float = p(0.6, 0.0, 100.0, unit="log10 FLOP",
                               doc="niche quality gained by fine-tuning open weights",
                               source="assumption")
    api_bonus: float = p(0.3, 0.0, 100.0, unit="log10 FLOP",
                         doc="niche quality gained by prompting and tooling over an API",
                         source="assumption")
    base_choice_beta: float = p(3.0, 0.0, 1e6, doc="sharpness of the base-model logit",
                                source="assumption")
    weights_openness: float = p(0.75, 0.0, 1.0,
                                doc="openness, control and privacy users value in a product "
                                    "built on weights (a lab's API is 0.25, weights 0.75)",
                                source="assumption (as a lab at release level 3)")
    api_openness: float = p(0.25, 0.0, 1.0,
                            doc="openness users value in a product built on an API",
                            source="assumption (as a lab at release level 2)")
    weights_depth: float = p(1.0, 0.0, 1.0,
                             doc="depth of use a product built on weights gives "
                                 "(meaningful access)",
                             source="assumption (as a lab at release level 3)")
    api_depth: float = p(0.6, 0.0, 1.0, doc="depth of use a product built on an API gives",
                         source="assumption (as a lab at release level 2)")
    spill_weights: float = p(0.3, 0.0, 1.0,
                             doc="openness of a weights-based startup's know-how to others",
                             source="assumption")
    spill_weights_copyleft: float = p(0.6, 0.0, 1.0,
                                      doc="the same under a copyleft licence (derivatives "
                                          "shared back)", source="assumption")
    spill_api: float = p(0.05, 0.0, 1.0,
                         doc="openness of an API-based startup's know-how to others",
                         source="assumption (as a lab at release level 2)")
    capacity_adaptation: float = p(1.0, 0.0, 10.0,
                                   doc="how much a jurisdiction's low capacity raises the cost "
                                       "of adapting weights: cost x (1 + w (1 - capacity))",
                                   source="assumption: adaptation needs skills and compute")
    entry_sensitivity: float = p(1.0, 0.0, 100.0,
                                 doc="how strongly entry follows live startups' margins over "
                                     "their fixed cost (free entry); 0: entry ignores them",
                                 source="assumption (free entry: entrants expect to cover "
                                        "fixed costs)")


@dataclass(frozen=True)
class CivilSocietyParams(Section):
    """Civil-society organisations: audits, disclosure, trust, capacity, advocacy."""

    discovery_rate: float = p(0.01, 0.0, 1e6, unit="1/quarter",
                              doc="hazard of one auditor finding one latent vulnerability "
                                  "with full (weights) access",
                              source="assumption")
    patch_prob: float = p(0.5, 0.0, 1.0, unit="1/quarter",
                          doc="chance a disclosed vulnerability is patched each quarter",
                          source="assumption")
    trust_speed: float = p(0.1, 0.0, 1.0, doc="share of the trust gap closed each quarter",
                           source="assumption")
    harm_trust_scale: float = p(0.2, 1e-9, 1e12, unit="price units/user-quarter",
                                doc="harm intensity (harm / market_size) that halves "
                                    "trust's target",
                                source="assumption")
    capacity_rate: float = p(0.002, 0.0, 1.0, unit="capacity/quarter",
                             doc="capacity added per organisation to its niche's users",
                             source="assumption")
    advocacy: float = p(0.02, 0.0, 1.0, unit="stringency/quarter",
                        doc="stringency pressure per unit of excess harm (on adaptive "
                            "governments)",
                        source="assumption")
    auditor_share: float = p(0.5, 0.0, 1.0,
                             doc="share of organisations that are auditors (researchers "
                                 "audit too; watchdogs score and lobby)", source="assumption")
    watchdog_share: float = p(0.3, 0.0, 1.0,
                              doc="share of organisations that are watchdogs (the rest are "
                                  "researchers)", source="assumption")
    initial_trust: float = p(0.5, 0.0, 1.0, doc="public trust in AI at t=0",
                             source="assumption")


@dataclass(frozen=True)
class MaliciousParams(Section):
    """Malicious actors: target choice, misuse, exploitation, deterrence."""

    attempt_prob: float = p(0.3, 0.0, 1.0, doc="chance an undeterred actor attempts misuse",
                            source="assumption")
    baseline_capability: float = p(23.0, 0.0, 40.0, unit="log10 FLOP",
                                   doc="capability of the non-AI baseline at t=0",
                                   source="assumption")
    baseline_growth: float = p(0.05, 0.0, 10.0, unit="log10 FLOP/quarter",
                               doc="growth of the baseline technology",
                               source="assumption")
    harm_per_uplift: float = p(0.05, 0.0, 1e9, unit="harm units/OOM",
                               doc="harm of one successful attempt per OOM of uplift",
                               source="assumption")
    exploit_harm: float = p(1.0, 0.0, 1e9, unit="harm units",
                            doc="harm of one exploited vulnerability",
                            source="assumption")
    discovery_rate: float = p(0.001, 0.0, 1e6, unit="1/quarter",
                              doc="hazard of one attacker finding one latent vulnerability "
                                  "with full (weights) access",
                              source="assumption")
    monitoring: float = p(0.3, 0.0, 1.0, doc="chance hosted or API misuse is detected",
                          source="assumption")
    safeguards: float = p(0.6, 0.0, 1.0, doc="share of hosted or API attempts blocked",
                          source="assumption")
    strip_cost: float = p(0.05, 0.0, 1e9, unit="utils",
                          doc="cost of removing safeguards from downloaded weights",
                          source="assumption (\"near zero\", Kapoor et al. 2024)")
    target_beta: float = p(3.0, 0.0, 1e6, doc="sharpness of the target logit",
                           source="assumption")
    sanction: float = p(5.0, 0.0, 1e9, unit="utils", doc="penalty an actor expects if caught",
                        source="assumption")
    relocation_prob: float = p(0.05, 0.0, 1.0, unit="1/quarter",
                               doc="chance an actor moves toward lax enforcement",
                               source="assumption")
    skill_without_technique: float = p(0.5, 0.0, 1.0,
                                       doc="effectiveness of an actor who knows no misuse "
                                           "technique (1 with one)", source="assumption")
    inactive_quarters: int = p(4, 0, 1000, unit="quarters",
                               doc="an actor caught in quarter t acts again from quarter "
                                   "t + inactive_quarters",
                               source="assumption")
    liability_hardening: float = p(0.5, 0.0, 1.0,
                                   doc="share of the safeguards' gap a fully liable provider "
                                       "closes", source="assumption")
    nday_factor: float = p(5.0, 0.0, 1e6,
                           doc="how much easier known, unpatched vulnerabilities are to "
                               "exploit than to find", source="assumption")
