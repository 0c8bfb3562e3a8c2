"""Adoption of AI by the users: Bass diffusion, paced by public trust (ODD 7.2).

The innovation and imitation rates ``p`` and ``q`` are scaled by
``max(0, 1 + trust_effect * (trust - 0.5))``: trust above one half speeds adoption, below it
slows it. The mean-field variant follows the exact flow of ``dF/dt = (p + q F)(1 - F)``;
the network variant spreads over the users' contact network in synchronous sub-steps.

References
----------
.. [1] Bass, F. M. (1969). A new product growth for model consumer durables. Management
   Science 15(5), 215-227.
"""

from __future__ import annotations

from sim.kernels import bass_meanfield_step, bass_network_step
from sim.params import DiffusionParams
from sim.state import UserPopulation

ADOPTION_STREAM = 2  # the kernels' counter-based stream


def adopt(users: UserPopulation, dif: DiffusionParams, trust: float, *, key: int,
          t: int) -> None:
    """One quarter of adoption."""
    factor = max(0.0, 1.0 + dif.trust_effect * (trust - 0.5))
    p, q = dif.bass_p * factor, dif.bass_q * factor
    if dif.variant == "network":
        assert users.indptr is not None and users.indices is not None
        bass_network_step(users.adopted, users.indptr, users.indices, p, q, key=key, step=t,
                          stream=ADOPTION_STREAM, substeps=dif.substeps)
    else:
        bass_meanfield_step(users.adopted, p, q, key=key, step=t, stream=ADOPTION_STREAM)
