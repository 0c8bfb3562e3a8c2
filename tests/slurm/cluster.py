"""Start and stop a real single-node SLURM cluster for tests, through .ci/slurm-cluster.sh.

A test that needs SLURM asks first whether it can have it, then runs its jobs with the
environment the cluster hands back::

    reason = slurm_unavailable_reason()
    if reason:
        pytest.skip(reason)
    with slurm_cluster(tmp_path / "slurm") as slurm_env:
        env = {**os.environ, **slurm_env}
        subprocess.run(["sbatch", "--wait", ...], env=env, timeout=120, check=True)

In-process clients (submitit) read ``os.environ``: set it with
``monkeypatch.setenv("SLURM_CONF", slurm_env["SLURM_CONF"])`` inside the ``with`` block.

One cluster runs on a machine at a time (fixed ports): ``slurm_cluster`` holds a machine-wide
lock for its whole life, so parallel test workers (pytest-xdist) take turns.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "slurm-cluster.sh"
"""The script that installs, starts and stops the cluster (bash)."""

INSTALL_TIMEOUT = 900.0
"""Seconds for ``apt-get install slurm-wlm munge`` (about 20 s here, more on a slow mirror)."""

START_TIMEOUT = 150.0
"""Seconds for ``start``: the script itself gives up after 60 s waiting for the node."""

STOP_TIMEOUT = 120.0
"""Seconds for ``stop``: up to 10 s of grace for jobs and 10 s per daemon; usually 0.5 s."""

LOCK_TIMEOUT = 900.0
"""Seconds to wait for another process's cluster on this machine to stop."""

LOCK_FILE = Path("/run/lock/aieco-slurm-cluster.session.lock")
"""Held while a cluster started by this module runs (the script's own lock is another)."""


class SlurmUnavailable(RuntimeError):
    """The cluster could not be started here; the message says why."""


def _script(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``bash .ci/slurm-cluster.sh ARGS`` and capture its output.

    Parameters
    ----------
    *args
        The subcommand and its directory.
    timeout
        Seconds before ``subprocess.TimeoutExpired``.

    Returns
    -------
    subprocess.CompletedProcess
        Whatever the exit code; callers check it.
    """
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _failure(proc: subprocess.CompletedProcess[str]) -> str:
    """The one-line error the script printed (its last ``error:`` line), or the exit code."""
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    if errors:
        return errors[-1].removeprefix("slurm-cluster: error: ")
    return f"exit code {proc.returncode}"


@contextlib.contextmanager
def _machine_lock(timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold ``LOCK_FILE`` exclusively, waiting up to ``timeout`` seconds for it.

    Raises
    ------
    SlurmUnavailable
        When another process keeps its cluster longer than ``timeout``.
    """
    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    with LOCK_FILE.open("w") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SlurmUnavailable(
                        f"another SLURM cluster on this machine held {LOCK_FILE} "
                        f"for over {timeout:.0f} s"
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def slurm_cluster(tmp_dir: Path | str) -> Iterator[dict[str, str]]:
    """Run a one-node SLURM cluster whose files all live in ``tmp_dir``.

    Parameters
    ----------
    tmp_dir
        A scratch folder (created if missing; keep its path under about 75 characters,
        as slurmstepd puts Unix sockets in it). Its ``log`` folder keeps the daemons' logs
        after the cluster stops.

    Yields
    ------
    dict[str, str]
        The environment variables a client needs: ``{"SLURM_CONF": ".../slurm.conf"}``.
        Merge it into the environment of ``sbatch``, ``srun``, ``squeue``, ``scancel``,
        ``sinfo`` and ``scontrol``; it is not set in ``os.environ``.

    Raises
    ------
    SlurmUnavailable
        When the cluster does not start (the script's one-line reason first, then the
        tails of the logs it printed).
    RuntimeError
        When stopping it fails after a body that raised nothing.
    """
    folder = str(Path(tmp_dir).absolute())
    with _machine_lock():
        try:
            started = _script("start", folder, timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            _script("stop", folder, timeout=STOP_TIMEOUT)
            raise SlurmUnavailable(
                f"slurm-cluster.sh start did not finish in {START_TIMEOUT:.0f} s"
            ) from None
        if started.returncode != 0:
            # The script already stopped whatever it had started.
            raise SlurmUnavailable(f"{_failure(started)}\n{started.stderr}")
        export = started.stdout.strip().splitlines()[-1]
        name, _, value = export.removeprefix("export ").partition("=")
        env = {name: value}
        try:
            yield env
        finally:
            stopped = _script("stop", folder, timeout=STOP_TIMEOUT)
        # Reached only when the body raised nothing: do not hide its exception behind ours.
        if stopped.returncode != 0:
            raise RuntimeError(f"slurm-cluster.sh stop failed: {_failure(stopped)}\n"
                               f"{stopped.stderr}")


@functools.cache
def slurm_unavailable_reason() -> str | None:
    """Say why a real SLURM cluster cannot run here, or ``None`` when it can.

    Installs the packages when they are missing (``apt-get``, as root), then starts a
    cluster in a temporary folder, runs one ``srun`` step on it and stops it. The answer is
    cached for the process.

    Returns
    -------
    str or None
        A reason fit for ``pytest.skip``: not Linux, not root, the script missing, the
        packages not installable, or the daemons failing.
    """
    if sys.platform != "linux":
        return f"a SLURM cluster needs Linux, not {sys.platform}"
    if os.geteuid() != 0:
        return "a SLURM cluster needs root (its daemons run as root and munge)"
    if not SCRIPT.is_file():
        return f"{SCRIPT} is missing (not a checkout of the repository?)"
    try:
        installed = _script("install", timeout=INSTALL_TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"apt-get install slurm-wlm munge took over {INSTALL_TIMEOUT:.0f} s"
    if installed.returncode != 0:
        return f"SLURM packages missing and not installable: {_failure(installed)}"
    with tempfile.TemporaryDirectory(prefix="slurm-probe-", dir="/tmp") as probe:
        try:
            with slurm_cluster(probe) as env:
                step = subprocess.run(
                    ["srun", "--quiet", "true"],
                    env={**os.environ, **env},
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
        except (SlurmUnavailable, RuntimeError) as error:
            return f"SLURM daemons failed: {str(error).splitlines()[0]}"
        except subprocess.TimeoutExpired:
            return "SLURM started but `srun true` took over 60 s"
        if step.returncode != 0:
            return f"SLURM started but `srun true` failed: {step.stderr.strip()[-300:]}"
    return None
