"""Parameters of the model: frozen dataclasses, one per concern, with their valid ranges.

The dataclasses here are the single schema of a scenario. The command line registers them
in Hydra's ConfigStore (so every override is type-checked) and builds them from the
composed config; the Python API builds them directly. Each field carries its valid range,
unit and meaning in ``metadata``; :func:`validate` checks a whole :class:`Params` and raises
:class:`ConfigError` with a one-line message naming the key, the value and what is allowed.

Scales: one step is one quarter; capability is log10 of effective training compute
(FLOP-equivalent); money is in normalised money units (mu) per quarter, where the whole
user market paying a price of 1 would yield ``market.market_size`` mu.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CivilSocietyParams",
    "ConfigError",
    "DiffusionParams",
    "JurisdictionParams",
    "LabParams",
    "MaliciousParams",
    "MarketParams",
    "OpennessParams",
    "Params",
    "PopulationParams",
    "RaceParams",
    "RegulationParams",
    "RunParams",
    "StartupParams",
    "validate",
]


class ConfigError(ValueError):
    """A configuration value outside what the model accepts; its message is one line."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{key}={value!r} is invalid: {allowed}")

    def __reduce__(self) -> tuple[type, tuple[str, Any, str]]:
        # rebuilt from its three parts when it crosses a process boundary (sweep workers)
        return (type(self), (self.key, self.value, self.allowed))


def p(default: Any, lo: float | None = None, hi: float | None = None, *, unit: str = "",
      doc: str = "", choices: tuple[str, ...] | None = None) -> Any:
    """Declare a parameter with its default, closed range, unit and meaning."""
    meta = {"lo": lo, "hi": hi, "unit": unit, "doc": doc, "choices": choices}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class PopulationParams:
    """How many of each entity the model holds."""

    name: str = p("default", doc="label of the population tier")
    n_users: int = p(100_000, 1, 10_000_000, unit="users", doc="end users (arrays)")
    n_niches: int = p(20, 1, 10_000, unit="niches", doc="market niches users belong to")
    n_labs: int = p(8, 0, 50, unit="labs", doc="frontier labs")
    n_startups: int = p(40, 0, 100_000, unit="startups", doc="startups at t=0")
    max_startups: int = p(2000, 0, 100_000, unit="startups", doc="cap on live startups")
    n_cso: int = p(40, 0, 10_000, unit="organisations", doc="civil-society organisations")
    n_malicious: int = p(400, 0, 1_000_000, unit="actors", doc="malicious actors")


@dataclass(frozen=True)
class MarketParams:
    """Multinomial-logit choice of users over providers."""

    market_size: float = p(100.0, 1e-6, 1e9, unit="mu/quarter",
                           doc="revenue if every user paid a price of 1")
    reconsider_prob: float = p(0.1, 0.0, 1.0, doc="share of users redrawing their choice each step")
    outside_utility: float = p(0.0, -100.0, 100.0, unit="utils", doc="utility of no provider")
    alpha_mean: float = p(1.0, 1e-6, 1e6, unit="utils/price", doc="mean price sensitivity")
    alpha_sd: float = p(0.5, 0.0, 5.0, doc="log-sd of price sensitivity (lognormal)")
    beta_quality: float = p(2.0, 0.0, 100.0, unit="utils/OOM",
                            doc="mean utility of one order of magnitude of capability")
    beta_quality_sd: float = p(0.5, 0.0, 100.0, unit="utils/OOM", doc="sd of quality taste")
    openness_pref_mean: float = p(0.5, -100.0, 100.0, unit="utils",
                                  doc="mean taste for openness, control and privacy")
    openness_pref_sd: float = p(0.5, 0.0, 100.0, unit="utils", doc="sd of openness taste")
    switch_cost_mean: float = p(0.5, 0.0, 100.0, unit="utils", doc="mean switching cost")
    network_effect: float = p(0.2, 0.0, 10.0, unit="utils/log share",
                              doc="utility per unit log market share of a provider")
    marginal_cost: float = p(0.2, 0.0, 1e6, unit="price", doc="serving cost per user-quarter")
    initial_adoption: float = p(0.05, 0.0, 1.0, doc="share of users adopted at t=0")
    capacity_mean: float = p(0.4, 0.0, 1.0, doc="mean user capacity (compute and skills)")


@dataclass(frozen=True)
class DiffusionParams:
    """Bass adoption, knowledge spill-over and technique diffusion."""

    variant: str = p("meanfield", choices=("meanfield", "network"),
                     doc="Bass adoption: mean-field or over the user network")
    bass_p: float = p(0.01, 0.0, 10.0, unit="1/quarter", doc="Bass innovation rate")
    bass_q: float = p(0.12, 0.0, 10.0, unit="1/quarter", doc="Bass imitation rate")
    topology: str = p("random", choices=("random", "complete"),
                      doc="user network for the network variant")
    user_degree: int = p(10, 1, 10_000, unit="contacts", doc="mean contacts per user")
    substeps: int = p(4, 1, 1000, doc="synchronous sub-steps per step (network variant)")
    trust_effect: float = p(0.5, 0.0, 10.0,
                            doc="adoption rates scale by 1 + trust_effect * (trust - 0.5)")
    org_degree: int = p(3, 0, 1000, unit="links", doc="links of each organisation on entry")
    lab_spillover: float = p(0.05, 0.0, 1.0, unit="1/quarter",
                             doc="share of an open gap a lab closes per quarter")
    startup_spillover: float = p(0.1, 0.0, 1.0, unit="1/quarter",
                                 doc="share of an open gap a startup closes per quarter")
    technique_discovery: float = p(0.02, 0.0, 10.0, unit="1/quarter",
                                   doc="hazard of a malicious actor finding a technique alone")
    technique_sharing: float = p(0.3, 0.0, 10.0, unit="1/quarter",
                                 doc="hazard of learning it from a contact who has it")
    malicious_degree: int = p(6, 1, 1000, unit="contacts", doc="contacts per malicious actor")


@dataclass(frozen=True)
class LabParams:
    """Frontier labs: investment, growth, pricing, vulnerabilities, location."""

    initial_frontier: float = p(25.0, 0.0, 40.0, unit="log10 FLOP",
                                doc="capability of the leading lab at t=0")
    initial_spread: float = p(1.0, 0.0, 10.0, unit="log10 FLOP",
                              doc="gap between the leading and the last lab at t=0")
    initial_cash: float = p(20.0, 0.0, 1e9, unit="mu",
                            doc="mean cash of a lab at t=0 (split in proportion to compute)")
    invest_share: float = p(0.4, 0.0, 1.0, doc="share of cash invested in compute each quarter")
    external_funding: float = p(10.0, 0.0, 1e9, unit="mu/quarter",
                                doc="investor capital flowing to all labs at t=0")
    funding_growth: float = p(0.2389, 0.0, 1.0, unit="OOM/quarter",
                              doc="growth of investor capital (log10 per quarter)")
    funding_cap: float = p(300.0, 1.0, 1e12, unit="multiple",
                           doc="largest multiple of its t=0 size the investor pool reaches")
    funding_traction: float = p(1.0, 0.0, 1.0, unit="share",
                                doc="share of investor capital split by user share "
                                    "(the rest equally)")
    flop_per_mu: float = p(0.7, 1e-12, 1e12, unit="1e24 FLOP/mu",
                           doc="effective training compute one mu buys at t=0")
    hardware_progress: float = p(0.035, 0.0, 1.0, unit="OOM/quarter",
                                 doc="growth of compute per mu (price-performance)")
    compute_depreciation: float = p(0.1, 0.0, 1.0, unit="1/quarter",
                                    doc="obsolescence of the effective compute stock")
    fixed_cost: float = p(0.5, 0.0, 1e9, unit="mu/quarter", doc="running cost of a lab")
    contribution_gain: float = p(0.02, 0.0, 10.0, unit="log10 FLOP/quarter",
                                 doc="capability per unit log1p(community contributions)")
    vulns_per_oom: float = p(20.0, 0.0, 1e6, unit="vulnerabilities/OOM",
                             doc="latent vulnerabilities per order of magnitude of growth")
    transparency_base: float = p(0.3, 0.0, 1.0, doc="transparency of a lab before mandates")
    relocation_prob: float = p(0.02, 0.0, 1.0, unit="1/quarter",
                               doc="chance a lab reconsiders its jurisdiction")
    acquisition_prob: float = p(0.1, 0.0, 1.0, unit="1/quarter",
                                doc="chance a lab with spare cash tries an acquisition")
    acquisition_cash: float = p(5.0, 0.0, 1e9, unit="mu", doc="cash a lab keeps before buying")


@dataclass(frozen=True)
class RaceParams:
    """Safety race (Han, Pereira, Santos & Lenaerts 2020) and Fermi imitation."""

    payoff: str = p("market", choices=("market", "han"),
                    doc="imitation payoffs: market profits, or the DSAIR long-run matrix")
    speed_factor: float = p(1.5, 1.0, 100.0, doc="s: growth multiplier of unsafe labs")
    disaster_risk: float = p(0.01, 0.0, 1.0, doc="p_r: disaster probability of an unsafe lab")
    prize: float = p(10000.0, 0.0, 1e12, doc="B: prize of winning the race (han payoff)")
    benefit: float = p(4.0, 0.0, 1e9, doc="b: per-round benefit of leading (han payoff)")
    safety_cost: float = p(1.0, 0.0, 1e9, doc="c: per-round cost of safety (han payoff)")
    rounds: float = p(100.0, 1.0, 1e9, doc="W: rounds to win when all are safe (han payoff)")
    safety_cost_share: float = p(0.1, 0.0, 1.0,
                                 doc="share of investment a safe lab spends on safety (market)")
    initial_safe_share: float = p(0.5, 0.0, 1.0,
                                  doc="share of labs racing safely at t=0 (rounded to a count)")
    imitation_events: int = p(1, 0, 10_000, unit="events/quarter",
                              doc="pairwise-comparison updates per quarter")
    selection_intensity: float = p(1.0, 0.0, 1e6, doc="beta of the Fermi rule")
    mutation: float = p(0.01, 0.0, 1.0, doc="chance an update explores a random strategy")
    disaster_harm: float = p(50.0, 0.0, 1e12, unit="harm units", doc="harm of one disaster")
    disaster_setback: float = p(0.5, 0.0, 10.0, unit="log10 FLOP",
                                doc="capability a lab loses in a disaster")


@dataclass(frozen=True)
class StartupParams:
    """Startups: entry, base-model choice, niche revenue, exit."""

    entry_rate: float = p(6.0, 0.0, 1e6, unit="entries/quarter", doc="mean entries per quarter")
    open_entry_boost: float = p(1.0, 0.0, 100.0,
                                doc="extra entry when open weights are available")
    initial_cash: float = p(1.0, 0.0, 1e9, unit="mu", doc="cash of an entrant")
    fixed_cost: float = p(0.05, 0.0, 1e9, unit="mu/quarter", doc="running cost")
    adaptation_cost: float = p(0.3, 0.0, 1e9, unit="mu", doc="one-off cost of adapting weights")
    api_fee_share: float = p(0.3, 0.0, 1.0, doc="share of a startup's price paid to its API lab")
    fine_tune_bonus: float = p(0.6, 0.0, 100.0, unit="log10 FLOP",
                               doc="niche quality gained by fine-tuning open weights")
    api_bonus: float = p(0.3, 0.0, 100.0, unit="log10 FLOP",
                         doc="niche quality gained by prompting and tooling over an API")
    base_choice_beta: float = p(3.0, 0.0, 1e6, doc="sharpness of the base-model logit")


@dataclass(frozen=True)
class CivilSocietyParams:
    """Civil-society organisations: audits, disclosure, trust, capacity, advocacy."""

    discovery_rate: float = p(0.01, 0.0, 1e6, unit="1/quarter",
                              doc="hazard of one auditor finding one latent vulnerability "
                                  "with full (weights) access")
    patch_prob: float = p(0.5, 0.0, 1.0, unit="1/quarter",
                          doc="chance a disclosed vulnerability is patched each quarter")
    trust_speed: float = p(0.1, 0.0, 1.0, doc="share of the trust gap closed each quarter")
    harm_trust_scale: float = p(0.2, 1e-9, 1e12, unit="price units/user-quarter",
                                doc="harm intensity (harm / market_size) that halves "
                                    "trust's target")
    capacity_rate: float = p(0.002, 0.0, 1.0, unit="capacity/quarter",
                             doc="capacity added per organisation to its niche's users")
    advocacy: float = p(0.02, 0.0, 1.0, unit="stringency/quarter",
                        doc="stringency pressure per unit of excess harm (on adaptive "
                            "governments)")


@dataclass(frozen=True)
class MaliciousParams:
    """Malicious actors: target choice, misuse, exploitation, deterrence."""

    attempt_prob: float = p(0.3, 0.0, 1.0, doc="chance an undeterred actor attempts misuse")
    baseline_capability: float = p(23.0, 0.0, 40.0, unit="log10 FLOP",
                                   doc="capability of the non-AI baseline at t=0")
    baseline_growth: float = p(0.05, 0.0, 10.0, unit="log10 FLOP/quarter",
                               doc="growth of the baseline technology")
    harm_per_uplift: float = p(0.05, 0.0, 1e9, unit="harm units/OOM",
                               doc="harm of one successful attempt per OOM of uplift")
    exploit_harm: float = p(1.0, 0.0, 1e9, unit="harm units",
                            doc="harm of one exploited vulnerability")
    discovery_rate: float = p(0.001, 0.0, 1e6, unit="1/quarter",
                              doc="hazard of one attacker finding one latent vulnerability "
                                  "with full (weights) access")
    monitoring: float = p(0.3, 0.0, 1.0, doc="chance hosted or API misuse is detected")
    safeguards: float = p(0.6, 0.0, 1.0, doc="share of hosted or API attempts blocked")
    strip_cost: float = p(0.05, 0.0, 1e9, unit="utils",
                          doc="cost of removing safeguards from downloaded weights")
    target_beta: float = p(3.0, 0.0, 1e6, doc="sharpness of the target logit")
    sanction: float = p(5.0, 0.0, 1e9, unit="utils", doc="penalty an actor expects if caught")
    relocation_prob: float = p(0.05, 0.0, 1.0, unit="1/quarter",
                               doc="chance an actor moves toward lax enforcement")


@dataclass(frozen=True)
class OpennessParams:
    """The openness regime: which release levels labs use and under which licence."""

    name: str = p("api_only", doc="regime in the openness registry")
    release_level: int = p(2, 0, 4, doc="0 internal, 1 hosted, 2 API, 3 weights, 4 fully open")
    licence: str = p("proprietary", choices=("proprietary", "permissive", "copyleft",
                                             "noncommercial", "use_restricted"),
                     doc="licence of released weights")
    probation: int = p(4, 0, 1000, unit="quarters", doc="clean quarters before staged release")
    commercial_fee: float = p(0.15, 0.0, 1.0, doc="dual licence: share of a commercial "
                                                "user's revenue paid to the licensor")
    contributor_share: float = p(0.3, 0.0, 1.0, doc="share of licence fees reaching contributors")
    cannibalisation: float = p(0.6701, 0.0, 1.0, doc="endogenous: revenue lost by opening weights")
    rival_catch_up_cost: float = p(2.0054, 0.0, 1e9, unit="mean revenues/OOM",
                                   doc="endogenous: value lost per OOM of lead given away")
    community_value: float = p(2.3434, 0.0, 1e9, unit="mean revenues/OOM",
                               doc="endogenous: value of community contributions to a trailer")
    choice_beta: float = p(9.8452, 0.0, 1e6, unit="1/mean revenue",
                           doc="endogenous: sharpness of the release logit")
    revision_prob: float = p(0.25, 0.0, 1.0, unit="1/quarter",
                             doc="endogenous: chance a lab reconsiders its release level")
    contribution_rate: float = p(1.0, 0.0, 1e9, unit="contributions/quarter",
                                 doc="contributions per sqrt(user share) of an open model")


@dataclass(frozen=True)
class RegulationParams:
    """The regulation regime and its instruments, applied by every government."""

    name: str = p("laissez_faire", doc="regime in the regulation registry")
    compute_threshold: float = p(26.0, 0.0, 40.0, unit="log10 FLOP",
                                 doc="capability above which tiered rules apply")
    transparency_floor: float = p(0.0, 0.0, 1.0, doc="minimum transparency a mandate imposes")
    compliance_cost: float = p(0.0, 0.0, 1.0, unit="share of investment",
                               doc="share of a covered lab's investment spent on compliance")
    audits_required: int = p(0, 0, 1000, doc="clean audits before weights above the threshold")
    licence_fee: float = p(0.0, 0.0, 1.0, unit="share of investment",
                           doc="share of a licensed lab's investment paid for its licence")
    liability_share: float = p(0.0, 0.0, 1.0, doc="share of traced harm providers pay")
    attribution_open: float = p(0.2, 0.0, 1.0,
                                doc="how often harm from open weights is traced to its lab")
    inspection: float = p(0.0, 0.0, 1.0, doc="chance a covered unsafe lab is caught each quarter")
    fine: float = p(0.0, 0.0, 1.0, unit="share of cash",
                    doc="fine on a lab caught racing unsafely (like fines set as a share of "
                        "turnover)")
    enforcement: float = p(0.2, 0.0, 1e6,
                           doc="enforcement budget: detection hazard on misuse per unit stringency")
    merger_control: bool = p(False, doc="block acquisitions by dominant labs")
    merger_threshold: float = p(0.25, 0.0, 1.0, doc="user share above which a lab may not buy")
    export_controls: bool = p(False, doc="restrict weights leaving strict jurisdictions")
    export_leak: float = p(0.2, 0.0, 1.0, doc="share of a controlled flow that still gets out")
    capacity_programmes: float = p(0.0, 0.0, 1.0, unit="capacity/quarter",
                                   doc="public capacity added to users each quarter")
    adaptive: bool = p(False, doc="governments adjust stringency after observed outcomes")
    adaptive_lag: int = p(4, 0, 1000, unit="quarters", doc="delay before harm is acted on")
    harm_target: float = p(0.05, 0.0, 1e12, unit="price units/user-quarter",
                           doc="harm intensity (harm / market_size) the adaptive rule "
                               "and advocates tolerate")
    adaptive_step: float = p(0.1, 0.0, 10.0, doc="stringency change per adaptive review")


@dataclass(frozen=True)
class JurisdictionParams:
    """Jurisdictions, their relative stringency, and how far they cooperate."""

    name: str = p("single", doc="label of the jurisdiction layout")
    n: int = p(1, 1, 5, unit="jurisdictions", doc="number of jurisdictions and governments")
    stringency: list[float] = p([1.0], doc="stringency multiplier per jurisdiction, >= 0")
    market_share: list[float] = p([1.0], doc="share of users in each jurisdiction, sums to 1")
    cooperation: float = p(0.0, 0.0, 1.0, doc="harmonisation of stringency across jurisdictions")
    relocation_cost: float = p(1.0, 0.0, 1e9, unit="utils", doc="cost of moving jurisdiction")
    lax_threshold: float = p(0.5, 0.0, 1e6, doc="effective stringency below which a "
                                                "jurisdiction counts as lax")


@dataclass(frozen=True)
class RunParams:
    """Length, seed and recording of one run."""

    steps: int = p(40, 0, 100_000, unit="quarters", doc="steps to simulate")
    seed: int = p(0, 0, 2**63 - 1, doc="entropy of the run's SeedSequence")
    replicates: int = p(1, 1, 100_000, doc="runs per configuration; replicate i draws from "
                                           "SeedSequence(seed, spawn_key=(i,))")
    record_every: int = p(4, 1, 100_000, unit="steps", doc="per-agent recording interval")
    flush_every: int = p(20, 1, 100_000, unit="steps",
                         doc="steps between incremental writes of results to disk, each "
                             "with a checkpoint a killed run resumes from (command line)")
    progress: bool = p(True, doc="show a progress bar")


@dataclass(frozen=True)
class Params:
    """A whole scenario: one dataclass per config group."""

    population: PopulationParams = field(default_factory=PopulationParams)
    market: MarketParams = field(default_factory=MarketParams)
    diffusion: DiffusionParams = field(default_factory=DiffusionParams)
    labs: LabParams = field(default_factory=LabParams)
    race: RaceParams = field(default_factory=RaceParams)
    startups: StartupParams = field(default_factory=StartupParams)
    civil_society: CivilSocietyParams = field(default_factory=CivilSocietyParams)
    malicious: MaliciousParams = field(default_factory=MaliciousParams)
    openness: OpennessParams = field(default_factory=OpennessParams)
    regulation: RegulationParams = field(default_factory=RegulationParams)
    jurisdictions: JurisdictionParams = field(default_factory=JurisdictionParams)
    run: RunParams = field(default_factory=RunParams)

    def replace(self, **groups: dict[str, Any]) -> Params:
        """Return a copy with fields of named groups replaced, e.g. ``run={"steps": 3}``."""
        changed = {g: dataclasses.replace(getattr(self, g), **kv) for g, kv in groups.items()}
        return dataclasses.replace(self, **changed)


def _type_name(tp: Any) -> str:
    return {"int": "an integer", "float": "a number", "bool": "true or false",
            "str": "a string", "list[float]": "a list of numbers"}.get(str(tp), str(tp))


def _check_field(key: str, value: Any, f: dataclasses.Field) -> None:
    tp = str(f.type)
    meta = f.metadata
    if tp == "bool":
        ok = isinstance(value, bool)
    elif tp == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif tp == "str":
        ok = isinstance(value, str)
    else:
        ok = isinstance(value, list | tuple) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    if not ok:
        raise ConfigError(key, value, f"expected {_type_name(tp)}")
    if tp == "float" and not math.isfinite(value):
        raise ConfigError(key, value, "expected a finite number")
    lo, hi = meta.get("lo"), meta.get("hi")
    if tp in ("int", "float") and (lo is not None or hi is not None):
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            kind = ("a probability" if (lo, hi) == (0.0, 1.0)
                    else "an integer" if tp == "int" else "a number")
            fmt = (lambda b: f"{int(b)}") if tp == "int" else (lambda b: f"{b:g}")
            raise ConfigError(key, value, f"must be {kind} in [{fmt(lo)}, {fmt(hi)}]")
    if meta.get("choices") and value not in meta["choices"]:
        raise ConfigError(key, value, "choose one of: " + ", ".join(meta["choices"]))


def validate(params: Params) -> Params:
    """Check every value of ``params`` and the rules that tie values together.

    Returns
    -------
    Params
        The same object, for chaining.

    Raises
    ------
    ConfigError
        On the first value outside what the model accepts.
    """
    from sim.regimes import OPENNESS, REGULATION  # late import: regimes import params

    for group in dataclasses.fields(params):
        section = getattr(params, group.name)
        for f in dataclasses.fields(section):
            _check_field(f"{group.name}.{f.name}", getattr(section, f.name), f)
    for key, registry in (("openness.name", OPENNESS), ("regulation.name", REGULATION)):
        name = getattr(params, key.split(".")[0]).name
        if name not in registry:
            raise ConfigError(key, name, "choose one of: " + ", ".join(sorted(registry)))
    regime = OPENNESS[params.openness.name]
    if params.openness.release_level not in regime.levels:
        raise ConfigError("openness.release_level", params.openness.release_level,
                          f"openness={regime.name} allows "
                          + " or ".join(str(int(v)) for v in regime.levels))
    if params.openness.licence not in regime.licences:
        raise ConfigError("openness.licence", params.openness.licence,
                          f"openness={regime.name} allows " + ", ".join(regime.licences))
    _check_jurisdictions(params.jurisdictions)
    pop = params.population
    if pop.n_startups > pop.max_startups:
        raise ConfigError("population.n_startups", pop.n_startups,
                          f"must not exceed population.max_startups={pop.max_startups}")
    return params


def _check_jurisdictions(j: JurisdictionParams) -> None:
    for key in ("stringency", "market_share"):
        values = getattr(j, key)
        if len(values) != j.n:
            raise ConfigError(f"jurisdictions.{key}", list(values),
                              f"needs one value per jurisdiction (jurisdictions.n={j.n})")
        if any((not math.isfinite(v)) or v < 0 for v in values):
            raise ConfigError(f"jurisdictions.{key}", list(values),
                              "values must be finite and non-negative")
    if abs(sum(j.market_share) - 1.0) > 1e-6:
        raise ConfigError("jurisdictions.market_share", list(j.market_share), "must sum to 1")


def sections() -> dict[str, type]:
    """The dataclass of every config group of :class:`Params`, by group name."""
    return {f.name: type(getattr(Params(), f.name)) for f in dataclasses.fields(Params)}


def describe() -> list[dict[str, Any]]:
    """Every parameter as a record (key, default, range, unit, meaning), for the docs."""
    rows = []
    for name, cls in sections().items():
        for f in dataclasses.fields(cls):
            m = f.metadata
            default = getattr(cls(), f.name)
            rows.append({"key": f"{name}.{f.name}", "default": default,
                         "lo": m.get("lo"), "hi": m.get("hi"), "unit": m.get("unit", ""),
                         "doc": m.get("doc", ""), "choices": m.get("choices")})
    return rows
