"""Labs invest and grow: investor capital, compute stock, spill-over, contributions (ODD 7.4).

Capability is ``24 + log10(E)`` with ``E`` the lab's effective compute stock in units of
1e24 FLOP. Investor capital (:func:`external_funding`) flows in each quarter. A lab then
invests ``I = invest_share * max(cash, 0)``; compliance and licences take a share of it
first; a safe lab spends ``safety_cost_share`` of the rest on safety, an unsafe lab gets
``speed_factor`` times more out of it (Han et al. 2020). The stock evolves as
``E <- (1 - compute_depreciation) E + I_eff * flop_per_mu * 10^(hardware_progress t)``,
which gives diminishing returns to investment in log terms. Spill-over from better-placed
neighbours (open weights spill far more than APIs; closed models leak slowly) and
``contribution_gain * log1p(C)`` from community contributions ``C`` multiply ``E`` by
``10^gain`` (algorithmic progress). Capability never falls except in a disaster;
regulation may cap it. Growth of ``dc`` OOM brings ``Poisson(vulns_per_oom * dc)`` latent
vulnerabilities; a new model version (every ``labs.version_step`` OOM) needs new audits.

References
----------
.. [1] Han, T. A., Pereira, L. M., Santos, F. C. & Lenaerts, T. (2020). To regulate or not:
   a social dynamics analysis of an idealised AI race. JAIR 69, 881-921.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.ledger import Ledger
from sim.params import LabParams, RaceParams
from sim.state import COMPUTE_UNIT, LabStore
from sim.streams import Draws, Stream

MAX_EXPONENT = 250.0  # keeps 10**x finite in very long runs
MAX_CAPABILITY = 300.0  # log10 FLOP: keeps the compute stock finite


def flop_per_mu(lp: LabParams, t: int) -> float:
    """Effective compute (1e24 FLOP) one mu buys in quarter ``t``."""
    return lp.flop_per_mu * 10.0 ** min(lp.hardware_progress * t, MAX_EXPONENT)


def external_funding(labs: LabStore, lp: LabParams, t: int) -> NDArray[np.float64]:
    """Investor capital each lab receives in quarter ``t`` (mu).

    The pool ``external_funding * min(10^(funding_growth t), funding_cap)`` is split, a
    share ``funding_traction`` by last quarter's user share and the rest equally: capital
    follows both promise and traction, and stops growing when investors' appetite is met.
    """
    growth = min(lp.funding_growth * t, float(np.log10(lp.funding_cap)))
    pool = lp.external_funding * 10.0**growth
    if labs.n == 0:
        return np.zeros(0)
    total = labs.users.sum()
    traction = labs.users / total if total > 0 else np.full(labs.n, 1.0 / labs.n)
    w = lp.funding_traction
    return pool * ((1.0 - w) / labs.n + w * traction)


def grown_stock(base: NDArray[np.float64], algorithmic: NDArray[np.float64],
                log_cap: NDArray[np.float64]) -> NDArray[np.float64]:
    """``min(base * 10^algorithmic, 10^log_cap)`` without overflowing on the way.

    Where the product would pass the cap the cap is taken directly, and very large
    exponents are applied in log space; elsewhere the product is computed as written, so
    ordinary values are unchanged to the bit.
    """
    total = np.log10(np.maximum(base, 1e-300)) + algorithmic
    over = total > log_cap
    direct = ~over & (algorithmic <= 300.0)
    product = base * 10.0 ** np.where(direct, algorithmic, 0.0)
    in_logs = 10.0 ** np.where(direct | over, 0.0, total)  # below the cap: finite
    stock = np.where(direct, product, np.where(over, 10.0 ** log_cap, in_logs))
    stock = np.where(base > 0, stock, 0.0)
    return np.minimum(stock, 10.0 ** log_cap)


def invest_and_grow(labs: LabStore, lp: LabParams, race: RaceParams, t: int, *,
                    compliance: NDArray[np.float64], capability_cap: NDArray[np.float64],
                    spill: NDArray[np.float64], compute_access: NDArray[np.float64],
                    ledger: Ledger, draws: Draws) -> None:
    """One quarter of funding, investment and growth for every lab.

    Parameters
    ----------
    compliance : numpy.ndarray
        Share of each lab's investment spent on compliance and licences (regulation).
    capability_cap : numpy.ndarray
        Highest capability each lab may train to, log10 FLOP (regulation).
    spill : numpy.ndarray
        Spill-over each lab absorbs this quarter, already scaled by ``lab_spillover``.
    compute_access : numpy.ndarray
        Effective compute a mu buys where each lab is located, relative to elsewhere
        (``jurisdictions.compute_access``).
    """
    if labs.n == 0:
        return
    funding = external_funding(labs, lp, t)
    labs.cash = labs.cash + funding
    ledger.book("investor_funding", funding)
    invest = lp.invest_share * np.maximum(labs.cash, 0.0)
    productive = invest * (1.0 - compliance)
    effective = productive * np.where(labs.safe, 1.0 - race.safety_cost_share, race.speed_factor)
    flop = effective * flop_per_mu(lp, t) * compute_access
    algorithmic = spill + lp.contribution_gain * np.log1p(labs.contributions)
    base = labs.compute * (1.0 - lp.compute_depreciation) + flop
    limit = np.maximum(capability_cap, labs.capability)
    stock = grown_stock(base, algorithmic, np.minimum(limit, MAX_CAPABILITY) - COMPUTE_UNIT)
    labs.compute = stock
    new = np.maximum(labs.capability, COMPUTE_UNIT + np.log10(np.maximum(stock, 1e-300)))
    growth = new - labs.capability
    labs.capability = new
    labs.cash = labs.cash - invest
    ledger.book("compute_investment", -invest)
    labs.latent_vulns += draws.poisson(Stream.NEW_VULNERABILITIES, labs.n,
                                       lp.vulns_per_oom * growth)
    new_version = labs.capability - labs.version_capability >= lp.version_step
    labs.version_capability = np.where(new_version, labs.capability, labs.version_capability)
    labs.clean_audits[new_version] = 0
    labs.released_level[new_version] = 0  # a new version is released afresh
