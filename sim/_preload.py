"""Imported once by the server process that forks :class:`sim.pool.LocalPool` workers.

It readies what every run needs, so each worker (a fork of the server) starts with it:
one Numba thread decided before Numba is first imported (STACK.md: a later change makes the
next compilation fail), the model and the writers imported, and Numba's typing and target
registries loaded (about 0.3 s a process would otherwise pay at its first kernel call), and
the lock Numba takes before starting its threads made once. It runs no kernel: Numba's
thread pool (OpenMP here) is not fork-safe once started, and it is not started here.
"""

from __future__ import annotations

import importlib
import os
import sys

if "numba" not in sys.modules:
    os.environ["NUMBA_NUM_THREADS"] = "1"

# the batch runner and writers, the model (Mesa, NumPy, Numba, the kernels' modules), and
# what writing a run uses (pandas, pyarrow's Parquet)
for _name in ("sim.batch", "sim.model", "sim.runner", "pandas", "pyarrow.parquet"):
    importlib.import_module(_name)


def _ready_numba() -> None:
    from numba.core.registry import cpu_target
    from numba.np.ufunc import parallel

    cpu_target.typing_context.refresh()
    cpu_target.target_context.refresh()
    # the lock Numba takes to start its thread pool: made here, once, it is inherited by
    # every worker; made in each worker, it is a named semaphore that a worker ended by
    # SIGTERM leaves behind (the resource tracker then warns about it at exit)
    parallel._set_init_process_lock()


try:
    _ready_numba()
except Exception:  # an internal API that moved: the first kernel call does it instead
    pass
