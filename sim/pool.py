"""Local worker processes for many runs: one Numba thread each, forked from a ready server.

:class:`LocalPool` is the default executor of :func:`sim.batch.run_many` (and so of
``aieco sweep``): long-lived single-threaded workers on this machine, each a fork of a
server process that imported the model once (:mod:`sim._preload`), stopping cleanly on
Ctrl-C, SIGTERM or a full disk. :func:`one_numba_thread` is what every worker and cluster
task calls first.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def one_numba_thread() -> None:
    """Give this process (or thread) one Numba thread, the safe way for where it is.

    Before Numba is imported the environment decides (``NUMBA_NUM_THREADS=1``); after, only
    ``numba.set_num_threads`` may change it (setting the environment then would make the
    next compilation fail, see STACK.md). Results do not depend on it; speed does, as
    workers on every core each using every core would oversubscribe the machine.
    """
    if "numba" not in sys.modules:
        os.environ["NUMBA_NUM_THREADS"] = "1"
        return
    import numba

    numba.set_num_threads(1)


# ------------------------------------------------------------------------------------------
# local worker processes
# ------------------------------------------------------------------------------------------


#: set in a LocalPool worker: when set, the worker's remaining runs are not started
_HALT: Any = None


def _worker_init(halt: Any = None) -> None:
    """Initializer of a :class:`LocalPool` worker: one Numba thread, signals for a clean stop.

    SIGINT is ignored (Ctrl-C reaches the whole process group; the parent decides), and
    SIGTERM ends the worker at once: every file is written atomically and each run holds its
    folder's lock only while it lives, so an abrupt end leaves an incomplete run (resumed
    later from its checkpoint) and a temporary file at most, never one that looks whole.
    ``halt`` is the pool's event: once set, runs not yet started are skipped.
    """
    global _HALT
    _HALT = halt
    one_numba_thread()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_now)


def _exit_now(signum: int, frame: object) -> None:
    os._exit(128 + signum)


def _start_method() -> str:
    import multiprocessing

    # forkserver: each worker is a fork of a clean server that imported the model once
    # (sim._preload); spawn where fork does not exist
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


#: what the forkserver imports before it forks any worker: the main module (so workers
#: need not import it again; multiprocessing's rule that it be importable without side
#: effects applies) and the model
PRELOAD = ["__main__", "sim._preload"]


def start_forkserver() -> bool:
    """Start the server that forks :class:`LocalPool` workers now, if that is the method.

    Its imports (about 1.5 s here) then run while this process composes the sweep, instead
    of when the first worker is asked for. Returns whether a server is (now) running.
    """
    import multiprocessing
    from multiprocessing import forkserver

    if _start_method() != "forkserver":
        return False
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    # the server inherits this process's environment when it starts; the variable is set
    # only for that moment, as this process may have imported Numba already, and a later
    # compilation here would then read it and refuse (STACK.md)
    before = os.environ.get("NUMBA_NUM_THREADS")
    os.environ["NUMBA_NUM_THREADS"] = "1"
    try:
        forkserver.ensure_running()
    finally:
        if before is None:
            del os.environ["NUMBA_NUM_THREADS"]
        else:
            os.environ["NUMBA_NUM_THREADS"] = before
    return True


class LocalPool:
    """Long-lived single-threaded worker processes on this machine.

    A :class:`~concurrent.futures.ProcessPoolExecutor` whose workers each have one Numba
    thread and stop cleanly (:meth:`stop`). With the ``forkserver`` start method (Linux,
    macOS) the server process imports the model and readies Numba once
    (:mod:`sim._preload`), and every worker is a fork of it, so a worker starts in
    milliseconds instead of paying the imports (about 1.5 s here); the server never runs a
    kernel, so no OpenMP thread exists when it forks. ``import mesa`` makes ``spawn`` the
    process-wide default, which is why the method is always chosen explicitly.

    Parameters
    ----------
    workers : int
        Number of worker processes (default: the CPUs this process may use).
    start_method : str, optional
        ``"forkserver"`` or ``"spawn"``; chosen for the platform when omitted.
    """

    def __init__(self, workers: int | None = None, start_method: str | None = None) -> None:
        import multiprocessing

        self.workers = workers or available_cpus()
        method = start_method or _start_method()
        ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            # the server inherits the environment at its start: one Numba thread from the
            # first import of Numba on (STACK.md), and the model imported before any fork
            start_forkserver()
        self._halt = ctx.Event()
        self.executor = ProcessPoolExecutor(self.workers, mp_context=ctx,
                                            initializer=_worker_init, initargs=(self._halt,))

    def start(self) -> LocalPool:
        """Start every worker now (they would otherwise start with the first batches)."""
        ex = self.executor
        adjust = getattr(ex, "_adjust_process_count", None)
        if callable(adjust):
            adjust()
        return self

    def halt(self) -> None:
        """Let running runs finish but start no more (used when the disk is full)."""
        self._halt.set()

    def stop(self, timeout: float = 10.0) -> None:
        """End the workers (SIGTERM, then SIGKILL), cancel what has not started, wait.

        The workers go first: the executor then finds its pool broken, fails the pending
        batches and closes its queues, and the final ``shutdown`` joins its manager thread
        (a ``shutdown(wait=False)`` first would drop the thread and leak the queues'
        semaphores, which the resource tracker reports at exit).
        """
        ex = self.executor
        procs = list((getattr(ex, "_processes", None) or {}).values())
        for p in procs:
            if p.is_alive():
                p.terminate()
        deadline = time.monotonic() + timeout
        for p in procs:
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join(1.0)
        ex.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Let the workers finish what they have, then end them."""
        self.executor.shutdown(wait=True)

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.stop()


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, or the CPU count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


# ------------------------------------------------------------------------------------------
# many runs
# ------------------------------------------------------------------------------------------


def halted() -> bool:
    """Whether this process is a :class:`LocalPool` worker whose pool was halted."""
    return _HALT is not None and _HALT.is_set()
