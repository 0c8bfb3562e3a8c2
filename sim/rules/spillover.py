"""Knowledge spill-over over the organisation network, and export controls (ODD 7.3).

Node ``i`` absorbs ``sum_j w_ij o_j max(0, x_j - x_i)``: it closes part of its gap to
better-placed neighbours, in proportion to how open their artefacts are (``o_j``), with
``w_ij = 1 / degree_i``. A lab's know-how is its capability and its openness that of its
release level; a startup's know-how is its base model plus its skill (its niche bonus is
not frontier knowledge), and its openness depends on how it builds (weights under a
copyleft licence share back most). Links of organisations that left are dropped. Where
export controls bind, a link from a strict jurisdiction into another carries only
``export_leak`` of its weight; the same controls keep downloaded weights from reaching
actors and builders abroad (:func:`weights_reach`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.kernels import spillover
from sim.networks import csr_from_edges
from sim.params import RegulationParams, StartupParams
from sim.regimes import BINDING_STRINGENCY
from sim.state import LabStore, OrgNetwork, StartupStore
from sim.streams import Draws, Stream
from sim.vocabulary import SPILL_OPENNESS, BuildMode, Level


def org_spillover(labs: LabStore, st: StartupStore, network: OrgNetwork, sp: StartupParams,
                  copyleft: bool, effective: NDArray[np.float64],
                  reg: RegulationParams) -> NDArray[np.float64]:
    """Spill-over each organisation can absorb now (labs first, then startup rows)."""
    n = labs.n + st.size
    size = st.size if labs.n else 0
    st_level = labs.capability[st.base[:size]] + st.skill[:size]
    level = np.concatenate([labs.capability, st_level])
    weights_open = sp.spill_weights_copyleft if copyleft else sp.spill_weights
    st_open = np.where(st.build_mode[: st.size] == BuildMode.WEIGHTS, weights_open, sp.spill_api)
    openness = np.concatenate([SPILL_OPENNESS[labs.release_level], st_open])
    alive = np.concatenate([np.ones(labs.n, bool), st.alive[: st.size]])
    jur = np.concatenate([labs.jurisdiction, st.jurisdiction[: st.size]])
    s, d = network.src, network.dst
    keep = alive[s] & alive[d]
    s, d = s[keep], d[keep]
    indptr, indices = csr_from_edges(n, s, d)
    deg = np.diff(indptr)
    w = 1.0 / np.maximum(deg, 1)[np.repeat(np.arange(n), deg)]
    if reg.export_controls:
        nbr = indices.astype(np.int64)
        src = np.repeat(np.arange(n), deg)
        strict = effective[jur[nbr]] >= BINDING_STRINGENCY
        w = np.where(strict & (jur[nbr] != jur[src]), w * reg.export_leak, w)
    return spillover(indptr, indices, w, level, openness)


def weights_reach(labs: LabStore, effective: NDArray[np.float64], reg: RegulationParams,
                  draws: Draws, jurisdiction: NDArray[np.int64], chooser: NDArray[np.int64],
                  stream: Stream) -> NDArray[np.bool_]:
    """Whether each lab's weights reach each chooser in the given jurisdictions, (k, L).

    Without export controls every released weight reaches everyone. With them, weights of
    a lab in a jurisdiction where they bind reach only its own jurisdiction, and each flow
    abroad leaks through with probability ``export_leak``, drawn for each (chooser, lab)
    pair (``chooser`` names the choosers by stable ids) from ``stream``.
    """
    has = (labs.release_level >= Level.WEIGHTS)[None, :]
    if not reg.export_controls:
        return np.broadcast_to(has, (len(jurisdiction), labs.n)).copy()
    strict = (effective[labs.jurisdiction] >= BINDING_STRINGENCY)[None, :]
    same = jurisdiction[:, None] == labs.jurisdiction[None, :]
    pairs = chooser[:, None] * labs.n + np.arange(labs.n)[None, :]
    leak = draws.below(stream, pairs, reg.export_leak)
    return has & (~strict | same | leak)
