"""Labs buy startups built on them, subject to merger control (ODD 7.8).

A lab holding more than ``acquisition_cash`` tries, with probability ``acquisition_prob``,
to buy the largest startup built on it, for ``acquisition_price_quarters`` quarters of that
startup's revenue plus ``acquisition_premium`` mu (paid to founders outside the model).
Merger control blocks buyers whose ecosystem (own users plus users of the startups built on
them, last quarter) exceeds ``merger_threshold`` of the users holding a provider. The buyer
takes over the users. Buyers act one after another, in lab order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.ledger import Ledger
from sim.params import LabParams, RegulationParams
from sim.state import LabStore, StartupStore
from sim.streams import Draws, Stream


@dataclass
class Acquisitions:
    """What the quarter's acquisitions did: each bought startup with its buyer."""

    bought: list[tuple[int, int]] = field(default_factory=list)  # (startup row, lab)
    blocked: int = 0  # attempts merger control blocked


def acquire(labs: LabStore, st: StartupStore, lp: LabParams, reg: RegulationParams,
            ledger: Ledger, draws: Draws) -> Acquisitions:
    """Each buying lab buys the largest startup built on it, if it can and may.

    A bought startup leaves the market at once (``alive`` False, its users redirected to the
    buyer), so a later buyer never sees it.
    """
    out = Acquisitions()
    live = st.live()
    if live.size == 0 or labs.n == 0:
        return out
    buyers = np.flatnonzero((labs.cash > lp.acquisition_cash)
                            & draws.below(Stream.ACQUISITION, labs.n, lp.acquisition_prob))
    ecosystem = labs.share + np.bincount(st.base[live], weights=st.share[live],
                                         minlength=labs.n)
    for b in buyers:
        mine = live[(st.base[live] == b) & st.alive[live]]
        if mine.size == 0:
            continue
        target = int(mine[np.argmax(st.users[mine])])
        cost = lp.acquisition_price_quarters * st.revenue[target] + lp.acquisition_premium
        if reg.merger_control and ecosystem[b] > reg.merger_threshold:
            out.blocked += 1
            continue
        if labs.cash[b] - cost < lp.acquisition_cash:
            continue
        labs.cash[b] -= cost
        ledger.book("acquisitions", -cost)
        ledger.book("exits", -st.cash[target])
        st.alive[target] = False
        st.redirect[target] = int(b)
        out.bought.append((target, int(b)))
    return out
