"""Saving results: atomic, verifiable writes of a self-describing run folder.

A run folder holds ``metrics.parquet``, ``agents.parquet``, ``config.yaml`` and, written
last, ``manifest.json``. Every file is written to a temporary name in the same folder,
fsynced and renamed into place, so an interrupted run never leaves a file that looks whole.
The manifest records each file's size and SHA-256: a run is complete exactly when its
manifest is ours and every file it names is there with that size (and, when verified, that
checksum), so a truncated, emptied or deleted file never counts as complete
(:func:`run_state`).

One writer at a time: :class:`FolderLock` holds an exclusive lock on a folder for as long
as a run (or a sweep) writes into it; a second writer is refused in one line
(:class:`FolderBusy`). The lock dies with its process, so a killed run never blocks the
next one.

Long runs stream (:class:`RunWriter`): every ``run.flush_every`` steps the new metrics rows
and agent snapshots go to ``parts/`` as complete Parquet files, followed by a checkpoint of
the model, and the model forgets them, so memory stays flat. A run that is killed keeps
its parts, and the same command resumes it from the checkpoint with results identical to
an uninterrupted run. At the end the parts are merged (streaming) into the final files; a
run that never flushed writes its final files straight from memory.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import pickle
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.params import ConfigError

try:  # POSIX; elsewhere folders are not locked
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from sim.model import EcosystemModel
    from sim.params import Params

MANIFEST = "manifest.json"
RUN_FILES = ("metrics.parquet", "agents.parquet", "config.yaml", MANIFEST)
DATA_FILES = RUN_FILES[:-1]
PARTS = "parts"
DONE_PARTS = ".parts-merged"  # parts whose final files are written, until the manifest
CHECKPOINT = "checkpoint.pkl"
LOCK = ".lock"
#: marks a manifest as an aieco run's (a ``manifest.json`` without it is someone else's)
RUN_KIND = "aieco-run"


class OutputError(RuntimeError):
    """An output that cannot be written as asked; the message is one line."""


class FolderBusy(OutputError):
    """Another process is writing into the folder (its lock is held)."""


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` is the file system running out of space (or quota)."""
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


# ------------------------------------------------------------------------------------------
# atomic writes
# ------------------------------------------------------------------------------------------


def atomic_write(path: Path, write: Callable[[Path], None], sync: bool = True) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, fsync it, rename it in place.

    On any error (a full disk included) the temporary file is removed and ``path`` keeps
    whatever it held before. ``sync=False`` skips the fsync: the rename is still atomic
    for a process that dies, but a machine that crashes may lose the data behind it, which
    only a checksum (:func:`run_state` with ``verify``) then reveals.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        if sync:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_parquet(df: pd.DataFrame, path: Path, sync: bool = True) -> None:
    """Write a DataFrame to Parquet atomically (no index, zstd-compressed)."""
    atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False, compression="zstd"), sync)


def write_text(text: str, path: Path, sync: bool = True) -> None:
    """Write text atomically."""
    def write(tmp: Path) -> None:
        tmp.write_text(text)

    atomic_write(path, write, sync)


def clean_partial(run_dir: Path) -> int:
    """Remove temporary files an interrupted write left behind; return how many."""
    stale = list(Path(run_dir).glob(".*.tmp")) if Path(run_dir).is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def file_record(path: Path) -> dict[str, Any]:
    """What a manifest records of a file: its size in bytes and its SHA-256."""
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return {"bytes": os.path.getsize(path), "sha256": digest}


# ------------------------------------------------------------------------------------------
# one writer per folder
# ------------------------------------------------------------------------------------------


class FolderLock:
    """An exclusive lock on a folder, held through a hidden ``.lock`` file inside it.

    Taking it never waits: if another process holds it, :class:`FolderBusy` says which
    (pid and host, written into the lock file). The operating system releases it when the
    holder dies, however it dies, so a killed writer never blocks the next one; a lock
    file left by a dead process is simply taken over. ``flock`` locks hold across
    processes on one machine and, on Linux, over NFS; on Lustre they need the ``flock``
    mount option.

    Parameters
    ----------
    folder : Path
        The folder to lock (created if missing).
    what : str
        How the one-line refusal names the folder ("run folder", "sweep folder").
    hint : str
        What the refusal suggests doing.
    """

    def __init__(self, folder: Path | str, what: str = "run folder", hint: str = "") -> None:
        self.folder, self.what, self.hint = Path(folder), what, hint
        self.path = self.folder / LOCK
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        """Take the lock or raise :class:`FolderBusy`."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if fcntl is None:  # pragma: no cover - Windows
            return self
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise FolderBusy(self._refusal()) from None
            # the holder before us may have removed the file after we opened it: the lock
            # counts only on the file that is still there
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        self._fd = fd
        return self

    def _refusal(self) -> str:
        try:
            holder = self.path.read_text().split()
        except OSError:
            holder = []
        who = f"process {holder[0]} on {holder[1]}" if len(holder) >= 2 else "another process"
        hint = f"; {self.hint}" if self.hint else ""
        return f"{self.what} {self.folder} is being written by {who}{hint}"

    def release(self) -> None:
        """Remove the lock file and let go (idempotent)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


# ------------------------------------------------------------------------------------------
# is a folder a complete run?
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunState:
    """What a folder holds, as far as runs go.

    Attributes
    ----------
    status : str
        ``"complete"``; ``"incomplete"`` (run files but no manifest: interrupted, or the
        manifest was deleted); ``"damaged"`` (a manifest whose files are missing, of
        another size, or, when verified, of another checksum); ``"foreign"`` (a
        ``manifest.json`` that is not an aieco run's, and no run files); ``"none"``.
    reason : str
        For incomplete and damaged runs, what is wrong, in a few words.
    manifest : dict or None
        The manifest, when it was read.
    """

    folder: Path
    status: str
    reason: str = ""
    manifest: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def complete(self) -> bool:
        """Whether the folder holds a complete run."""
        return self.status == "complete"


def _has_run_traces(folder: Path) -> bool:
    return any((folder / name).exists() for name in (*DATA_FILES, PARTS, DONE_PARTS))


def is_ours(manifest: object) -> bool:
    """Whether a parsed ``manifest.json`` is an aieco run's (this format or the first)."""
    return (isinstance(manifest, dict) and "config_hash" in manifest
            and "format_version" in manifest and "files" in manifest
            and manifest.get("kind", RUN_KIND) == RUN_KIND)


def run_state(folder: Path | str, verify: bool = False) -> RunState:
    """Whether ``folder`` holds a complete run, and if not, why.

    Sizes are always checked (a ``stat`` per file); with ``verify`` the SHA-256 of every
    file is recomputed and compared too. Manifests of the first format (before sizes and
    checksums were recorded) count when each file is there, is not empty and, for Parquet
    files, has a readable footer.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.exists():
        if _has_run_traces(folder):
            return RunState(folder, "incomplete", "no manifest.json (interrupted, or the "
                            "manifest was deleted)")
        return RunState(folder, "none")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        if _has_run_traces(folder):
            return RunState(folder, "damaged", "manifest.json is unreadable")
        return RunState(folder, "foreign")
    if not is_ours(manifest):
        if _has_run_traces(folder):
            return RunState(folder, "incomplete", "manifest.json is not an aieco manifest")
        return RunState(folder, "foreign")
    files = manifest["files"]
    problem = (_check_files(folder, files, verify) if isinstance(files, dict)
               else _check_first_format(folder, files))
    if problem:
        return RunState(folder, "damaged", problem, manifest)
    return RunState(folder, "complete", "", manifest)


def _check_files(folder: Path, files: dict[str, Any], verify: bool) -> str:
    for name, want in sorted(files.items()):
        path = folder / name
        try:
            size = path.stat().st_size
        except OSError:
            return f"{name} is missing"
        if size != want.get("bytes"):
            return f"{name} is {size:,} bytes, the manifest says {want.get('bytes'):,}"
        if verify and file_record(path)["sha256"] != want.get("sha256"):
            return f"{name} does not match its checksum"
    return ""


def _check_first_format(folder: Path, files: object) -> str:
    if not isinstance(files, list):
        return "manifest.json lists no files"
    for name in files:
        path = folder / str(name)
        if not path.is_file() or path.stat().st_size == 0:
            return f"{name} is missing or empty"
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            try:
                pq.read_metadata(path)
            except Exception:  # any unreadable footer
                return f"{name} is truncated (no Parquet footer)"
    return ""


def is_complete(run_dir: Path, verify: bool = False) -> bool:
    """Whether ``run_dir`` holds a complete run (see :func:`run_state`)."""
    return run_state(run_dir, verify).complete


def check_writable(path: str | Path, key: str) -> None:
    """Refuse, in one line, an output folder that cannot be created or written.

    Nothing is created: the nearest existing ancestor must be a folder in which a file can
    be made (checked by making and removing one, since permission bits do not bind root).

    Raises
    ------
    ConfigError
        Naming ``key``, the path and why it cannot be written.
    """
    target = Path(path)
    probe = target
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        where = "is a file" if probe == target else f"is under a file ({probe})"
        raise ConfigError(key, str(path), f"{where}; choose a folder")
    try:
        fd, name = tempfile.mkstemp(prefix=".aieco-write-test.", dir=probe)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise ConfigError(key, str(path),
                          f"cannot be written ({exc.strerror or exc}); choose a folder you "
                          "can write to") from None


# ------------------------------------------------------------------------------------------
# streaming one run
# ------------------------------------------------------------------------------------------


def _last_step(path: Path) -> int:
    return int(path.stem.rsplit("-", 1)[1])


class RunWriter:
    """Stream one run into its folder: parts and a checkpoint, then the final files.

    Parameters
    ----------
    out_dir : Path
        The run folder.
    params : Params
        The run's scenario; its hash guards the checkpoint.
    min_flush_seconds : float
        Flush (parts and checkpoint) at a multiple of ``run.flush_every`` only when at
        least this long has passed since the start or the last flush. 0 flushes at every
        multiple; sweeps of short runs pass a few seconds, so a run that takes less never
        pays for a checkpoint it would not need (a kill loses at most that much work).
    durable : bool
        fsync every file before renaming it into place (see :func:`atomic_write`).
    """

    def __init__(self, out_dir: Path, params: Params, min_flush_seconds: float = 0.0,
                 durable: bool = True) -> None:
        from sim import __version__
        from sim.provenance import code_fingerprint, config_hash

        self.out = Path(out_dir)
        self.parts = self.out / PARTS
        self.done = self.out / DONE_PARTS
        self.guard = {"config_hash": config_hash(params), "aieco": __version__,
                      "code": code_fingerprint()}
        self.min_flush_seconds = min_flush_seconds
        self.durable = durable
        self.wall = 0.0
        #: seconds building the model and inside ``model.step()`` (what ``sim.run`` times)
        self.model_time = 0.0
        self._flushed = False
        self._last_flush = time.perf_counter()

    def start(self, params: Params, seed_seq: np.random.SeedSequence) -> EcosystemModel:
        """The model to run: resumed from a matching checkpoint, or new (old parts go)."""
        from sim.model import EcosystemModel

        self.out.mkdir(parents=True, exist_ok=True)
        clean_partial(self.out)
        if (self.out / MANIFEST).exists():  # complete results being replaced (--overwrite)
            shutil.rmtree(self.parts, ignore_errors=True)
            shutil.rmtree(self.done, ignore_errors=True)
        elif self.done.exists() and not self.parts.exists():  # killed just before its manifest
            self.done.rename(self.parts)
        shutil.rmtree(self.done, ignore_errors=True)
        clean_partial(self.parts)
        # the manifest first (not complete until the end), then an earlier run's files, so
        # none is left beside the new parts looking like this run's results
        for name in (MANIFEST, *DATA_FILES):
            (self.out / name).unlink(missing_ok=True)
        model = self._resume(seed_seq)
        if model is None:
            shutil.rmtree(self.parts, ignore_errors=True)
            began = time.perf_counter()
            model = EcosystemModel(params, rng=seed_seq)
            self.model_time += time.perf_counter() - began
        else:
            self._flushed = True
        self._clock = self._last_flush = time.perf_counter()
        return model

    def _resume(self, seed_seq: np.random.SeedSequence) -> EcosystemModel | None:
        path = self.parts / CHECKPOINT
        if not path.exists():
            return None
        try:
            with open(path, "rb") as fh:
                saved = pickle.load(fh)
        except Exception:  # any unreadable checkpoint (truncated, old code) means start afresh
            return None
        if saved.get("guard") != self.guard:
            return None
        model = saved["model"]
        if (model.seed_seq.entropy, model.seed_seq.spawn_key) != (seed_seq.entropy,
                                                                  seed_seq.spawn_key):
            return None
        for part in self.parts.glob("*.parquet"):  # written after the checkpoint was taken
            if _last_step(part) > model.steps:
                part.unlink()
        self.wall = float(saved.get("wall", 0.0))
        self.model_time = float(saved.get("model_time", 0.0))
        return model

    def due(self, model: EcosystemModel, steps: int, every: int) -> bool:
        """Whether to flush after this step (a multiple of ``every`` before the end)."""
        return (model.steps % every == 0 and model.steps < steps
                and time.perf_counter() - self._last_flush >= self.min_flush_seconds)

    def flush(self, model: EcosystemModel, checkpoint: bool = True) -> None:
        """Write the steps since the last flush as parts, then checkpoint the model."""
        from sim.runner import agents_frame, metrics_frame

        self.parts.mkdir(parents=True, exist_ok=True)
        self._flushed = True
        step = model.steps
        if model.history:
            write_parquet(metrics_frame(model.history),
                          self.parts / f"metrics-{step:07d}.parquet", self.durable)
            model.history.clear()
        if model.agent_records:
            write_parquet(agents_frame(model.agent_records),
                          self.parts / f"agents-{step:07d}.parquet", self.durable)
            model.agent_records.clear()
        now = time.perf_counter()
        self.wall += now - self._clock
        self._clock = self._last_flush = now
        if not checkpoint:
            return
        state = {"guard": self.guard, "wall": self.wall, "model_time": self.model_time,
                 "model": model}

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                pickle.dump(state, fh, protocol=5)

        atomic_write(self.parts / CHECKPOINT, write, self.durable)

    def finish(self, model: EcosystemModel, config_yaml: str,
               extra_manifest: dict[str, Any] | None = None) -> Path:
        """Write the final files, the manifest last (with sizes and checksums); drop parts.

        A run that flushed merges its parts into the final files; one that never did
        writes them straight from memory.
        """
        from sim.provenance import manifest
        from sim.runner import agents_frame, metrics_frame

        if self._flushed:
            self.flush(model, checkpoint=False)  # a kill from here on resumes from the last
            self._merge()
        else:
            write_parquet(metrics_frame(model.history), self.out / "metrics.parquet",
                          self.durable)
            write_parquet(agents_frame(model.agent_records), self.out / "agents.parquet",
                          self.durable)
            self.wall += time.perf_counter() - self._clock
        write_text(config_yaml, self.out / "config.yaml", self.durable)
        files = {name: file_record(self.out / name) for name in DATA_FILES}
        info = {**manifest(model.params, model.seed_seq, self.wall), **(extra_manifest or {}),
                "kind": RUN_KIND, "files": files,
                "model_time_s": round(self.model_time, 3)}
        # parts out of sight before the manifest: a complete folder never shows them; a kill
        # between the two leaves them hidden, and the next start puts them back to resume
        if self.parts.exists():
            os.replace(self.parts, self.done)
        write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", self.out / MANIFEST,
                   self.durable)
        shutil.rmtree(self.done, ignore_errors=True)
        return self.out

    def _merge(self) -> None:
        import pandas as pd

        from sim.runner import metrics_frame

        metrics = sorted(self.parts.glob("metrics-*.parquet"))
        frame = (pd.concat([pd.read_parquet(p) for p in metrics], ignore_index=True)
                 if metrics else metrics_frame([]))
        write_parquet(frame, self.out / "metrics.parquet", self.durable)
        _merge_parquet(sorted(self.parts.glob("agents-*.parquet")), self.out / "agents.parquet",
                       self.durable)


def _merge_parquet(parts: list[Path], path: Path, sync: bool = True) -> None:
    """Concatenate Parquet parts into one file, one part in memory at a time."""
    import pyarrow.parquet as pq

    from sim.runner import agents_frame

    if not parts:
        write_parquet(agents_frame([]), path, sync)
        return

    def write(tmp: Path) -> None:
        schema = pq.read_schema(parts[0])
        with pq.ParquetWriter(tmp, schema, compression="zstd") as out:
            for part in parts:
                out.write_table(pq.read_table(part).cast(schema))

    atomic_write(path, write, sync)


@contextlib.contextmanager
def _maybe_locked(folder: Path, lock: bool) -> Iterator[None]:
    if not lock:
        yield
        return
    with FolderLock(folder, "run folder",
                    "wait for it to finish, or stop it, then run the same command again"):
        yield


def run_into(out_dir: Path, params: Params, seed_seq: np.random.SeedSequence,
             config_yaml: str, extra_manifest: dict[str, Any] | None = None,
             on_step: Callable[[EcosystemModel], None] | None = None, *,
             lock: bool = True, min_flush_seconds: float = 0.0, durable: bool = True) -> Path:
    """Run one replicate straight into its folder, streaming and resumable.

    Parameters
    ----------
    out_dir : Path
        The run folder, locked (:class:`FolderLock`) while the run writes into it.
    params, seed_seq
        The scenario and the replicate's seed sequence.
    config_yaml : str
        The resolved configuration, written as ``config.yaml``.
    extra_manifest : dict, optional
        More keys for the manifest (overrides, swept values, experiment).
    on_step : callable, optional
        Called with the model after every step.
    lock : bool
        Take the folder's lock (refusing a second writer with :class:`FolderBusy`).
    min_flush_seconds, durable
        See :class:`RunWriter`.

    Returns
    -------
    Path
        The folder, complete (manifest written) when this returns.
    """
    out_dir = Path(out_dir)
    with _maybe_locked(out_dir, lock):
        writer = RunWriter(out_dir, params, min_flush_seconds, durable)
        model = writer.start(params, seed_seq)
        every, steps = params.run.flush_every, params.run.steps
        while model.steps < steps:
            began = time.perf_counter()
            model.step()
            writer.model_time += time.perf_counter() - began
            if on_step is not None:
                on_step(model)
            if writer.due(model, steps, every):
                writer.flush(model)
        return writer.finish(model, config_yaml, extra_manifest)
