"""Labs choose their release level and disclose (ODD 7.5).

The openness regime gives each lab the level it wants; regulation caps it; the lab releases
the smaller of the two, but never less than the regime's legal floor (a mandate), and never
less than the weights it has already released for its current model version: released
weights cannot be recalled, so conditions (probations, audits, bans) gate new versions, not
published ones. A lab's
own transparency is ``transparency_base`` plus what its release discloses by itself, less
``unsafe_transparency_penalty`` when it races unsafely; a disclosure mandate sets a floor.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.params import LabParams
from sim.state import LabStore
from sim.vocabulary import TRANSPARENCY_BONUS, Level


def decide_release(labs: LabStore, lp: LabParams, *, desired: NDArray[np.int64],
                   cap: NDArray[np.int64], floor: NDArray[np.int64],
                   transparency_floor: NDArray[np.float64]) -> None:
    """Set every lab's release level and transparency for this quarter."""
    if labs.n == 0:
        return
    released = np.where(labs.released_level >= Level.WEIGHTS, labs.released_level, 0)
    labs.release_level = np.maximum(np.maximum(np.minimum(desired, cap), floor), released)
    labs.released_level = np.maximum(labs.released_level, labs.release_level)
    weights = labs.release_level >= Level.WEIGHTS
    labs.open_capability = np.where(weights, np.maximum(labs.open_capability, labs.capability),
                                    labs.open_capability)
    own = lp.transparency_base + TRANSPARENCY_BONUS[labs.release_level]
    own = own - lp.unsafe_transparency_penalty * ~labs.safe
    labs.transparency = np.clip(np.maximum(own, transparency_floor), 0.0, 1.0)

