"""Saving results: atomic writes of a self-describing run folder.

A run folder holds ``metrics.parquet``, ``agents.parquet``, ``config.yaml`` and, written
last, ``manifest.json``. Every file is written to a temporary name in the same folder and
renamed into place, so an interrupted run never leaves a file that looks whole; a run is
complete exactly when its manifest exists.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from sim.runner import Results

MANIFEST = "manifest.json"
RUN_FILES = ("metrics.parquet", "agents.parquet", "config.yaml", MANIFEST)


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, fsync it, rename it in place."""
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
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


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame to Parquet atomically (no index, zstd-compressed)."""
    atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False, compression="zstd"))


def write_text(text: str, path: Path) -> None:
    """Write text atomically."""
    def write(tmp: Path) -> None:
        tmp.write_text(text)

    atomic_write(path, write)


def clean_partial(run_dir: Path) -> int:
    """Remove temporary files an interrupted write left behind; return how many."""
    stale = list(Path(run_dir).glob(".*.tmp")) if Path(run_dir).is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def write_run(out_dir: Path, results: Results, config_yaml: str,
              extra_manifest: dict[str, Any] | None = None) -> Path:
    """Write a run folder; the manifest goes last. Returns the folder."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_partial(out_dir)
    (out_dir / MANIFEST).unlink(missing_ok=True)  # the folder is not complete until the end
    write_parquet(results.metrics, out_dir / "metrics.parquet")
    write_parquet(results.agents, out_dir / "agents.parquet")
    write_text(config_yaml, out_dir / "config.yaml")
    manifest = {**results.manifest, **(extra_manifest or {}),
                "files": [f for f in RUN_FILES if f != MANIFEST]}
    write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", out_dir / MANIFEST)
    return out_dir


def is_complete(run_dir: Path) -> bool:
    """A run is complete when its manifest exists and names files that all exist."""
    path = Path(run_dir) / MANIFEST
    if not path.exists():
        return False
    try:
        files = json.loads(path.read_text()).get("files", [])
    except (OSError, json.JSONDecodeError):
        return False
    return all((Path(run_dir) / f).exists() for f in files)
