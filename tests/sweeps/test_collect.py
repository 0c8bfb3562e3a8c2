"""Collecting is a faster route to the tables the plain per-run reduction gives."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from conftest import tiny_params

from analysis.collect import _relative, _value, collect, scan, summary_row
from sim.batch import replicate_specs, run_many
from sim.metrics import summarise


def make_runs(root: Path) -> None:
    specs = []
    for openness in ("closed", "open_weights"):
        for steps in (3, 5):  # runs of different lengths
            params = tiny_params(steps=steps, run={"replicates": 2}).with_options(
                openness=openness)
            swept = {"openness": openness, "run.steps": str(steps)}
            specs += replicate_specs(params, root / f"openness={openness},run.steps={steps}",
                                     "", {"swept": swept})
    assert all(o.ok for o in run_many(specs))


def reference(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tables as each run's own concat and sim.metrics.summarise would make them."""
    runs, _ = scan(root)
    keys = sorted({k for r in runs for k in r.manifest.get("swept", {})})
    frames, rows = [], []
    for state in runs:
        metrics = pd.read_parquet(state.folder / "metrics.parquet")
        ids = {"run": _relative(state.folder, root), "config_hash": state.manifest["config_hash"]}
        swept = {k: _value(state.manifest["swept"].get(k)) for k in keys}
        fixed = pd.DataFrame({**ids, **swept}, index=metrics.index)
        fixed = fixed.drop(columns=[c for c in swept if c in metrics.columns])
        frames.append(pd.concat([fixed, metrics], axis=1))
        rows.append({**ids, **swept, **summarise(metrics)})
    return pd.concat(frames, ignore_index=True), pd.DataFrame(rows)


def test_collected_tables_equal_the_per_run_reduction(tmp_path):
    make_runs(tmp_path)
    results, summary = collect(tmp_path)
    want_results, want_summary = reference(tmp_path)
    assert len(summary) == 8 and len(results) == 2 * 2 * (3 + 5)
    pd.testing.assert_frame_equal(results, want_results)
    pd.testing.assert_frame_equal(summary, want_summary)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "summary.parquet"), want_summary)


def test_summary_row_is_summarise_for_a_run_with_empty_quarters(tmp_path):
    make_runs(tmp_path)
    metrics = pd.read_parquet(next(tmp_path.rglob("metrics.parquet")))
    metrics.loc[metrics.index[::2], "hhi"] = float("nan")  # an empty market in some quarters
    pd.testing.assert_frame_equal(pd.DataFrame([summary_row(metrics)]),
                                  pd.DataFrame([summarise(metrics)]))
    assert summary_row(metrics.iloc[:0]) == summarise(metrics.iloc[:0]) == {}
