"""Labs choose where to be (ODD 7.14).

With probability ``relocation_prob`` a quarter a lab reconsiders its jurisdiction and draws
one by logit over ``relocation_access * market_share_g - aversion * sigma_g`` minus
``relocation_cost`` for moving, where an unsafe lab's aversion to stringency is 1 and a
safe lab's ``safe_stringency_aversion`` (it has less to fear from inspections). Malicious
actors relocate in :mod:`sim.rules.misuse`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.params import JurisdictionParams, LabParams
from sim.state import LabStore
from sim.streams import Draws, Stream
from sim.vocabulary import logit_draw


def relocate_labs(labs: LabStore, jur: JurisdictionParams, lp: LabParams,
                  effective: NDArray[np.float64], draws: Draws) -> None:
    """Movers draw a jurisdiction by logit over access minus stringency minus moving cost."""
    if labs.n == 0 or jur.n == 1:
        return
    movers = np.flatnonzero(draws.below(Stream.LAB_MOVES, labs.n, lp.relocation_prob))
    if movers.size == 0:
        return
    access = lp.relocation_access * np.asarray(jur.market_share)[None, :]
    aversion = np.where(labs.safe[movers], lp.safe_stringency_aversion, 1.0)[:, None]
    util = access - aversion * effective[None, :]
    stay = np.arange(jur.n)[None, :] == labs.jurisdiction[movers][:, None]
    util = util - jur.relocation_cost * ~stay
    labs.jurisdiction[movers] = logit_draw(util, draws.uniform(Stream.LAB_DESTINATION, movers))
