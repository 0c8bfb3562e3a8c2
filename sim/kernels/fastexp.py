"""An ``exp`` for non-positive arguments that Numba can inline and vectorise.

The logit kernels evaluate ``exp(v - v_max)`` for every user-provider pair, so ``exp`` sets
their speed; the scalar libm call cannot be vectorised. :func:`exp_nonpos` uses the
textbook reduction ``exp(x) = 2^k exp(r)`` with ``k = round(x / ln 2)`` and
``|r| <= ln(2) / 2`` (Cody & Waite 1980): ``k`` comes from adding and subtracting
``1.5 * 2^52`` (round to nearest, no float-to-int conversion), ``r`` from a two-part
``ln 2``, ``exp(r)`` from its Taylor polynomial to degree 13 (truncation error below
``0.35^14 / 14! < 5e-18``), and ``2^k`` by writing ``k + 1023`` into the exponent bits.
Every step is branch-free integer or floating-point arithmetic, so loops over it vectorise.

Accuracy: within 2 ulp of the correctly rounded value on ``[-708, 0]`` (tested against
NumPy); 0 below -708.39, where the true value is below the smallest normal double and
contributes nothing to a sum that includes ``exp(0) = 1``, as every log-sum here does. It
is not a general ``exp``: arguments must be ``<= 0`` (after subtracting a maximum) and not
NaN.

References
----------
.. [1] Cody, W. J. & Waite, W. (1980). Software Manual for the Elementary Functions.
   Prentice-Hall.
.. [2] Muller, J.-M. (2016). Elementary Functions: Algorithms and Implementation, 3rd ed.,
   ch. 11. Birkhauser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np
from llvmlite import ir
from numba import config, njit, types
from numba.extending import intrinsic

LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01  # ln 2 to 32 bits: k * LN2_HI is exact for |k| < 2^11
LN2_LO = 1.90821492927058770002e-10
SHIFT = 6755399441055744.0  # 1.5 * 2^52: adding it rounds to an integer in the low bits
MIN_ARG = -708.39  # below this exp(x) is subnormal; returned as 0


def _as_float_py(bits: int) -> float:
    """Reinterpret the low 64 bits of an integer as a float64 (interpreted code)."""
    low = int(bits) & 0xFFFF_FFFF_FFFF_FFFF  # Python integers do not wrap as int64 does
    return float(np.array([low], dtype=np.uint64).view(np.float64)[0])


def _as_int_py(value: float) -> int:
    """Reinterpret the 64 bits of a float64 as an int64 (interpreted code)."""
    return int(np.array([value], dtype=np.float64).view(np.int64)[0])


@intrinsic
def _as_float_jit(typingctx, bits):  # pragma: no cover
    """Reinterpret the 64 bits of an int64 as a float64 (one LLVM bitcast)."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@intrinsic
def _as_int_jit(typingctx, value):  # pragma: no cover
    """Reinterpret the 64 bits of a float64 as an int64 (one LLVM bitcast)."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return sig, codegen


# intrinsics only exist in compiled code; NUMBA_DISABLE_JIT=1 runs the kernels as Python
_JIT = not getattr(config, "DISABLE_JIT", False)  # numba.config sets it from the environment
_as_float = cast(Callable[[int], float], _as_float_jit if _JIT else _as_float_py)
_as_int = cast(Callable[[float], int], _as_int_jit if _JIT else _as_int_py)


@njit(cache=True, inline="always")
def exp_nonpos(x: float) -> float:  # pragma: no cover - compiled
    """``exp(x)`` for ``x <= 0``, within 2 ulp; 0 for ``x < -708.39``."""
    y = max(x, MIN_ARG)
    t = y * LOG2E + SHIFT
    k = t - SHIFT
    r = (y - k * LN2_HI) - k * LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    scale = _as_float((_as_int(t) + 1023) << 52)
    return p * scale if x >= MIN_ARG else 0.0
