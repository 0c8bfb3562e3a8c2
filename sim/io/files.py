"""Run folders' file names, and atomic writes: a file is whole under its name or absent."""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


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
