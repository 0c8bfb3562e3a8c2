"""What a folder of runs is: one experiment, its cells, its seeds and its reference cell.

A report groups runs by the keys their manifests record as set for the run (``swept``):
the keys whose values differ between runs define the cells, except the seed keys, which
define the replicates; nothing is inferred from folder names or column contents. A folder
that cannot be reported honestly is refused in one line (:class:`Unreportable`): runs of
two experiments, or a cell holding the same seed twice.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analysis.collect import ExperimentMeta, candidate_folders, find_runs
from analysis.stats import UNIT
from sim.io import MANIFEST

#: override keys that choose the random numbers, not the setting
SEED_KEYS = ("run.seed", "run.replicates")
DEFAULT_OUTCOMES = ["hhi", "harm", "meaningful_access", "trust", "welfare", "frontier_capability"]


class Unreportable(ValueError):
    """A folder whose runs cannot be reported as one experiment (the message says why)."""


@dataclass
class Design:
    """The experiment behind a folder of runs, as its manifests and config record it."""

    meta: ExperimentMeta
    levers: list[str]  #: keys that vary between runs, the experiment's levers first
    levels: dict[str, list[Any]] = field(default_factory=dict)
    reference: dict[str, Any] = field(default_factory=dict)
    seeds: tuple[int, int] = (0, 0)  #: fewest and most seeds in a cell
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The experiment's name."""
        return self.meta.name


def order(values: pd.Series | list[Any]) -> list[Any]:
    """Levels in a stable order: numbers ascending, names as they first appear."""
    uniq = list(dict.fromkeys(pd.Series(values).dropna().tolist()))
    try:
        return sorted(uniq)
    except TypeError:
        return uniq


def manifests(root: Path) -> dict[str, dict[str, Any]]:
    """Each complete run's manifest, by its folder relative to ``root``."""
    out = {}
    for folder in find_runs(root, verify=False):
        rel = str(folder.relative_to(root)) if folder != root else "."
        out[rel] = json.loads((folder / MANIFEST).read_text())
    return out


def varying_keys(summary: pd.DataFrame, found: dict[str, dict[str, Any]]) -> list[str]:
    """The recorded keys whose values differ between the runs in ``summary``."""
    runs = [found[r] for r in summary["run"] if r in found]
    if len(runs) < len(summary):  # runs pruned since the collection: the table's own
        # columns are the keys their manifests recorded when it was collected
        keys = [c for c in summary.columns if not str(c).endswith(("_final", "_mean"))
                and c not in ("run", "config_hash", *UNIT)]
    else:
        keys = sorted({k for m in runs for k in m.get("swept", {})})
    return [k for k in keys if k in summary and summary[k].astype(str).nunique() > 1]


def experiment_names(summary: pd.DataFrame, found: dict[str, dict[str, Any]]) -> Counter[str]:
    """Runs per experiment name recorded in the manifests."""
    return Counter(str(found[r].get("experiment", "")) for r in summary["run"] if r in found)


def read_meta(root: Path) -> dict[str, Any]:
    """The ``experiment`` block of the first run's config that is still there."""
    runs = find_runs(root, verify=False) or [f for f in candidate_folders(root)
                                             if (f / "config.yaml").is_file()]
    if not runs:
        return {}
    cfg = yaml.safe_load((runs[0] / "config.yaml").read_text()) or {}
    return dict(cfg.get("experiment") or {})


def design_of(root: Path, summary: pd.DataFrame) -> Design:
    """The :class:`Design` of the runs in ``summary`` (collected from ``root``).

    Raises
    ------
    Unreportable
        For runs of more than one experiment, or a seed repeated within a cell.
    """
    found = manifests(root)
    names = experiment_names(summary, found)
    if len(names) > 1:
        listing = ", ".join(f"{n or '(none)'}: {k} runs" for n, k in sorted(names.items()))
        raise Unreportable(f"{root} holds runs of {len(names)} experiments ({listing}); "
                           "report each experiment's folder on its own")
    raw = read_meta(root)
    known = set(ExperimentMeta.__dataclass_fields__)
    meta = ExperimentMeta(**{k: v for k, v in raw.items() if k in known})
    meta.name = meta.name or next(iter(names), "") or root.name
    if meta.name == "sweep":  # an ad hoc sweep: named after its folder
        meta.name = f"{root.name} (ad hoc sweep)"
    varying = [k for k in varying_keys(summary, found) if k not in SEED_KEYS]
    levers = [lv for lv in meta.levers if lv in varying] + \
        [k for k in varying if k not in meta.levers]
    dropped = [lv for lv in meta.levers if lv not in varying]
    design = Design(meta, levers)
    if dropped:
        design.notes.append("Levers of the experiment held at one value in these runs: "
                            + ", ".join(f"`{d}`" for d in dropped) + ".")
    design.levels = {lv: order(summary[lv]) for lv in levers}
    design.reference = {lv: _reference(lv, design.levels[lv], meta.reference)
                        for lv in levers}
    sizes = summary.groupby(levers, observed=True).size() if levers else pd.Series([len(summary)])
    if levers and summary.duplicated([*levers, *UNIT]).any():
        raise Unreportable(f"{root} holds the same seed twice in one cell (runs of the same "
                           "setting collected twice?); report a folder of one sweep")
    design.seeds = (int(sizes.min()), int(sizes.max()))
    return design


def _reference(lever: str, levels: list[Any], declared: dict[str, Any]) -> Any:
    """The declared reference level of ``lever`` if the runs hold it, else its first level."""
    if lever in declared:
        want = str(declared[lever])
        for level in levels:
            if str(level) == want:
                return level
    return levels[0]


def outcomes_of(meta: ExperimentMeta, summary: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(outcomes the runs hold, in the experiment's order; the ones they do not)."""
    from analysis.theme import summary_column

    wanted = meta.outcomes or DEFAULT_OUTCOMES
    known = [o for o in wanted if summary_column(o) in summary]
    missing = [o for o in wanted if o not in known]
    if not known:
        known = [o for o in DEFAULT_OUTCOMES if summary_column(o) in summary]
    return known, missing
