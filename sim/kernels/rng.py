"""Counter-based uniform random numbers for kernels.

A uniform is a pure function of ``(key, step, stream, index)``: the SplitMix64 finaliser
applied to a counter. Because no state is carried between draws, a parallel loop gives the
same numbers whatever the number of threads or the chunking, and a kernel can draw for
user ``i`` at step ``t`` without drawing for anybody else.

Invariants: every output lies in [0, 1), has 53 random bits, and equal inputs give equal
outputs on every platform (only 64-bit unsigned integer arithmetic is used).

References
----------
.. [1] Steele, Lea & Flood (2014), "Fast splittable pseudorandom number generators",
   OOPSLA. (SplitMix64.)
.. [2] Salmon, Moraes, Dror & Shaw (2011), "Parallel random numbers: as easy as 1, 2, 3",
   SC'11. (Counter-based generation.)
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def stream_base(key: np.uint64, step: np.uint64, stream: np.uint64) -> np.uint64:
    """Hash ``(key, step, stream)`` into the base of one stream of draws."""
    return _mix(key ^ _mix(step * _GOLDEN + _mix(stream + _GOLDEN)))


@njit(cache=True, inline="always")
def uniform_at(base: np.uint64, index: np.uint64) -> float:
    """The uniform in [0, 1) at ``index`` of the stream starting at ``base``."""
    z = _mix(base + (index + np.uint64(1)) * _GOLDEN)
    return float(z >> _S11) * _INV53


@njit(cache=True)
def _fill_uniforms(base: np.uint64, out: NDArray[np.float64]) -> None:
    for i in range(out.shape[0]):
        out[i] = uniform_at(base, np.uint64(i))


def uniforms(key: int, step: int, stream: int, n: int) -> NDArray[np.float64]:
    """Return ``n`` counter-based uniforms for ``(key, step, stream)``.

    Parameters
    ----------
    key, step, stream : int
        Non-negative integers below 2**64 naming the stream.
    n : int
        Number of draws; element ``i`` equals what a kernel draws at index ``i``.

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``, float64, values in [0, 1).
    """
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    out = np.empty(n, dtype=np.float64)
    _fill_uniforms(np.uint64(stream_base(np.uint64(key), np.uint64(step), np.uint64(stream))), out)
    return out


@njit(cache=True)
def _fill_uniforms_at(base: np.uint64, ids: NDArray[np.uint64], out: NDArray[np.float64]) -> None:
    for i in range(ids.shape[0]):
        out[i] = uniform_at(base, ids[i])


def uniforms_at(key: int, step: int, stream: int, ids: NDArray[np.integer]) -> NDArray[np.float64]:
    """The counter-based uniforms at indices ``ids`` of the stream ``(key, step, stream)``.

    ``uniforms_at(k, t, s, ids)[j] == uniforms(k, t, s, n)[ids[j]]``: a draw depends only on
    its index, so an entity keyed by a stable identifier gets the same draw whatever else
    is drawn (common random numbers).

    Parameters
    ----------
    key, step, stream : int
        Non-negative integers below 2**64 naming the stream.
    ids : numpy.ndarray
        Non-negative integer indices, any shape.

    Returns
    -------
    numpy.ndarray
        float64 of the shape of ``ids``, values in [0, 1).
    """
    flat = np.ascontiguousarray(ids, dtype=np.int64).ravel()
    if flat.size and flat.min() < 0:
        raise ValueError("ids must be non-negative")
    out = np.empty(flat.shape[0], dtype=np.float64)
    _fill_uniforms_at(np.uint64(stream_base(np.uint64(key), np.uint64(step), np.uint64(stream))),
                      flat.astype(np.uint64), out)
    return out.reshape(np.shape(ids))
