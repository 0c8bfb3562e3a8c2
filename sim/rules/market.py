"""The user market and the money it moves (ODD 7.1, 7.9).

Users choose among providers (every lab that serves users, and the live startups of their
niche) by multinomial logit in the market kernel (:func:`sim.kernels.market_step`).
Revenue is ``price * users * market_size / N``; a startup pays ``fee_share`` of its revenue
upstream to its base lab, and under a licence that charges fees a share
``contributor_share`` of the fees on weights reaches the model's contributors. Community
contributions to open models grow with the model's reach and the visibility its licence
gives contributors (Lerner & Tirole 2002).

References
----------
.. [1] Lerner, J. & Tirole, J. (2002). Some simple economics of open source. Journal of
   Industrial Economics 50(2), 197-234.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.kernels import MarketResult, benefit_sums, gini, market_step
from sim.ledger import Ledger
from sim.params import MarketParams, OpennessParams, StartupParams
from sim.state import LabStore, StartupStore, UserPopulation
from sim.vocabulary import CONTRIBUTION_VISIBILITY, DEPTH, SERVES_USERS, USER_OPENNESS, BuildMode

MARKET_STREAM = 1  # the kernel's counter-based stream
UNAVAILABLE = -1e9  # utility of a provider that does not serve users
SHARE_FLOOR = 1e-3  # log(share + floor): a new provider's network term stays finite


def provider_depth(labs: LabStore, st: StartupStore, sp: StartupParams) -> NDArray[np.float64]:
    """Depth of each provider's product (7.1): the labs', then every startup slot's."""
    weights = st.build_mode[: st.size] == BuildMode.WEIGHTS
    return np.concatenate([DEPTH[labs.release_level],
                           np.where(weights, sp.weights_depth, sp.api_depth)])


def provider_arrays(labs: LabStore, st: StartupStore, mkt: MarketParams, sp: StartupParams,
                    n_users: int, n_niches: int
                    ) -> tuple[dict[str, NDArray], NDArray[np.int32], NDArray[np.int32]]:
    """Per-provider arrays for the market kernel and the niche lists (CSR)."""
    size = st.size
    front = labs.capability.max() if labs.n else 0.0
    serving = SERVES_USERS[labs.release_level]
    weights = st.build_mode[:size] == BuildMode.WEIGHTS
    quality = np.concatenate([labs.capability - front, st.quality[:size] - front])
    all_users = np.concatenate([labs.users, st.users[:size]])
    lognet = mkt.network_effect * np.log(all_users / max(1, n_users) + SHARE_FLOOR)
    lognet[: labs.n] = np.where(serving, lognet[: labs.n], UNAVAILABLE)  # whatever the taste
    lab_redirect = np.where(serving, np.arange(labs.n), -1)
    acquirer = st.redirect[:size]
    if labs.n:
        acquirer = np.where(acquirer >= 0, lab_redirect[np.maximum(acquirer, 0)], -1)
    st_redirect = np.where(st.alive[:size], labs.n + np.arange(size), acquirer)
    providers = {
        "quality": quality,
        "price": np.concatenate([labs.price, st.price[:size]]),
        "openness": np.concatenate([USER_OPENNESS[labs.release_level],
                                    np.where(weights, sp.weights_openness, sp.api_openness)]),
        "lognet": lognet,
        "depth": provider_depth(labs, st, sp),
        "redirect": np.concatenate([lab_redirect, st_redirect]).astype(np.int32),
    }
    live = st.live()
    order = np.argsort(st.niche[live], kind="stable")
    counts = np.bincount(st.niche[live], minlength=n_niches)
    niche_ptr = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=niche_ptr[1:])
    niche_idx = (labs.n + live[order]).astype(np.int32)
    return providers, niche_ptr, niche_idx


def trade(users: UserPopulation, labs: LabStore, st: StartupStore, mkt: MarketParams,
          sp: StartupParams, n_niches: int, *, key: int, t: int,
          ledger: Ledger) -> MarketResult:
    """Users choose providers; providers' users, shares and revenue follow."""
    providers, niche_ptr, niche_idx = provider_arrays(labs, st, mkt, sp, users.n, n_niches)
    result = market_step(
        users.kernel_arrays(), providers, n_general=labs.n, niche_ptr=niche_ptr,
        niche_idx=niche_idx, reconsider_prob=mkt.reconsider_prob,
        outside_utility=mkt.outside_utility, key=key, step=t, stream=MARKET_STREAM)
    counts, size = result.counts, st.size
    access = max(1, result.access)
    per_user = mkt.market_size / max(1, users.n)
    labs.users = counts[: labs.n].copy()
    labs.share = labs.users / access
    labs.revenue = labs.price * labs.users * per_user
    st.users[:size] = counts[labs.n: labs.n + size]
    st.share[:size] = st.users[:size] / access
    st.revenue[:size] = st.price[:size] * st.users[:size] * per_user
    ledger.book("user_payments", labs.revenue)
    ledger.book("user_payments", st.revenue[st.live()])
    return result


def pay_upstream(labs: LabStore, st: StartupStore, contributor_share: float,
                 sponsorship: float, ledger: Ledger) -> tuple[float, NDArray[np.float64]]:
    """Fees from startups to their base labs, and what reaches the models' contributors.

    Contributors of a model built on as weights receive ``contributor_share`` of the fees
    its builders pay, and, where the licence asks no fee, ``sponsorship`` of their revenue
    (0 where the licence forbids it). Returns what reached contributors this quarter (mu),
    in all and by the lab whose model they contribute to.
    """
    live = st.live()
    fees = st.fee_share[live] * st.revenue[live]
    weights = st.build_mode[live] == BuildMode.WEIGHTS
    from_fees = np.where(weights, contributor_share, 0.0) * fees
    sponsored = np.where(weights, sponsorship, 0.0) * st.revenue[live]
    to_contrib = from_fees + sponsored
    np.add.at(labs.revenue, st.base[live], fees - from_fees)
    ledger.book("contributors", -to_contrib)
    st.cash[live] += st.revenue[live] - fees - sponsored
    by_lab = np.bincount(st.base[live], weights=to_contrib, minlength=labs.n).astype(np.float64)
    return float(to_contrib.sum()), by_lab


def contributions(labs: LabStore, st: StartupStore, op: OpennessParams, visibility: float,
                  paid: NDArray[np.float64]) -> None:
    """Community contributions to open models (Lerner & Tirole 2002).

    ``visibility`` is the licence's visibility of a contribution; ``paid`` the fees each
    lab's contributors received this quarter.
    """
    live = st.live()
    derived = np.bincount(st.base[live],
                          weights=st.share[live] * (st.build_mode[live] == BuildMode.WEIGHTS),
                          minlength=labs.n)
    impact = labs.share + derived
    seen = CONTRIBUTION_VISIBILITY[labs.release_level] * visibility
    labs.contributions = op.contribution_rate * seen * np.sqrt(impact) * (1.0 + np.log1p(paid))


def who_benefits(users: UserPopulation, labs: LabStore, st: StartupStore, sp: StartupParams,
                 n_jurisdictions: int) -> dict[str, float]:
    """How meaningful access and surplus are spread over users after this quarter's market.

    Users are split by capacity into the bottom and top fifths (the 20% and 80% quantiles of
    the current capacities). A user's meaningful access is ``capacity x depth`` of the
    provider she holds (0 without one); her surplus is her log-sum consumer surplus.
    """
    if users.n == 0:
        nan = float("nan")
        return {"meaningful_access_gini": 0.0,
                "meaningful_access_bottom_fifth": nan, "meaningful_access_top_fifth": nan,
                "surplus_bottom_fifth": nan, "surplus_top_fifth": nan,
                "meaningful_access_jurisdiction_min": nan,
                "meaningful_access_jurisdiction_max": nan}
    depth = provider_depth(labs, st, sp)
    low, high = np.quantile(users.capacity, [0.2, 0.8])
    sums = benefit_sums(users.choice, users.capacity, users.surplus, users.jurisdiction,
                        depth, low, high, n_jurisdictions)
    bottom, top = sums.bottom, sums.top
    has = sums.jurisdiction_users > 0
    by_jur = sums.jurisdiction_access[has] / sums.jurisdiction_users[has]
    return {"meaningful_access_gini": gini(sums.meaningful),
            "meaningful_access_bottom_fifth": float(bottom[1] / bottom[0]),
            "meaningful_access_top_fifth": float(top[1] / top[0]),
            "surplus_bottom_fifth": float(bottom[2] / bottom[0]),
            "surplus_top_fifth": float(top[2] / top[0]),
            "meaningful_access_jurisdiction_min": float(by_jur.min()),
            "meaningful_access_jurisdiction_max": float(by_jur.max())}
