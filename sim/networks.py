"""Sparse networks in CSR form: users, malicious actors, organisations.

All builders are vectorised NumPy and draw from the generator they are given, so a network
is a pure function of the model's seed. Indices are int32 and pointers int64, the types the
diffusion kernels expect.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]


def csr_from_edges(n: int, src: NDArray, dst: NDArray) -> tuple[I64, I32]:
    """CSR adjacency from directed edges ``src -> dst`` (neighbours of ``src``)."""
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst[order].astype(np.int32)


def random_graph(n: int, degree: int, rng: np.random.Generator) -> tuple[I64, I32]:
    """Undirected random graph with mean degree about ``degree`` (no self-loops).

    Each node draws ``ceil(degree / 2)`` partners uniformly; every link is stored in both
    directions, so the degree distribution is close to ``degree / 2 + Poisson(degree / 2)``.
    """
    if n < 2:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int32)
    half = max(1, (degree + 1) // 2)
    src = np.repeat(np.arange(n, dtype=np.int64), half)
    dst = rng.integers(0, n - 1, size=src.shape[0])
    dst = dst + (dst >= src)  # skip self
    both_src = np.concatenate([src, dst])
    both_dst = np.concatenate([dst, src])
    return csr_from_edges(n, both_src, both_dst)


def complete_graph(n: int) -> tuple[I64, I32]:
    """Complete graph without self-loops; for verification against mean-field results."""
    if n > 20_000:
        raise ValueError(f"a complete graph on {n} nodes is too large (at most 20000)")
    idx = np.arange(n, dtype=np.int64)
    src = np.repeat(idx, n)
    dst = np.tile(idx, n)
    keep = src != dst
    return csr_from_edges(n, src[keep], dst[keep])
