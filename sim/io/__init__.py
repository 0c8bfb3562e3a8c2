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

from sim.io.files import (
    CHECKPOINT,
    DATA_FILES,
    DONE_PARTS,
    LOCK,
    MANIFEST,
    PARTS,
    RUN_FILES,
    RUN_KIND,
    FolderBusy,
    OutputError,
    atomic_write,
    clean_partial,
    disk_full,
    file_record,
    write_parquet,
    write_text,
)
from sim.io.lock import (
    FolderLock,
)
from sim.io.state import (
    RunState,
    check_writable,
    is_complete,
    is_ours,
    run_state,
)
from sim.io.writer import (
    RunWriter,
    run_into,
)

__all__ = [
    "CHECKPOINT",
    "DATA_FILES",
    "DONE_PARTS",
    "LOCK",
    "MANIFEST",
    "PARTS",
    "RUN_FILES",
    "RUN_KIND",
    "FolderBusy",
    "FolderLock",
    "OutputError",
    "RunState",
    "RunWriter",
    "atomic_write",
    "check_writable",
    "clean_partial",
    "disk_full",
    "file_record",
    "is_complete",
    "is_ours",
    "run_into",
    "run_state",
    "write_parquet",
    "write_text",
]
