"""Gathering a sweep: one tidy table per step and one per run, found by manifests.

Runs are found by their ``manifest.json``, never by parsing folder names, and a run counts
only when it is complete: its manifest is an aieco manifest and every file it names is
there with the size (and, as collected, the checksum) it records
(:func:`sim.io.run_state`). A folder that holds run files but is not complete (interrupted,
a file truncated, emptied or deleted, the manifest deleted) is named in one line, and the
same ``aieco sweep`` command makes it again. A ``manifest.json`` that is not an aieco
manifest, in a folder without run files, is ignored. The swept parameters come from each
manifest's ``swept`` record.

Collected tables are never lost: a collection that would drop runs the previous tables
hold (deleted or damaged since), or that finds no run at all, keeps the previous
``results.parquet`` and ``summary.parquet`` and says so; ``replace=True`` (``aieco collect
--replace``) replaces them anyway. Both tables are written only once both are built.

This module imports pandas and the metric definitions only when it collects, so the command
line can import :class:`ExperimentMeta` cheaply.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.io import DATA_FILES, DONE_PARTS, MANIFEST, PARTS, RunState, run_state

if TYPE_CHECKING:
    import pandas as pd

RESULTS, SUMMARY = "results.parquet", "summary.parquet"
#: problems named one line each before the rest are counted
MAX_PROBLEM_LINES = 50


@dataclass
class ExperimentMeta:
    """What a named experiment asks; read by sweeps and reports, ignored by the model."""

    name: str = ""
    question: str = ""
    levers: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    #: the outcome whose paired difference gives the report's one-line answer
    answer: str = ""
    #: the reference cell, one level per lever (``openness: api_only``); default: the first
    #: level of each lever
    reference: dict[str, Any] = field(default_factory=dict)
    #: the level of the first lever whose effect the answer follows across the second lever
    #: (default: the level with the largest effect at the reference)
    focus: str = ""
    #: the two outcomes of the trade-off figure, ``[x, y]`` (default: the first two)
    tradeoff: list[str] = field(default_factory=list)
    #: why the levers move the outcomes, in a few sentences, shown in the report
    mechanism: str = ""
    #: what the experiment cannot say, shown in the report
    caveats: str = ""
    #: the design review (``contrast``, ``levers``, ``outcomes``, ``deviations``: why each
    #: is the question's), rendered into ``experiments/catalogue.md``
    design: dict[str, str] = field(default_factory=dict)
    #: parameters (or config groups) whose values are uncertain: the default factors of
    #: ``aieco sensitivity`` and ``aieco discover``, over their plausible ranges
    uncertainties: list[str] = field(default_factory=list)


ID_COLUMNS = ("run", "config_hash")


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def candidate_folders(root: Path) -> list[Path]:
    """Folders under ``root`` (itself included) holding a manifest or any run file.

    Hidden folders (``.submitit``, ``.parts-merged``) and ``parts/`` are not entered; run
    folders are, since a sweep whose replicates changed from one to several nests them.
    """
    root = Path(root)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        names = set(filenames)
        if MANIFEST in names or names.intersection(DATA_FILES) or PARTS in dirnames \
                or DONE_PARTS in dirnames:
            found.append(Path(dirpath))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != PARTS)
    return sorted(found)


def scan(root: Path, verify: bool = False) -> tuple[list[RunState], list[RunState]]:
    """(complete runs, incomplete or damaged runs) under ``root``, in sorted order."""
    complete, problems = [], []
    for folder in candidate_folders(root):
        state = run_state(folder, verify=verify)
        if state.complete:
            complete.append(state)
        elif state.status in ("incomplete", "damaged"):
            problems.append(state)
    return complete, problems


def find_runs(root: Path, verify: bool = False) -> list[Path]:
    """Complete run folders under ``root``, in sorted order."""
    return [s.folder for s in scan(root, verify)[0]]


def describe_problems(root: Path, problems: list[RunState],
                      say: Callable[[str], None] = _stderr) -> None:
    """One line per incomplete or damaged run (the first :data:`MAX_PROBLEM_LINES`)."""
    for state in problems[:MAX_PROBLEM_LINES]:
        rel = _relative(state.folder, root)
        say(f"aieco collect: {state.status} run {rel}: {state.reason}")
    if len(problems) > MAX_PROBLEM_LINES:
        say(f"aieco collect: ... and {len(problems) - MAX_PROBLEM_LINES} more incomplete or "
            "damaged runs")
    if problems:
        say(f"aieco collect: {len(problems)} runs left out; run the same 'aieco sweep' "
            "command to make them again")


def _relative(folder: Path, root: Path) -> str:
    return str(folder.relative_to(root)) if folder != root else "."


def _value(text: Any) -> Any:
    """An override's value as YAML reads it (numbers become numbers)."""
    import yaml

    if not isinstance(text, str):
        return text
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, int | float | str | bool) else text


def summary_row(metrics: pd.DataFrame) -> dict[str, Any]:
    """:func:`sim.metrics.summarise`, with one pandas operation per run instead of per column.

    The same row (keys, order, values; a test compares the tables both make): labels keep
    their last value, every other numeric column gives ``<name>_final`` and ``<name>_mean``
    (NaN-skipping; flags as 0/1). About three times faster here (5.0 against 13.5 ms a run
    of 40 quarters, timed over the 40 runs of a concentration sweep), which is most of what
    collecting costs.
    """
    import pandas as pd

    out: dict[str, Any] = {}
    if metrics.empty:
        return out
    last = metrics.iloc[-1]
    numeric = {str(c) for c, t in metrics.dtypes.items() if pd.api.types.is_numeric_dtype(t)}
    labels = ("step", "seed", "replicate")
    means = metrics[[c for c in metrics.columns if c in numeric and c not in labels]].mean()
    for col in metrics.columns:
        if col == "step":
            continue
        if col in ("seed", "replicate") or col not in numeric:
            out[col] = last[col]
            continue
        out[f"{col}_final"] = last[col]
        out[f"{col}_mean"] = means[col]
    return out


def _read_all(paths: list[Path]) -> list[Any]:
    """Each Parquet file as a pyarrow table (or the exception reading it raised).

    Read on a few threads: pyarrow releases the GIL while it reads and decompresses.
    """
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow.parquet as pq

    def read(path: Path) -> Any:
        try:
            return pq.read_table(path)
        except Exception as exc:  # damaged although its size matches: reported by the caller
            return exc

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(read, paths))


def tables(root: Path, runs: list[RunState],
           say: Callable[[str], None] = _stderr) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The results and summary tables of ``runs`` (one unreadable run is named and left out)."""
    import pandas as pd

    metrics_list, ids_list, rows = [], [], []
    swept_keys = sorted({k for r in runs for k in (r.manifest or {}).get("swept", {})})
    read = _read_all([state.folder / "metrics.parquet" for state in runs])
    for state, table in zip(runs, read, strict=True):
        manifest = state.manifest or {}
        if isinstance(table, Exception):
            say(f"aieco collect: damaged run {_relative(state.folder, root)}: metrics.parquet "
                f"cannot be read ({type(table).__name__})")
            continue
        metrics = table.to_pandas()
        ids: dict[str, Any] = {"run": _relative(state.folder, root),
                               "config_hash": manifest["config_hash"]}
        swept = {k: _value(manifest.get("swept", {}).get(k)) for k in swept_keys}
        metrics_list.append(metrics)
        ids_list.append({**ids, **swept})
        rows.append({**ids, **swept, **summary_row(metrics)})
    if not metrics_list:
        return pd.DataFrame(), pd.DataFrame(rows)
    # one concatenation, the identifying columns repeated per row: the frame a concat of
    # each run's [ids, metrics] would give, without a concat per run
    body = pd.concat(metrics_list, ignore_index=True)
    lengths = [len(m) for m in metrics_list]
    fixed = pd.DataFrame([row for row, n in zip(ids_list, lengths, strict=True)
                          for _ in range(n)], index=body.index)
    fixed = fixed.drop(columns=[c for c in swept_keys if c in body.columns])
    return pd.concat([fixed, body], axis=1), pd.DataFrame(rows)


def previous_runs(root: Path) -> list[str] | None:
    """The runs the collected ``summary.parquet`` holds, or None if there is none."""
    path = Path(root) / SUMMARY
    if not path.exists():
        return None
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, columns=["run"])
    except Exception:  # unreadable or without a run column: nothing worth keeping
        return None
    return [str(r) for r in table.column("run").to_pylist()]


def collect(root: Path, write: bool = True, *, replace: bool = False, verify: bool = True,
            say: Callable[[str], None] = _stderr) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Gather every complete run under ``root`` into results and summary tables.

    Parameters
    ----------
    root : Path
        A sweep folder (or any folder holding run folders).
    write : bool
        Also write ``results.parquet`` and ``summary.parquet`` into ``root``.
    replace : bool
        Write them even when that drops runs the previous tables hold.
    verify : bool
        Check every file against its checksum (reads each file once).
    say : callable
        Where the one-line notes go (stderr by default).

    Returns
    -------
    results : pandas.DataFrame
        One row per run and step: ``run``, ``config_hash``, the swept parameters, then the
        metrics columns. When the previous tables were kept, those.
    summary : pandas.DataFrame
        One row per run: identifiers, swept parameters, and ``<outcome>_final`` and
        ``<outcome>_mean`` for every numeric outcome. When kept, the previous one.
    """
    import pandas as pd

    root = Path(root)
    complete, problems = scan(root, verify)
    describe_problems(root, problems, say)
    results, summary = tables(root, complete, say)
    if not write:
        return results, summary
    held = previous_runs(root)
    found = set(summary["run"]) if not summary.empty else set()
    lost = sorted(set(held or []) - found)
    if held and (lost or summary.empty) and not replace:
        example = ", ".join(lost[:3]) + (" ..." if len(lost) > 3 else "")
        say(f"aieco collect: kept the previous {RESULTS} and {SUMMARY} ({len(held)} runs): "
            f"{len(lost)} of their runs are not complete now ({example}); "
            "'aieco collect --replace' replaces them")
        return pd.read_parquet(root / RESULTS), pd.read_parquet(root / SUMMARY)
    if summary.empty:
        return results, summary  # nothing to write: an empty table helps nobody
    _write_both(results, summary, root)
    return results, summary


def _write_both(results: pd.DataFrame, summary: pd.DataFrame, root: Path) -> None:
    """Write both tables, each atomically, summary last (it is what marks a collection)."""
    from sim.io import write_parquet

    write_parquet(results, root / RESULTS)
    write_parquet(summary, root / SUMMARY)


def manifest_of(run_dir: Path) -> dict[str, Any]:
    """A run's manifest."""
    return dict(json.loads((Path(run_dir) / MANIFEST).read_text()))
