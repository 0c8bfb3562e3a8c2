"""Prices: logit-Bertrand markups over marginal cost (ODD 7.1).

A lab prices ``p = mc + 1 / (alpha_mean (1 - s))`` with ``s`` its share of all users last
quarter, the outside option included (Berry 1994); a startup prices the same way and grosses
the price up for the share of revenue it owes upstream.

References
----------
.. [1] Berry, S. (1994). Estimating discrete-choice models of product differentiation.
   RAND Journal of Economics 25(2), 242-262.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.params import MarketParams
from sim.state import LabStore, StartupStore

MAX_SHARE = 0.9  # the share used in the markup: keeps prices finite for a monopolist
MAX_FEE = 0.99  # the fee share used in the gross-up: keeps prices finite


def markup(share: NDArray[np.float64], alpha: float) -> NDArray[np.float64]:
    """Single-product logit markup ``1 / (alpha (1 - s))``, with ``s`` kept below 0.9."""
    return 1.0 / (alpha * (1.0 - np.minimum(share, MAX_SHARE)))


def set_lab_prices(labs: LabStore, mkt: MarketParams, n_users: int) -> None:
    """Every lab's price from last quarter's share of all users."""
    labs.price = mkt.marginal_cost + markup(labs.users / max(1, n_users), mkt.alpha_mean)


def set_startup_prices(st: StartupStore, rows: NDArray[np.int64], mkt: MarketParams,
                       n_users: int) -> None:
    """Prices of the startups in ``rows``, grossed up for the fee share they owe upstream."""
    gross = mkt.marginal_cost + markup(st.users[rows] / max(1, n_users), mkt.alpha_mean)
    st.price[rows] = gross / (1.0 - np.minimum(st.fee_share[rows], MAX_FEE))
