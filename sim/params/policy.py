"""Parameters of policy and of a run: openness, regulation, jurisdictions, run settings.

One frozen dataclass per config group (``configs/<group>/``), each field with its valid
range, unit, meaning and source. The named options of these groups (``configs/openness/
staged.yaml`` ...) set several fields at once; :meth:`sim.params.Params.from_options`
applies them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.params.base import Section, p

#: governments keep stringency in [0, MAX_STRINGENCY]
MAX_STRINGENCY = 3.0


@dataclass(frozen=True)
class OpennessParams(Section):
    """The openness regime: which release levels labs use and under which licence."""

    name: str = p("api_only", doc="regime in the openness registry",
                  source="brief")
    release_level: int = p(2, 0, 4, doc="0 internal, 1 hosted, 2 API, 3 weights, 4 fully open",
                           source="Solaiman (2023) gradient")
    licence: str = p("proprietary", choices=("proprietary", "permissive", "copyleft",
                                             "noncommercial", "use_restricted"),
                     doc="licence of released weights",
                     source="brief (licence types); Lerner & Tirole (2002) for visibility")
    probation: int = p(4, 0, 1000, unit="quarters", doc="clean quarters before staged release",
                       source="assumption")
    commercial_fee: float = p(0.15, 0.0, 1.0, doc="dual licence: share of a commercial "
                                                "user's revenue paid to the licensor",
                              source="assumption")
    contributor_share: float = p(0.3, 0.0, 1.0, doc="share of licence fees reaching contributors",
                                 source="assumption")
    cannibalisation: float = p(0.9776, 0.0, 1.0, doc="endogenous: revenue lost by opening weights",
                               source="calibrated (docs/CALIBRATION.md)")
    rival_catch_up_cost: float = p(2.155, 0.0, 1e9, unit="mean revenues/OOM",
                                   doc="endogenous: value lost per OOM of lead given away",
                                   source="calibrated (docs/CALIBRATION.md)")
    community_value: float = p(2.4736, 0.0, 1e9, unit="mean revenues/OOM",
                               doc="endogenous: value of community contributions to a trailer",
                               source="calibrated (docs/CALIBRATION.md)")
    choice_beta: float = p(20.0, 0.0, 1e6, unit="1/mean revenue",
                           doc="endogenous: sharpness of the release logit",
                           source="calibrated (docs/CALIBRATION.md)")
    revision_prob: float = p(0.25, 0.0, 1.0, unit="1/quarter",
                             doc="endogenous: chance a lab reconsiders its release level",
                             source="assumption")
    contribution_rate: float = p(1.0, 0.0, 1e9, unit="contributions/quarter",
                                 doc="contributions per sqrt(user share) of an open model",
                                 source="assumption")
    api_bonus: float = p(0.1, 0.0, 100.0,
                         doc="endogenous: value of an API's builder fees and lock-in, as a "
                             "share of the lab's revenue", source="assumption")
    gap_cap: float = p(2.0, 0.0, 100.0, unit="OOM",
                       doc="endogenous: largest gap to the frontier a community helps close",
                       source="assumption")
    sponsorship_share: float = p(0.02, 0.0, 1.0,
                                 doc="share of the revenue of startups built on weights that "
                                     "reaches the model's contributors where the licence asks "
                                     "no fee (sponsorships, donations)",
                                 source="assumption (open-source funding through sponsorship)")


@dataclass(frozen=True)
class RegulationParams(Section):
    """The regulation regime and its instruments, applied by every government."""

    name: str = p("laissez_faire", doc="regime in the regulation registry",
                  source="brief")
    compute_threshold: float = p(26.0, 0.0, 40.0, unit="log10 FLOP",
                                 doc="capability above which tiered rules apply",
                                 source="US Executive Order 14110 (2023) reporting threshold 1e26 "
                                        "FLOP; EU AI Act art. 51 uses 1e25")
    transparency_floor: float = p(0.0, 0.0, 1.0, doc="minimum transparency a mandate imposes",
                                  source="assumption")
    compliance_cost: float = p(0.0, 0.0, 1.0, unit="share of investment",
                               doc="share of a covered lab's investment spent on compliance",
                               source="assumption")
    audits_required: int = p(0, 0, 1000, doc="clean audits before weights above the threshold",
                             source="assumption")
    licence_fee: float = p(0.0, 0.0, 1.0, unit="share of investment",
                           doc="share of a licensed lab's investment paid for its licence",
                           source="assumption")
    liability_share: float = p(0.0, 0.0, 1.0, doc="share of traced harm providers pay",
                               source="assumption; Shavell (1980) for the instrument")
    attribution_open: float = p(0.2, 0.0, 1.0,
                                doc="how often harm from open weights is traced to its lab",
                                source="assumption")
    inspection: float = p(0.0, 0.0, 1.0, doc="chance a covered unsafe lab is caught each quarter",
                          source="assumption; Han et al. (2021) for sanctions")
    fine: float = p(0.0, 0.0, 1.0, unit="share of cash",
                    doc="fine on a lab caught racing unsafely (like fines set as a share of "
                        "turnover)",
                    source="assumption")
    enforcement: float = p(0.2, 0.0, 1e6,
                           doc="enforcement budget: detection hazard on misuse per unit stringency",
                           source="assumption")
    merger_control: bool = p(False, doc="block acquisitions by dominant labs",
                             source="brief (switch)")
    merger_threshold: float = p(0.25, 0.0, 1.0, doc="user share above which a lab may not buy",
                                source="EU Merger Regulation 139/2004, recital 32: below 25% "
                                       "compatibility is presumed")
    export_controls: bool = p(False, doc="restrict weights leaving strict jurisdictions",
                              source="brief (switch)")
    export_leak: float = p(0.2, 0.0, 1.0, doc="share of a controlled flow that still gets out",
                           source="assumption")
    capacity_programmes: float = p(0.0, 0.0, 1.0, unit="capacity/quarter",
                                   doc="public capacity added to users each quarter",
                                   source="brief (switch)")
    adaptive: bool = p(False, doc="governments adjust stringency after observed outcomes",
                       source="brief (Tension 1)")
    adaptive_lag: int = p(4, 0, 1000, unit="quarters", doc="delay before harm is acted on",
                          source="assumption")
    harm_target: float = p(0.05, 0.0, 1e12, unit="price units/user-quarter",
                           doc="harm intensity (harm / market_size) the adaptive rule "
                               "and advocates tolerate",
                           source="assumption")
    adaptive_step: float = p(0.1, 0.0, 10.0, doc="stringency change per adaptive review",
                             source="assumption")
    adaptive_tolerance: float = p(0.25, 0.0, 10.0,
                                  doc="adaptive rule: harm within target x (1 +- tolerance) "
                                      "leaves stringency as it is", source="assumption")
    adaptive_range: float = p(0.5, 0.0, 10.0,
                              doc="adaptive rule: stringency stays within statute x "
                                  "(1 +- range), so the rule corrects, not rewrites, the law",
                              source="assumption")


@dataclass(frozen=True)
class JurisdictionParams(Section):
    """Jurisdictions, their relative stringency, and how far they cooperate."""

    name: str = p("single", doc="label of the jurisdiction layout")
    n: int = p(1, 1, 5, unit="jurisdictions", doc="number of jurisdictions and governments",
               source="brief")
    stringency: tuple[float, ...] = p((1.0,), doc="stringency multiplier per jurisdiction, "
                                                  ">= 0", source="scenario input")
    market_share: tuple[float, ...] = p((1.0,), doc="share of users in each jurisdiction, "
                                                    "sums to 1", source="scenario input")
    cooperation: float = p(0.0, 0.0, 1.0, doc="harmonisation of stringency across jurisdictions",
                           source="brief")
    relocation_cost: float = p(1.0, 0.0, 1e9, unit="utils", doc="cost of moving jurisdiction",
                               source="assumption")
    lax_threshold: float = p(0.5, 0.0, 1e6, doc="effective stringency below which a "
                                                "jurisdiction counts as lax",
                             source="assumption (equal to the binding stringency 0.5)")
    capacity: tuple[float, ...] = p((1.0,), doc="mean user capacity in each jurisdiction, "
                                                 "relative to market.capacity_mean",
                                    source="scenario input")
    compute_access: tuple[float, ...] = p((1.0,), doc="effective compute a mu buys for a lab "
                                                       "located in each jurisdiction, "
                                                       "relative to elsewhere",
                                          source="scenario input (export controls on chips, "
                                                 "cost of energy)")


@dataclass(frozen=True)
class RunParams(Section):
    """Length, seed and recording of one run."""

    steps: int = p(40, 0, 100_000, unit="quarters", doc="steps to simulate",
                   source="brief: ten years")
    seed: int = p(0, 0, 2**63 - 1, doc="entropy of the run's SeedSequence")
    replicates: int = p(1, 1, 100_000, doc="runs per configuration; replicate i draws from "
                                           "SeedSequence(seed, spawn_key=(i,))",
                        source="design")
    record_every: int = p(4, 1, 100_000, unit="steps", doc="per-agent recording interval")
    flush_every: int = p(20, 1, 100_000, unit="steps",
                         doc="steps between incremental writes of results to disk, each "
                             "with a checkpoint a killed run resumes from (command line)")
    progress: bool = p(True, doc="show a progress bar")
