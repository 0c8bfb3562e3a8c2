"""Streaming one run into its folder: parts, checkpoints, the merge, the manifest last."""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from sim.model import EcosystemModel
    from sim.params import Params


from sim.io.files import (
    CHECKPOINT,
    DATA_FILES,
    DONE_PARTS,
    MANIFEST,
    PARTS,
    RUN_KIND,
    atomic_write,
    clean_partial,
    file_record,
    write_parquet,
    write_text,
)
from sim.io.lock import (
    FolderLock,
)


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
