"""Gathering a sweep: one tidy table per step and one per run, found by manifests.

Runs are found by their ``manifest.json`` (a run is complete exactly when its manifest
exists and names files that exist), never by parsing folder names. The swept parameters
come from each manifest's ``swept`` record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.io import MANIFEST, is_complete, write_parquet
from sim.metrics import summarise

RESULTS, SUMMARY = "results.parquet", "summary.parquet"


@dataclass
class ExperimentMeta:
    """What a named experiment asks; read by sweeps and reports, ignored by the model."""

    name: str = ""
    question: str = ""
    levers: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
ID_COLUMNS = ("run", "config_hash")


def find_runs(root: Path) -> list[Path]:
    """Complete run folders under ``root``, in sorted order."""
    root = Path(root)
    return sorted(p.parent for p in root.rglob(MANIFEST) if is_complete(p.parent))


def _value(text: Any) -> Any:
    """An override's value as YAML reads it (numbers become numbers)."""
    if not isinstance(text, str):
        return text
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, int | float | str | bool) else text


def collect(root: Path, write: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Gather every complete run under ``root`` into results and summary tables.

    Parameters
    ----------
    root : Path
        A sweep folder (or any folder holding run folders).
    write : bool
        Also write ``results.parquet`` and ``summary.parquet`` into ``root``.

    Returns
    -------
    results : pandas.DataFrame
        One row per run and step: ``run``, ``config_hash``, the swept parameters, then the
        metrics columns.
    summary : pandas.DataFrame
        One row per run: identifiers, swept parameters, and ``<outcome>_final`` and
        ``<outcome>_mean`` for every numeric outcome.
    """
    root = Path(root)
    frames, rows = [], []
    runs = find_runs(root)
    swept_keys = sorted({k for r in runs for k in _manifest(r).get("swept", {})})
    for run_dir in runs:
        manifest = _manifest(run_dir)
        metrics = pd.read_parquet(run_dir / "metrics.parquet")
        ids: dict[str, Any] = {"run": str(run_dir.relative_to(root)) or ".",
                               "config_hash": manifest["config_hash"]}
        swept = {k: _value(manifest.get("swept", {}).get(k)) for k in swept_keys}
        fixed = pd.DataFrame({**ids, **swept}, index=metrics.index)
        fixed = fixed.drop(columns=[c for c in swept if c in metrics.columns])
        frames.append(pd.concat([fixed, metrics], axis=1))
        rows.append({**ids, **swept, **summarise(metrics)})
    results = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    summary = pd.DataFrame(rows)
    if write:
        write_parquet(results, root / RESULTS)
        write_parquet(summary, root / SUMMARY)
    return results, summary


def _manifest(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / MANIFEST).read_text())
