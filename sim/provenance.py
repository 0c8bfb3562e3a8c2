"""Provenance of a run: versions, commit, seed, config hash (the manifest).

The manifest is what makes a results folder self-describing: analysis finds runs by their
manifests, never by folder names.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from sim.params import Params

#: 2: "files" maps each file to its size and SHA-256, and "kind" marks the manifest as ours
FORMAT_VERSION = 2
PACKAGES = ("aieco", "mesa", "numpy", "numba", "scipy", "pandas", "pyarrow", "hydra-core",
            "omegaconf", "seaborn")


#: run settings that change neither a run's outcomes nor which run it is
NOT_HASHED = ("replicates", "progress", "flush_every")


def config_hash(params: Params) -> str:
    """SHA-256 of the canonical JSON of the parameters (sorted keys).

    ``run.replicates``, ``run.progress`` and ``run.flush_every`` are left out: one
    replicate's results do not depend on how many others run, on a progress bar or on how
    often they are written, so extending a sweep with more replicates keeps the runs it
    already has.
    """
    plain = dataclasses.asdict(params)
    for key in NOT_HASHED:
        plain["run"].pop(key, None)
    text = json.dumps(plain, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return tuple(out.items())


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape results.

    Read once per process (about 45 ms, which a sweep worker would otherwise pay per run).
    """
    return dict(_versions())


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 of the package's Python sources: changes with any edit to the model code.

    Read once per process (a sweep worker runs many jobs).
    """
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def git_commit() -> str | None:
    """Commit of the source: recorded at build time, or read from a source checkout.

    Read once per process.
    """
    info = Path(__file__).with_name("_build.json")
    if info.exists():
        return json.loads(info.read_text()).get("commit")
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=Path(__file__).parent, capture_output=True, text=True,
                               timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() + ("-dirty" if dirty else "")


def manifest(params: Params, seed_seq: np.random.SeedSequence, wall_time: float) -> dict[str, Any]:
    """The manifest of a finished run."""
    entropy = seed_seq.entropy
    versions = package_versions()
    return {
        "format_version": FORMAT_VERSION,
        "aieco_version": versions["aieco"],
        "git_commit": git_commit(),
        "versions": versions,
        "seed": int(entropy) if isinstance(entropy, int) else None,
        "spawn_key": list(seed_seq.spawn_key),
        "config_hash": config_hash(params),
        "scenario": {"openness": params.openness.name, "regulation": params.regulation.name,
                     "jurisdictions": params.jurisdictions.name,
                     "population": params.population.name},
        "steps": params.run.steps,
        "wall_time_s": round(wall_time, 3),
    }
