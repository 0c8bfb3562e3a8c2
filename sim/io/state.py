"""Is a folder a complete run? The manifest's sizes and checksums decide."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.io.files import (
    DATA_FILES,
    DONE_PARTS,
    MANIFEST,
    PARTS,
    RUN_KIND,
    file_record,
)
from sim.params import ConfigError


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
