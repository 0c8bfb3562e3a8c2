"""The shared vocabulary of the rules: release levels, build modes, choices, jurisdictions.

Every rule may use what is here without importing another rule's module. Nothing here
holds state.

*Release levels* follow Solaiman (2023), "The gradient of generative AI release": internal
only, hosted product, API, downloadable weights, fully open (weights, data and code). The
tables below are the one place where a level's consequences are written down; every
mechanism reads them, indexed by level. *Build modes* are how a startup builds on a lab's
model: through its paid API or on its downloaded weights; their consequences for users and
for spill-over are parameters (:class:`sim.params.StartupParams`). Random draws come from
:mod:`sim.streams`.

References
----------
.. [1] Solaiman, I. (2023). The gradient of generative AI release: methods and
   considerations. FAccT '23.
.. [2] Kapoor, S. et al. (2024). On the societal impact of open foundation models. ICML.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import NDArray


class Level(IntEnum):
    """Release levels, ordered from closed to open."""

    INTERNAL = 0
    HOSTED = 1
    API = 2
    WEIGHTS = 3
    FULLY_OPEN = 4


LEVELS = tuple(Level)

#: users can use the model (hosted product or better)
SERVES_USERS = np.array([False, True, True, True, True])
#: startups can build on it: 1 through a paid API, 2 by downloading weights
BUILD_MODE = np.array([0, 0, 1, 2, 2], dtype=np.int8)
#: access of auditors relative to weights (black-box access finds far less)
AUDIT_ACCESS = np.array([0.02, 0.1, 0.3, 1.0, 1.2])
#: access of attackers relative to weights
ATTACK_ACCESS = np.array([0.0, 0.1, 0.3, 1.0, 1.0])
#: how much of the artefact others can learn from (spill-over; distillation and leaks when closed)
SPILL_OPENNESS = np.array([0.01, 0.02, 0.05, 0.5, 0.8])
#: depth of use (adapt, inspect, run locally) that counts toward meaningful access
DEPTH = np.array([0.0, 0.4, 0.6, 1.0, 1.0])
#: openness, control and privacy a user values (utility scale factor)
USER_OPENNESS = np.array([0.0, 0.0, 0.25, 0.75, 1.0])
#: transparency a release adds by itself (model cards, weights, data)
TRANSPARENCY_BONUS = np.array([0.0, 0.0, 0.1, 0.3, 0.6])
#: misuse through the provider is monitored (hosted/API) or not (weights)
MONITORED = np.array([True, True, True, False, False])
#: community contributions are possible (weights), and visible (fully open)
CONTRIBUTION_VISIBILITY = np.array([0.0, 0.0, 0.0, 0.7, 1.0])
#: share of patches that reach deployed copies (downloaded weights are patched by few)
PATCH_REACH = np.array([1.0, 1.0, 1.0, 0.5, 0.5])


class BuildMode(IntEnum):
    """How a startup builds on a lab's model (0 is reserved: no base)."""

    API = 1
    WEIGHTS = 2


def logit_draw(util: NDArray[np.float64], u: NDArray[np.float64]) -> NDArray[np.int64]:
    """One multinomial-logit draw per row of ``util`` (rows: choosers, columns: options).

    ``u`` holds one uniform per chooser; the draw inverts the chooser's cumulative choice
    probabilities at it, so a chooser's choice depends on its own uniform only.
    """
    prob = np.exp(util - util.max(axis=1, keepdims=True))
    cum = prob.cumsum(axis=1)
    scaled = u * cum[:, -1]
    return np.minimum((cum < scaled[:, None]).sum(axis=1), util.shape[1] - 1).astype(np.int64)
