"""``aieco bench``: how fast the model is, measured against its performance targets.

Every figure comes from the same run and is printed as a table (measurement, value, unit,
target, met) and written to ``bench.json`` with the machine it ran on. Sections:

``market``
    The logit market kernel (:func:`sim.kernels.market.market_step`) in user-provider
    pairs per second for N users and K providers, against a vectorised NumPy version and a
    pure-Python loop version of the same arithmetic (same utilities, log-sum, counter-based
    uniforms and inverse-CDF draw). The pure-Python version runs on a smaller N and is
    scaled to pairs per second.
``diffusion``
    The knowledge spill-over kernel (:func:`sim.kernels.diffusion.spillover`) and the
    network Bass kernel (:func:`sim.kernels.diffusion.bass_network_step`) on random
    organisation networks of mean degree about 10, against ``scipy.sparse`` CSR versions.
``step``
    A full model step at the large tier with one and with two Numba threads, broken down by
    the model's own phases (:data:`sim.phases.PHASES`, timed through ``model.on_phase``),
    the agent logic per agent-step (every phase but the market and the record), and whether
    both thread counts give byte-identical results.
``startup``
    ``aieco run population=tiny run.steps=1`` to its first step against ``python -c
    "import mesa"``, in alternation; what the run imports beyond Mesa; and a fresh process
    that imports :mod:`sim`, composes the default configuration, builds the model and runs
    one step, with a cold and with a warm Numba cache (:mod:`experiments.bench_sweep`).
``sweep``
    The ``concentration`` grid at two replicates and at its default: the serial in-process
    loop, ``aieco sweep`` on one and on two local workers, and on SLURM when a controller
    answers; efficiency and per-run overhead (:mod:`experiments.bench_sweep`).
``memory``
    Peak resident memory of a process running the large tier for a few steps.

Speed is only measured and reported here, never asserted: the tests check that the
implementations agree and that the command writes its report.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

SECTIONS = ("market", "diffusion", "step", "startup", "sweep", "memory")

#: the large tier as the targets define it: 1e6 users, 50 providers (20 labs and 30
#: startups at t=0), about 1e4 Mesa agents (population=large alone holds about 5e3)
LARGE = ("population=large", "population.n_malicious=9750", "run.progress=false")

#: market settings of the synthetic benchmark
MARKET_ARGS: dict[str, Any] = {"reconsider_prob": 0.1, "outside_utility": 0.0,
                               "key": 20240601, "step": 3, "stream": 1}


@dataclass(frozen=True)
class Settings:
    """Sizes and repeat counts of one bench run."""

    market_n: tuple[int, ...] = (100_000, 1_000_000)
    market_k: tuple[int, ...] = (10, 50, 200)
    market_repeats: int = 5
    numpy_repeats: int = 3
    python_pairs: int = 300_000
    python_repeats: int = 3
    diffusion_n: tuple[int, ...] = (10_000, 100_000)
    diffusion_degree: int = 10
    diffusion_repeats: int = 7
    step_overrides: tuple[str, ...] = LARGE
    step_warmup: int = 2
    step_steps: int = 10
    startup_warm_repeats: int = 3
    startup_imports: bool = True
    startup_pairs: int = 5
    #: the sweep section's grid, and (replicates, targets on two workers) per workload
    sweep_overrides: tuple[str, ...] = ("+experiment=concentration",)
    sweep_workloads: tuple[tuple[int, dict[str, float]], ...] = (
        (2, {"efficiency": 0.85, "overhead": 0.10}),
        (10, {"efficiency": 0.9, "overhead": 0.10}))
    memory_overrides: tuple[str, ...] = LARGE
    memory_steps: int = 5


FULL = Settings()
QUICK = Settings(market_n=(100_000,), market_k=(10, 50), market_repeats=3, numpy_repeats=1,
                 python_pairs=60_000, python_repeats=1, diffusion_repeats=3, step_warmup=1,
                 step_steps=3, startup_warm_repeats=1, startup_imports=False, startup_pairs=1,
                 sweep_overrides=("+experiment=concentration", "population=tiny", "run.steps=4",
                                  "openness=closed,open_weights",
                                  "regulation=laissez_faire,liability"),
                 sweep_workloads=((2, {"efficiency": 0.85, "overhead": 0.10}),),
                 memory_steps=2)


@dataclass
class Row:
    """One line of the report: a measured value and, if it has one, its target."""

    name: str
    value: float | bool | None
    unit: str
    target: tuple[str, float | bool] | None = None
    note: str = ""
    met: bool | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.met = check(self.value, self.target)

    def as_dict(self) -> dict[str, Any]:
        """The row as JSON-ready values."""
        target = f"{self.target[0]} {self.target[1]}" if self.target else None
        return {"name": self.name, "value": self.value, "unit": self.unit, "target": target,
                "met": self.met, "note": self.note}


def check(value: float | bool | None, target: tuple[str, float | bool] | None) -> bool | None:
    """Whether ``value`` meets ``target`` (``(op, threshold)``); None without either."""
    if target is None or value is None:
        return None
    op, want = target
    if isinstance(value, float) and math.isnan(value):
        return False
    if op == "==":
        return bool(value == want)
    v, w = float(value), float(want)
    return {">=": v >= w, "<=": v <= w, "<": v < w, ">": v > w}[op]


# ------------------------------------------------------------------------------------------
# timing helpers
# ------------------------------------------------------------------------------------------


def timed(fn: Callable[[], object], repeats: int, setup: Callable[[], object] | None = None,
          min_time: float = 0.02) -> list[float]:
    """Seconds per call of ``fn``, ``repeats`` times (call ``fn`` once before to warm up).

    Without ``setup``, each repeat loops ``fn`` enough times to last ``min_time`` and
    reports the mean per call; with ``setup``, each repeat runs ``setup`` untimed, then
    ``fn`` once.
    """
    number = 1
    if setup is None:
        start = time.perf_counter()
        fn()
        once = max(time.perf_counter() - start, 1e-9)
        number = max(1, int(min_time / once))
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return times


def _nothing() -> None:
    pass


def max_threads() -> int:
    """The most threads Numba can use in this process (``NUMBA_NUM_THREADS``)."""
    from numba import config

    return int(config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]


@contextmanager
def numba_threads(n: int) -> Iterator[None]:
    """Run the body with ``n`` Numba threads, then restore the previous count."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _median(times: Sequence[float]) -> float:
    return float(statistics.median(times))


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child Python that imports the same :mod:`sim` as this one."""
    import sim

    env = dict(os.environ)
    root = str(Path(sim.__file__).resolve().parent.parent)
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in parts:
        parts.insert(0, root)
    env["PYTHONPATH"] = os.pathsep.join(parts)
    env.update(extra or {})
    return env


# ------------------------------------------------------------------------------------------
# counter-based uniforms outside Numba (same numbers as sim.kernels.rng)
# ------------------------------------------------------------------------------------------

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_INV53 = 1.0 / 9007199254740992.0


def stream_base(key: int, step: int, stream: int) -> int:
    """The base of the stream ``(key, step, stream)``, as the kernels compute it."""
    from sim.kernels.rng import stream_base as nb_stream_base

    return int(nb_stream_base(np.uint64(key), np.uint64(step), np.uint64(stream)))


def np_uniforms(base: int, start: int, count: int) -> NDArray[np.float64]:
    """Uniforms at indices ``start .. start + count - 1`` of a stream, in vectorised NumPy."""
    z = np.arange(start + 1, start + count + 1, dtype=np.uint64)
    z *= np.uint64(_GOLDEN)
    z += np.uint64(base)
    z ^= z >> np.uint64(30)
    z *= np.uint64(_M1)
    z ^= z >> np.uint64(27)
    z *= np.uint64(_M2)
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) * _INV53


def py_uniform(base: int, index: int) -> float:
    """The uniform at ``index`` of a stream, in plain Python integers."""
    z = (base + (index + 1) * _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    z ^= z >> 31
    return (z >> 11) * _INV53


# ------------------------------------------------------------------------------------------
# market: one niche, K general providers, every user adopted (exactly N * K pairs)
# ------------------------------------------------------------------------------------------

Market = tuple[dict[str, NDArray], dict[str, NDArray], NDArray[np.int32], NDArray[np.int32]]
MarketOut = tuple[NDArray[np.int64], float, int, float, NDArray[np.int32]]


def synthetic_market(n: int, k: int, seed: int = 0) -> Market:
    """Users (the real :class:`sim.state.UserPopulation`) and ``k`` providers.

    All users are adopted and share one niche; every provider is a general provider, so a
    market step evaluates exactly ``n * k`` user-provider pairs. Initial choices are
    uniform over the outside option and the providers.
    """
    from sim.params import Params
    from sim.state import UserPopulation

    params = Params().replace(population={"n_users": n, "n_niches": 1},
                              market={"initial_adoption": 1.0})
    rng = np.random.default_rng(seed)
    pop = UserPopulation(params, seed)
    pop.choice[:] = rng.integers(-1, k, size=n)
    share = rng.dirichlet(np.ones(k))
    providers: dict[str, NDArray] = {
        "quality": rng.normal(-1.0, 0.5, k),
        "price": rng.uniform(0.2, 2.0, k),
        "openness": rng.uniform(0.0, 1.0, k),
        "lognet": 0.2 * np.log(share + 1e-3),
        "depth": rng.uniform(0.3, 1.0, k),
        "redirect": np.arange(k, dtype=np.int32),
    }
    return (pop.kernel_arrays(), providers, np.zeros(2, dtype=np.int32),
            np.zeros(0, dtype=np.int32))


def subset(users: dict[str, NDArray], n: int) -> dict[str, NDArray]:
    """The first ``n`` users, as copies."""
    return {name: arr[:n].copy() for name, arr in users.items()}


def market_numba(users: dict[str, NDArray], providers: dict[str, NDArray],
                 niche_ptr: NDArray[np.int32], niche_idx: NDArray[np.int32]) -> MarketOut:
    """The real kernel (updates ``users["choice"]`` in place)."""
    from sim.kernels.market import market_step

    k = providers["quality"].shape[0]
    res = market_step(users, providers, n_general=k, niche_ptr=niche_ptr,
                      niche_idx=niche_idx, **MARKET_ARGS)
    return (res.counts, res.consumer_surplus, res.access, res.meaningful, users["choice"])


def market_numpy(users: dict[str, NDArray], providers: dict[str, NDArray],
                 block: int | None = None) -> MarketOut:
    """Vectorised NumPy market step for K general providers (choices returned, not stored).

    Users are processed in blocks of about 2**21 user-provider pairs (an N x K matrix of
    1e6 x 200 would need 1.6 GB per temporary): utilities as a block x K matrix, ``exp``
    after subtracting the row maximum, the log-sum, and the draw by counting the
    cumulative weights (outside option first) at or below ``u * total``.
    """
    q, o, pr, ln = (providers[x] for x in ("quality", "openness", "price", "lognet"))
    depth, redirect = providers["depth"], providers["redirect"]
    k = q.shape[0]
    n = users["alpha"].shape[0]
    p, v_out = MARKET_ARGS["reconsider_prob"], MARKET_ARGS["outside_utility"]
    base = stream_base(MARKET_ARGS["key"], MARKET_ARGS["step"], MARKET_ARGS["stream"])
    block = block or max(256, (1 << 21) // max(k, 1))
    new_choice = np.empty(n, dtype=np.int32)
    counts = np.zeros(k, dtype=np.int64)
    cs = access = meaningful = 0.0
    cols = np.arange(k)
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        al = users["alpha"][lo:hi]
        adopted = users["adopted"][lo:hi] != 0
        cur = users["choice"][lo:hi]
        cur = np.where(cur >= 0, redirect[np.maximum(cur, 0)], -1)
        forced = cur < 0
        sw = np.where(cur >= 0, users["switch_cost"][lo:hi], 0.0)
        v0 = v_out - sw
        v = np.multiply.outer(users["beta_q"][lo:hi], q)
        v += np.multiply.outer(users["beta_o"][lo:hi], o)
        v -= np.multiply.outer(al, pr)
        v += ln
        v -= sw[:, None] * (cols[None, :] != cur[:, None])
        vmax = np.maximum(v0, v.max(axis=1))
        w = np.empty((hi - lo, k + 1))
        w[:, 0] = v0 - vmax
        np.subtract(v, vmax[:, None], out=w[:, 1:])
        np.exp(w, out=w)
        np.cumsum(w, axis=1, out=w)
        total = w[:, -1]
        cs += float(np.sum(((vmax + np.log(total) - v_out) / al)[adopted]))
        u = np_uniforms(base, 2 * lo, 2 * (hi - lo)).reshape(-1, 2)
        redraw = forced | (u[:, 0] < p)
        below = np.count_nonzero(w <= (u[:, 1] * total)[:, None], axis=1)
        pick = np.minimum(below, k) - 1
        chosen = np.where(adopted, np.where(redraw, pick, cur), -1).astype(np.int32)
        new_choice[lo:hi] = chosen
        held = chosen >= 0
        access += float(np.count_nonzero(held))
        meaningful += float(np.sum(users["capacity"][lo:hi][held] * depth[chosen[held]]))
        counts += np.bincount(chosen[held], minlength=k)
    return counts, cs, round(access), meaningful, new_choice


def as_lists(users: dict[str, NDArray], providers: dict[str, NDArray]) -> tuple[dict, dict]:
    """Users and providers as Python lists (what a pure-Python model would hold)."""
    return ({k: v.tolist() for k, v in users.items()},
            {k: v.tolist() for k, v in providers.items()})


def market_python(users: dict[str, list], providers: dict[str, list]) -> MarketOut:
    """Pure-Python loop market step for K general providers (choices returned)."""
    q, o, pr, ln = (providers[x] for x in ("quality", "openness", "price", "lognet"))
    depth, redirect = providers["depth"], providers["redirect"]
    k = len(q)
    alpha, bq_, bo_ = users["alpha"], users["beta_q"], users["beta_o"]
    switch, capacity, adopted, choice0 = (users["switch_cost"], users["capacity"],
                                          users["adopted"], users["choice"])
    p, v_out = MARKET_ARGS["reconsider_prob"], MARKET_ARGS["outside_utility"]
    base = stream_base(MARKET_ARGS["key"], MARKET_ARGS["step"], MARKET_ARGS["stream"])
    exp, log = math.exp, math.log
    n = len(alpha)
    choice = [-1] * n
    counts = [0] * k
    cs = access = meaningful = 0.0
    v = [0.0] * k
    for u in range(n):
        if adopted[u] == 0:
            continue
        cur = choice0[u]
        forced = False
        if cur >= 0:
            cur = redirect[cur]
        if cur < 0:
            forced = True
        sw = switch[u] if cur >= 0 else 0.0
        v0 = v_out - sw
        a, bq, bo = alpha[u], bq_[u], bo_[u]
        vmax = v0
        for j in range(k):
            x = bq * q[j] + bo * o[j] - a * pr[j] + ln[j]
            if cur >= 0 and j != cur:
                x -= sw
            v[j] = x
            if x > vmax:
                vmax = x
        w0 = exp(v0 - vmax)
        total = w0
        for j in range(k):
            e = exp(v[j] - vmax)
            v[j] = e
            total += e
        cs += (vmax + log(total) - v_out) / a
        if forced or py_uniform(base, 2 * u) < p:
            r = py_uniform(base, 2 * u + 1) * total
            acc = w0
            pick = -1
            if r >= acc:
                pick = k - 1
                for j in range(k):
                    acc += v[j]
                    if r < acc:
                        pick = j
                        break
            cur = pick
        choice[u] = cur
        if cur >= 0:
            access += 1.0
            meaningful += capacity[u] * depth[cur]
            counts[cur] += 1
    return (np.array(counts, dtype=np.int64), cs, round(access), meaningful,
            np.array(choice, dtype=np.int32))


def bench_market(s: Settings) -> tuple[list[Row], dict[str, Any]]:
    """Market kernel throughput against NumPy and pure Python."""
    import numba

    rows: list[Row] = []
    detail: dict[str, Any] = {"args": MARKET_ARGS, "threads": numba.get_num_threads(),
                              "repeats": {"numba": s.market_repeats, "numpy": s.numpy_repeats,
                                          "python": s.python_repeats},
                              "statistic": "median", "cases": []}
    warm = synthetic_market(1000, 4)
    market_numba(subset(warm[0], 1000), *warm[1:])  # JIT load/compile, untimed
    python_rate: dict[int, float] = {}
    for k in s.market_k:
        n_py = max(50, s.python_pairs // k)
        users, providers, _, _ = synthetic_market(n_py, k, seed=k)
        lu, lp = as_lists(users, providers)
        t = timed(partial(market_python, lu, lp), s.python_repeats, setup=_nothing)
        python_rate[k] = n_py * k / _median(t)
        detail["cases"].append({"impl": "python", "n": n_py, "k": k, "times_s": t})
    for n in s.market_n:
        for k in s.market_k:
            _say(f"bench: market N={n:.0e} K={k}")
            users, providers, ptr, idx = synthetic_market(n, k, seed=k)
            start = users["choice"].copy()

            reset = partial(np.copyto, users["choice"], start)
            t_nb = timed(partial(market_numba, users, providers, ptr, idx), s.market_repeats,
                         setup=reset)
            reset()
            t_np = timed(partial(market_numpy, users, providers), s.numpy_repeats,
                         setup=_nothing)
            nb, npy, py = n * k / _median(t_nb), n * k / _median(t_np), python_rate[k]
            tag = f"N={n:.0e} K={k}"
            rows += [
                Row(f"market numba {tag}", nb, "pairs/s"),
                Row(f"market numpy {tag}", npy, "pairs/s"),
                Row(f"market python K={k} (N={max(50, s.python_pairs // k)}, scaled)", py,
                    "pairs/s"),
                Row(f"market numba/numpy {tag}", nb / npy, "x", (">=", 10.0)),
                Row(f"market numba/python {tag}", nb / py, "x", (">=", 150.0)),
            ]
            detail["cases"] += [{"impl": "numba", "n": n, "k": k, "times_s": t_nb},
                                {"impl": "numpy", "n": n, "k": k, "times_s": t_np}]
    n, k = max(s.market_n), 50 if 50 in s.market_k else s.market_k[0]
    if max_threads() > 1:
        users, providers, ptr, idx = synthetic_market(n, k, seed=k)
        start = users["choice"].copy()
        with numba_threads(1):
            t1 = timed(partial(market_numba, users, providers, ptr, idx), s.market_repeats,
                       setup=partial(np.copyto, users["choice"], start))
        rows.append(Row(f"market numba 1 thread N={n:.0e} K={k}", n * k / _median(t1),
                        "pairs/s"))
        detail["cases"].append({"impl": "numba-1thread", "n": n, "k": k, "times_s": t1})
    return rows, detail


# ------------------------------------------------------------------------------------------
# diffusion on organisation networks
# ------------------------------------------------------------------------------------------


@dataclass
class OrgNetwork:
    """A random organisation network with the arrays both diffusion kernels read."""

    indptr: NDArray[np.int64]
    indices: NDArray[np.int32]
    weights: NDArray[np.float64]
    level: NDArray[np.float64]
    openness: NDArray[np.float64]
    adopted: NDArray[np.uint8]

    @property
    def n(self) -> int:
        """Number of organisations."""
        return int(self.level.shape[0])


def org_network(n: int, degree: int = 10, seed: int = 0) -> OrgNetwork:
    """Random graph of mean degree about ``degree`` (:func:`sim.networks.random_graph`)."""
    from sim.networks import random_graph

    rng = np.random.default_rng(seed)
    indptr, indices = random_graph(n, degree, rng)
    deg = np.diff(indptr)
    weights = np.repeat(1.0 / np.maximum(deg, 1), deg)
    return OrgNetwork(indptr, indices, weights, 25.0 + rng.normal(0.0, 1.0, n),
                      rng.uniform(0.0, 1.0, n), (rng.random(n) < 0.05).astype(np.uint8))


BASS_ARGS: dict[str, Any] = {"p": 0.02, "q": 0.3, "key": 99, "step": 5, "stream": 4,
                             "substeps": 4}


class ScipyDiffusion:
    """``scipy.sparse`` CSR versions of the two diffusion kernels on a fixed network."""

    def __init__(self, net: OrgNetwork) -> None:
        import scipy.sparse as sp

        n = net.n
        self.net = net
        self.deg = np.diff(net.indptr)
        self.row = np.repeat(np.arange(n), self.deg)  # structure, built once
        self.spill = sp.csr_array((net.weights.copy(), net.indices, net.indptr), shape=(n, n))
        self.adj = sp.csr_array((np.ones(net.indices.shape[0]), net.indices, net.indptr),
                                shape=(n, n))
        self.ones = np.ones(n)

    def spillover(self) -> NDArray[np.float64]:
        """``sum_j w_ij o_j max(0, x_j - x_i)``: edge values, then a CSR mat-vec."""
        net = self.net
        gap = net.level[net.indices] - net.level[self.row]
        np.maximum(gap, 0.0, out=gap)
        self.spill.data = net.weights * net.openness[net.indices] * gap
        return np.asarray(self.spill @ self.ones)

    def bass_network(self, adopted: NDArray[np.uint8]) -> tuple[int, NDArray[np.uint8]]:
        """Synchronous network Bass sub-steps; returns (new adopters, new state)."""
        n = adopted.shape[0]
        a = BASS_ARGS
        h = 1.0 / a["substeps"]
        base = stream_base(a["key"], a["step"], a["stream"])
        state = adopted != 0
        added = 0
        for s in range(a["substeps"]):
            on = self.adj @ state.astype(np.float64)
            share = np.divide(on, self.deg, out=np.zeros(n), where=self.deg > 0)
            prob = 1.0 - np.exp(-(a["p"] + a["q"] * share) * h)
            new = ~state & (np_uniforms(base, s * n, n) < prob)
            added += int(np.count_nonzero(new))
            state |= new
        return added, state.astype(np.uint8)


def spillover_numba(net: OrgNetwork, out: NDArray[np.float64] | None = None) -> NDArray:
    """The real spill-over kernel."""
    from sim.kernels.diffusion import spillover

    return spillover(net.indptr, net.indices, net.weights, net.level, net.openness, out)


def bass_network_numba(net: OrgNetwork, adopted: NDArray[np.uint8]) -> int:
    """The real network Bass kernel (updates ``adopted`` in place)."""
    from sim.kernels.diffusion import bass_network_step

    a = BASS_ARGS
    return bass_network_step(adopted, net.indptr, net.indices, a["p"], a["q"], key=a["key"],
                             step=a["step"], stream=a["stream"], substeps=a["substeps"])


def bench_diffusion(s: Settings) -> tuple[list[Row], dict[str, Any]]:
    """Spill-over and network Bass step times against scipy.sparse."""
    rows: list[Row] = []
    detail: dict[str, Any] = {"degree": s.diffusion_degree, "repeats": s.diffusion_repeats,
                              "statistic": "median", "bass": BASS_ARGS, "cases": []}
    for n in s.diffusion_n:
        _say(f"bench: diffusion n={n:.0e}")
        net = org_network(n, s.diffusion_degree, seed=n)
        ref = ScipyDiffusion(net)
        out = np.empty(n)
        spillover_numba(net, out)
        ref.spillover()
        t_nb = timed(partial(spillover_numba, net, out), s.diffusion_repeats)
        t_sp = timed(ref.spillover, s.diffusion_repeats)
        work = net.adopted.copy()
        bass_network_numba(net, work)
        t_bn = timed(partial(bass_network_numba, net, work), s.diffusion_repeats,
                     setup=partial(np.copyto, work, net.adopted))
        t_bs = timed(partial(ref.bass_network, net.adopted), s.diffusion_repeats)
        t_nb1 = t_bn1 = [math.nan]
        if max_threads() > 1:
            with numba_threads(1):
                t_nb1 = timed(partial(spillover_numba, net, out), s.diffusion_repeats)
                t_bn1 = timed(partial(bass_network_numba, net, work), s.diffusion_repeats,
                              setup=partial(np.copyto, work, net.adopted))
        tag = f"n={n:.0e} deg={net.indices.shape[0] / n:.1f}"
        rows += [
            Row(f"spillover numba {tag}", 1e3 * _median(t_nb), "ms"),
            Row(f"spillover numba 1 thread {tag}", 1e3 * _median(t_nb1), "ms"),
            Row(f"spillover scipy {tag}", 1e3 * _median(t_sp), "ms"),
            Row(f"spillover scipy/numba {tag}", _median(t_sp) / _median(t_nb), "x"),
            Row(f"bass_network numba {tag} ({BASS_ARGS['substeps']} substeps)",
                1e3 * _median(t_bn), "ms"),
            Row(f"bass_network numba 1 thread {tag}", 1e3 * _median(t_bn1), "ms"),
            Row(f"bass_network scipy {tag}", 1e3 * _median(t_bs), "ms"),
            Row(f"bass_network scipy/numba {tag}", _median(t_bs) / _median(t_bn), "x"),
        ]
        detail["cases"].append({"n": n, "edges": int(net.indices.shape[0]),
                                "spillover_numba_s": t_nb, "spillover_numba_1thread_s": t_nb1,
                                "spillover_scipy_s": t_sp, "bass_numba_s": t_bn,
                                "bass_numba_1thread_s": t_bn1, "bass_scipy_s": t_bs})
    return rows, detail


# ------------------------------------------------------------------------------------------
# a full model step, by phase
# ------------------------------------------------------------------------------------------

#: phases that run the decision makers' rules (all but the market and the record)
AGENT_PHASES = ("govern", "develop", "build", "scrutinise", "secure", "settle", "respond")


def phase_names() -> tuple[str, ...]:
    """The model's phases in order (:data:`sim.phases.PHASES`), then the step's overhead."""
    from sim.phases import PHASES

    return (*(p.name for p in PHASES), "other")


class PhaseClock:
    """Seconds spent in each phase, reported by the model itself (``model.on_phase``)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def __call__(self, name: str, seconds: float) -> None:
        self.seconds[name] += seconds


def digest(model: Any) -> str:
    """SHA-256 of the metrics history (exact float reprs) and the final user arrays."""
    h = hashlib.sha256()
    text = json.dumps(model.history, sort_keys=True,
                      default=lambda x: x.item() if hasattr(x, "item") else str(x))
    h.update(text.encode())
    for arr in (model.users.choice, model.users.adopted, model.users.capacity,
                model.labs.capability, model.labs.cash):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def run_steps(overrides: Sequence[str], threads: int, warmup: int, steps: int) -> dict[str, Any]:
    """Build the model, run ``warmup`` untimed steps, then time ``steps`` steps by phase."""
    from experiments.cli.config import compose_params
    from sim.model import EcosystemModel

    params, _ = compose_params(list(overrides))
    with numba_threads(threads):
        start = time.perf_counter()
        model = EcosystemModel(params)
        build = time.perf_counter() - start
        for _ in range(warmup):
            model.step()
        times, agents, adopted = [], [], []
        clock = PhaseClock()
        model.on_phase = clock
        for _ in range(steps):
            agents.append(len(model.agents))
            adopted.append(float(np.count_nonzero(model.users.adopted)) / model.users.n)
            start = time.perf_counter()
            model.step()
            times.append(time.perf_counter() - start)
        model.on_phase = None
    phases = dict(clock.seconds)
    phases["other"] = sum(times) - sum(phases.values())
    return {"threads": threads, "build_s": build, "step_s": times,
            "phase_ms": {p: 1e3 * phases.get(p, 0.0) / steps for p in phase_names()},
            "agents": agents, "adopted_share": adopted, "providers": int(params.population.n_labs
                                               + model.startups.live().size),
            "users": model.users.n, "digest": digest(model)}


def bench_step(s: Settings) -> tuple[list[Row], dict[str, Any]]:
    """A full step at the large tier with one and two threads, by phase."""
    print(f"step: compose_params({list(s.step_overrides)})", flush=True)
    runs = {}
    for threads in sorted({1, min(2, max_threads())}):
        _say(f"bench: step, {threads} thread(s)")
        runs[threads] = run_steps(s.step_overrides, threads, s.step_warmup, s.step_steps)
    rows: list[Row] = []
    targets = {1: 140.0, 2: 80.0}
    for threads, r in runs.items():
        tag = f"{threads} thread{'s' if threads > 1 else ''}"
        rows.append(Row(f"step large {tag} (median of {len(r['step_s'])})",
                        1e3 * _median(r["step_s"]), "ms", ("<=", targets[threads]),
                        note=f"adopted {r['adopted_share'][0]:.0%}-{r['adopted_share'][-1]:.0%}"
                             f", {r['providers']} providers at end"))
        for phase in phase_names():
            rows.append(Row(f"  phase {phase} ({tag})", r["phase_ms"][phase], "ms"))
    one = runs[1]
    agent_ms = sum(one["phase_ms"][p] for p in AGENT_PHASES)
    per_agent = 1e6 * agent_ms / 1e3 / float(np.mean(one["agents"]))
    rows.append(Row("agent logic per agent-step (1 thread)", per_agent, "us", ("<=", 1.0),
                    note=f"{np.mean(one['agents']):.0f} agents"))
    if 2 in runs:
        same = runs[1]["digest"] == runs[2]["digest"]
        rows.append(Row("results identical, 1 vs 2 threads", same, "", ("==", True)))
    else:
        rows.append(Row("results identical, 1 vs 2 threads", None, "",
                        note="NUMBA_NUM_THREADS < 2"))
    detail = {"overrides": list(s.step_overrides), "warmup": s.step_warmup,
              "steps": s.step_steps, "statistic": "median step; phases are means",
              "runs": {str(t): r for t, r in runs.items()}}
    return rows, detail


# ------------------------------------------------------------------------------------------
# start-up, sweeps, memory (child processes)
# ------------------------------------------------------------------------------------------

STARTUP_SCRIPT = """
import json, time
t0 = time.time()
import sim
t1 = time.time()
from experiments.cli.config import compose_params
t2 = time.time()
params, _ = compose_params(["run.progress=false"])
t3 = time.time()
from sim.model import EcosystemModel
model = EcosystemModel(params)
t4 = time.time()
model.step()
t5 = time.time()
print("BENCH " + json.dumps([t0, t1, t2, t3, t4, t5]))
"""


def startup_once(cache_dir: str) -> dict[str, float]:
    """Start-up to first step of a fresh process using the Numba cache in ``cache_dir``."""
    env = child_env({"NUMBA_CACHE_DIR": cache_dir})
    launch = time.time()
    proc = subprocess.run([sys.executable, "-c", STARTUP_SCRIPT], env=env, capture_output=True,
                          text=True, timeout=600)
    end = time.time()
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if proc.returncode or line is None:
        raise RuntimeError(f"start-up child failed: {proc.stderr.strip()[-2000:]}")
    t0, t1, t2, t3, t4, t5 = json.loads(line[6:])
    return {"to_first_step_s": t5 - launch, "interpreter_s": t0 - launch,
            "import_sim_s": t1 - t0, "import_hydra_config_s": t2 - t1, "compose_s": t3 - t2,
            "build_model_s": t4 - t3, "first_step_s": t5 - t4, "process_wall_s": end - launch}


def bench_startup(s: Settings) -> tuple[list[Row], dict[str, Any]]:
    """Start-up: see :func:`experiments.bench_sweep.bench_startup`."""
    from experiments.bench_sweep import bench_startup as measure

    return measure(s)


def bench_sweep(s: Settings) -> tuple[list[Row], dict[str, Any]]:
    """Sweeps: see :func:`experiments.bench_sweep.bench_sweep`."""
    from experiments.bench_sweep import bench_sweep as measure

    return measure(s)


def memory_child(overrides: list[str], steps: int) -> None:
    """Run the model for ``steps`` steps and print this process's peak memory (child side)."""
    import resource

    from experiments.cli.config import compose_params
    from sim.model import EcosystemModel

    params, _ = compose_params(overrides)
    model = EcosystemModel(params)
    for _ in range(steps):
        model.step()
    hwm = None
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * 1024
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print("BENCH " + json.dumps({"vmhwm_bytes": hwm, "maxrss_bytes": maxrss,
                                 "users": model.users.n, "agents": len(model.agents)}))


def bench_memory(s: Settings) -> tuple[list[Row], dict[str, Any]]:
    """Peak resident memory of the large tier running a few steps in a child process."""
    _say("bench: memory")
    code = ("import json, sys; from experiments.bench import memory_child; "
            "memory_child(json.loads(sys.argv[1]), int(sys.argv[2]))")
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(list(s.memory_overrides)),
                           str(s.memory_steps)], env=child_env(), capture_output=True,
                          text=True, timeout=1800)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if proc.returncode or line is None:
        raise RuntimeError(f"memory child failed: {proc.stderr.strip()[-2000:]}")
    info = json.loads(line[6:])
    peak = info["vmhwm_bytes"] or info["maxrss_bytes"]
    rows = [Row(f"peak memory, large tier ({s.memory_steps} steps)", peak / 1e6, "MB",
                ("<", 2000.0), note="VmHWM" if info["vmhwm_bytes"] else "ru_maxrss")]
    return rows, {"overrides": list(s.memory_overrides), "steps": s.memory_steps, **info}


# ------------------------------------------------------------------------------------------
# machine, report, command
# ------------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    """CPU, cores, memory, library versions, Numba threading and the source commit."""
    import numba
    import scipy

    from sim.provenance import git_commit

    cpu = platform.processor() or platform.machine()
    meminfo: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, _, value = line.partition(":")
            meminfo[key] = value.strip()
    except OSError:
        pass
    layer: str
    try:
        layer = numba.threading_layer()
    except ValueError:
        layer = "not initialised"
    return {
        "cpu": cpu, "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "mem_total": meminfo.get("MemTotal"), "platform": platform.platform(),
        "python": platform.python_version(), "numpy": np.__version__,
        "scipy": scipy.__version__, "numba": numba.__version__,
        "numba_threading_layer": layer, "numba_num_threads": max_threads(),
        "numba_cache_dir": os.environ.get("NUMBA_CACHE_DIR") or "(next to the source)",
        "git_commit": git_commit(),
        "loadavg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def fmt(value: float | bool | None) -> str:
    """A value for the table."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-2):
        return f"{value:.3g}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:,.1f}"


def table(rows: Sequence[Row]) -> str:
    """The report as a plain-text table."""
    head = ("measurement", "value", "unit", "target", "met")
    body = [(r.name + (f" [{r.note}]" if r.note else ""), fmt(r.value), r.unit,
             f"{r.target[0]} {r.target[1]}" if r.target else "",
             "" if r.met is None else ("yes" if r.met else "NO")) for r in rows]
    widths = [max(len(x[i]) for x in (head, *body)) for i in range(5)]
    line = "  ".join(f"{{:{'<' if i in (0, 2, 3) else '>'}{w}}}" for i, w in enumerate(widths))
    out = [line.format(*head), "  ".join("-" * w for w in widths)]
    out += [line.format(*b) for b in body]
    return "\n".join(out)


RUNNERS: dict[str, Callable[[Settings], tuple[list[Row], dict[str, Any]]]] = {
    "market": bench_market, "diffusion": bench_diffusion, "step": bench_step,
    "startup": bench_startup, "sweep": bench_sweep, "memory": bench_memory,
}


def run_bench(sections: Sequence[str], quick: bool) -> dict[str, Any]:
    """Run the chosen sections and return the report (rows, details, machine)."""
    settings = QUICK if quick else FULL
    load_before = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    start = time.perf_counter()
    rows: list[Row] = []
    details: dict[str, Any] = {}
    for name in sections:
        t0 = time.perf_counter()
        got, detail = RUNNERS[name](settings)
        rows += got
        details[name] = {**detail, "section_s": time.perf_counter() - t0}
    machine = machine_info()
    machine["loadavg_before"] = load_before
    met = [r.met for r in rows if r.met is not None]
    return {
        "format_version": 1,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": quick,
        "sections": list(sections),
        "wall_time_s": time.perf_counter() - start,
        "targets_met": sum(met), "targets_checked": len(met),
        "machine": machine,
        "settings": dataclasses.asdict(settings),
        "results": [r.as_dict() for r in rows],
        "details": details,
        "_rows": rows,
    }


def bench_command(argv: list[str]) -> None:
    """``aieco bench [--quick] [--out PATH] [--only NAME ...]``."""
    from experiments.cli.args import Parser

    parser = Parser(
        prog="aieco bench", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Measure the model's speed and memory against its performance targets; "
                    "print a table\n(measurement, value, unit, target, met) and write a JSON "
                    "report with the machine it\nran on. Targets are reported, not enforced: "
                    "the exit code does not depend on them.",
        epilog="sections:\n"
               "  market     the logit market kernel, against NumPy and pure-Python versions\n"
               "  diffusion  the spill-over and network Bass kernels, against scipy.sparse\n"
               "  step       a full step at the large tier with 1 and 2 Numba threads, by "
               "phase\n"
               "  startup    aieco run to its first step against import mesa; a fresh "
               "process: import,\n"
               "             compose, build, one step (cold and warm cache)\n"
               "  sweep      the serial loop, aieco sweep on 1 and 2 workers (and SLURM): "
               "efficiency\n"
               "  memory     peak resident memory of the large tier\n\n"
               "examples:\n"
               "  aieco bench --quick\n"
               "  aieco bench --only market --only step --out outputs/bench.json")
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes and fewer repeats: a smoke run under a minute")
    parser.add_argument("--out", default="bench.json", metavar="PATH",
                        help="where to write the JSON report (default: %(default)s)")
    parser.add_argument("--only", action="append", choices=SECTIONS, metavar="NAME",
                        help="run only this section (repeatable): " + ", ".join(SECTIONS))
    ns = parser.parse_args(argv)
    sections = [s for s in SECTIONS if s in ns.only] if ns.only else list(SECTIONS)
    from sim.io import check_writable
    from sim.params import ConfigError

    # before minutes of measuring, not after (``aieco`` prints a ConfigError in one line)
    if Path(ns.out).is_dir():
        raise ConfigError("--out", ns.out, "is a folder; give a file path")
    try:
        check_writable(Path(ns.out).parent, "--out")
    except ConfigError as exc:
        raise ConfigError("--out", ns.out, f"its folder {exc.value} {exc.allowed}") from None
    report = run_bench(sections, ns.quick)
    rows = report.pop("_rows")
    print()
    print(table(rows))
    m = report["machine"]
    print(f"\n{report['targets_met']} of {report['targets_checked']} targets met; "
          f"{report['wall_time_s']:.1f} s; {m['cpu']}, {m['cpu_count']} cores, numba "
          f"{m['numba']} ({m['numba_threading_layer']}), load {m['loadavg']}")
    out = Path(ns.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    from sim.io import write_text

    write_text(json.dumps(report, indent=2, default=_json_default) + "\n", out)
    print(f"bench: {out}")


def _json_default(obj: object) -> object:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)
