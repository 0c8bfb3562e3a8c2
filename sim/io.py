"""Saving results: atomic writes of a self-describing run folder.

A run folder holds ``metrics.parquet``, ``agents.parquet``, ``config.yaml`` and, written
last, ``manifest.json``. Every file is written to a temporary name in the same folder and
renamed into place, so an interrupted run never leaves a file that looks whole; a run is
complete exactly when its manifest exists.

Long runs stream (:class:`RunWriter`): every ``run.flush_every`` steps the new metrics rows
and agent snapshots go to ``parts/`` as complete Parquet files, followed by a checkpoint of
the model, and the model forgets them, so memory stays flat. A run that is killed keeps
its parts, and the same command resumes it from the checkpoint with results identical to
an uninterrupted run. At the end the parts are merged (streaming) into the final files.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.params import ConfigError
from sim.runner import agents_frame, metrics_frame

if TYPE_CHECKING:
    import numpy as np

    from sim.model import EcosystemModel
    from sim.params import Params

MANIFEST = "manifest.json"
RUN_FILES = ("metrics.parquet", "agents.parquet", "config.yaml", MANIFEST)
PARTS = "parts"
DONE_PARTS = ".parts-merged"  # parts whose final files are written, until the manifest
CHECKPOINT = "checkpoint.pkl"


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
    """

    def __init__(self, out_dir: Path, params: Params) -> None:
        from sim import __version__
        from sim.provenance import code_fingerprint, config_hash

        self.out = Path(out_dir)
        self.parts = self.out / PARTS
        self.done = self.out / DONE_PARTS
        self.guard = {"config_hash": config_hash(params), "aieco": __version__,
                      "code": code_fingerprint()}
        self.wall = 0.0

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
        for name in (MANIFEST, *(f for f in RUN_FILES if f != MANIFEST)):
            (self.out / name).unlink(missing_ok=True)
        model = self._resume(seed_seq)
        if model is None:
            shutil.rmtree(self.parts, ignore_errors=True)
            model = EcosystemModel(params, rng=seed_seq)
        self.parts.mkdir(exist_ok=True)
        self._clock = time.perf_counter()
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
        return model

    def flush(self, model: EcosystemModel, checkpoint: bool = True) -> None:
        """Write the steps since the last flush as parts, then checkpoint the model."""
        step = model.steps
        if model.history:
            write_parquet(metrics_frame(model.history), self.parts / f"metrics-{step:07d}.parquet")
            model.history.clear()
        if model.agent_records:
            write_parquet(agents_frame(model.agent_records),
                          self.parts / f"agents-{step:07d}.parquet")
            model.agent_records.clear()
        now = time.perf_counter()
        self.wall += now - self._clock
        self._clock = now
        if not checkpoint:
            return
        state = {"guard": self.guard, "wall": self.wall, "model": model}
        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                pickle.dump(state, fh, protocol=5)

        atomic_write(self.parts / CHECKPOINT, write)

    def finish(self, model: EcosystemModel, config_yaml: str,
               extra_manifest: dict[str, Any] | None = None) -> Path:
        """Merge the parts into the final files, write the manifest last, drop the parts."""
        from sim.provenance import manifest

        self.flush(model, checkpoint=False)  # a kill from here on resumes from the last one
        metrics = sorted(self.parts.glob("metrics-*.parquet"))
        frame = (pd.concat([pd.read_parquet(p) for p in metrics], ignore_index=True)
                 if metrics else metrics_frame([]))
        write_parquet(frame, self.out / "metrics.parquet")
        _merge_parquet(sorted(self.parts.glob("agents-*.parquet")), self.out / "agents.parquet")
        write_text(config_yaml, self.out / "config.yaml")
        info = {**manifest(model.params, model.seed_seq, self.wall), **(extra_manifest or {}),
                "files": [f for f in RUN_FILES if f != MANIFEST]}
        # parts out of sight before the manifest: a complete folder never shows them; a kill
        # between the two leaves them hidden, and the next start puts them back to resume
        os.replace(self.parts, self.done)
        write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", self.out / MANIFEST)
        shutil.rmtree(self.done, ignore_errors=True)
        return self.out


def _merge_parquet(parts: list[Path], path: Path) -> None:
    """Concatenate Parquet parts into one file, one part in memory at a time."""
    import pyarrow.parquet as pq

    if not parts:
        write_parquet(agents_frame([]), path)
        return

    def write(tmp: Path) -> None:
        schema = pq.read_schema(parts[0])
        with pq.ParquetWriter(tmp, schema, compression="zstd") as out:
            for part in parts:
                out.write_table(pq.read_table(part).cast(schema))

    atomic_write(path, write)


def run_into(out_dir: Path, params: Params, seed_seq: np.random.SeedSequence,
             config_yaml: str, extra_manifest: dict[str, Any] | None = None,
             on_step: Callable[[EcosystemModel], None] | None = None) -> Path:
    """Run one replicate straight into its folder, streaming and resumable.

    Returns the folder, complete (manifest written) when this returns.
    """
    writer = RunWriter(out_dir, params)
    model = writer.start(params, seed_seq)
    every = params.run.flush_every
    while model.steps < params.run.steps:
        model.step()
        if on_step is not None:
            on_step(model)
        if model.steps % every == 0 and model.steps < params.run.steps:
            writer.flush(model)
    return writer.finish(model, config_yaml, extra_manifest)
