"""The explorer's logic without a browser or Solara: live runs, comparisons, sweeps, charts."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from experiments.explore import compare as cmp
from experiments.explore import svg, views
from experiments.explore.live import CHARTS, LiveRun, save_run
from experiments.explore.sweeps import NotASweep, candidates, load_sweep, saved_runs
from sim import run, run_replicates

from .helpers import QUESTION, plotted, tiny_scenario


@pytest.mark.parametrize("options", [{}, {"openness": "open_weights",
                                          "regulation": "liability"}])
def test_a_live_run_equals_sim_run_for_the_same_seed(options):
    sc = tiny_scenario(steps=5, seed=11, **options).with_value("market.beta_quality", "2.5")
    live = LiveRun(sc)
    frames = [live.step() for _ in range(5)]
    expected = run(sc.params(), rng=11).metrics
    pd.testing.assert_frame_equal(live.metrics(), expected)
    charts = views.charts_html(frames[-1])
    for key, _, outcomes in CHARTS:
        shown = plotted(charts, f"chart-{key}")
        assert shown["x"] == list(range(1, 6))
        for o in outcomes:
            want = [None if np.isnan(v) else float(v) for v in expected[o].astype(float)]
            assert shown[o] == want, (key, o)  # exact: JSON keeps every bit of a float


def test_the_number_of_threads_does_not_change_a_run():
    sc = tiny_scenario(steps=3, seed=2)
    one, two = LiveRun(sc, threads=1), LiveRun(sc, threads=2)
    for _ in range(3):
        one.step()
        two.step()
    pd.testing.assert_frame_equal(one.metrics(), two.metrics())


def test_frames_are_copies_and_the_run_stops_at_its_length():
    live = LiveRun(tiny_scenario(steps=2))
    first = live.step()
    capability = first.labs["capability"].copy()
    second = live.step()
    assert live.done and second.t == 2 and first.t == 1
    np.testing.assert_array_equal(first.labs["capability"], capability)
    assert first.series["step"].tolist() == [1.0]
    assert set(first.quarter) >= {"startup_entries", "harm_misuse", "vuln_patched"}
    assert first.startups["alive"] == first.startups["api"] + first.startups["weights"]


def test_a_saved_run_is_the_command_lines_run(tmp_path):
    sc = tiny_scenario(steps=6, seed=4)
    live = LiveRun(sc)
    for _ in range(3):
        live.step()
    folder = save_run(live, tmp_path / "explore")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["source"] == "aieco explore" and manifest["steps"] == 3
    assert manifest["command"] == dataclasses.replace(sc, steps=3).command()
    saved = pd.read_parquet(folder / "metrics.parquet")
    pd.testing.assert_frame_equal(saved, live.metrics(), check_dtype=False)
    rows = saved_runs(tmp_path / "explore")
    assert [r["name"] for r in rows] == [folder.name] and rows[0]["seed"] == 4


def test_compare_pairs_seeds_as_run_replicates_does():
    a = tiny_scenario(steps=3, seed=5, openness="closed")
    b = a.with_option("openness", "open_weights")
    seen = []
    comp = cmp.run_pairs(a, b, 2, progress=lambda d, n: seen.append((d, n)))
    assert seen == [(i, 4) for i in range(1, 5)]
    for scenario, runs in ((a, comp.a_runs), (b, comp.b_runs)):
        reps = run_replicates(scenario.params().replace(run={"replicates": 2}))
        for rep, mine in zip(reps, runs, strict=True):
            pd.testing.assert_frame_equal(rep.metrics, mine)
    assert [df["replicate"].iloc[0] for df in comp.b_runs] == [0, 1]
    p = cmp.paired(comp, "hhi")
    diffs = np.array([df["hhi"] - da["hhi"] for da, df in zip(comp.a_runs, comp.b_runs,
                                                              strict=True)])
    np.testing.assert_allclose(p["diff"], diffs.mean(axis=0))
    table = cmp.summary(comp)
    assert set(table["outcome"]) <= set(cmp.OUTCOMES) and (table["pairs"] == 2).all()
    text = cmp.sentences(comp, table)
    assert text[0].startswith("2 seeds, each run under both scenarios")
    assert any(line.startswith("hhi (final): ") for line in text)


def test_identical_scenarios_differ_by_zero():
    a = tiny_scenario(steps=2, seed=1)
    comp = cmp.run_pairs(a, a, 2)
    p = cmp.paired(comp, "trust")
    assert np.all(p["diff"] == 0) and np.all(p["diff_lo"] == 0)
    table = cmp.summary(comp)
    assert set(table.apply(cmp.verdict, axis=1)) <= {"identical", "undefined in every run"}
    assert "the same scenario" in " ".join(cmp.sentences(comp, table))


def test_a_comparison_can_be_cancelled():
    a = tiny_scenario(steps=3)
    with pytest.raises(cmp.Cancelled):
        cmp.run_pairs(a, a, 2, cancelled=lambda: True)


def test_bands_are_the_reports_intervals():
    from analysis.stats import mean_ci

    m = np.array([[1.0, 2.0, np.nan], [3.0, np.nan, np.nan], [2.0, 4.0, np.nan],
                  [5.0, 1.0, np.nan]])
    mean, lo, hi = cmp.band(m)
    for j in range(2):
        np.testing.assert_allclose((mean[j], lo[j], hi[j]), mean_ci(m[:, j]))
    assert np.isnan(mean[2]) and np.isnan(lo[2])


def test_a_sweep_is_shown_from_its_runs(tiny_sweep):
    s = load_sweep(tiny_sweep)
    assert (s.name, s.question, s.levers) == ("tiny_concentration", QUESTION,
                                              ["openness", "regulation"])
    assert s.runs == 8 and s.outcomes == ["hhi", "harm", "trust"]
    rows, cols, values = s.heat("hhi")
    assert rows == ["closed", "open_weights"] and cols == ["laissez_faire", "liability"]
    want = s.summary.groupby(["openness", "regulation"])["hhi_final"].mean()
    assert values[1, 0] == pytest.approx(want[("open_weights", "laissez_faire")])
    series = dict(s.series("hhi", "openness", {"regulation": "liability"}))
    assert list(series) == ["closed", "open_weights"]
    sub = s.results[(s.results.openness == "closed") & (s.results.regulation == "liability")]
    np.testing.assert_allclose(series["closed"]["mean"], sub.groupby("step")["hhi"].mean())
    assert s.findings() and len(s.means()) == 4
    assert not (tiny_sweep / "summary.parquet").exists()  # the page never writes into it
    assert candidates(tiny_sweep.parent) == [tiny_sweep]


@pytest.mark.parametrize("make", ["missing", "file", "empty"])
def test_a_folder_that_is_not_a_sweep_is_one_line(tmp_path, make):
    target = tmp_path / "x"
    if make == "file":
        target.write_text("not a folder")
    elif make == "empty":
        (target / "a" / "b").mkdir(parents=True)
    with pytest.raises(NotASweep) as err:
        load_sweep(target)
    assert "\n" not in str(err.value) and str(target) in str(err.value)


def test_charts_carry_their_values_and_breaks():
    s = svg.Series("a", [1, 2, 3, 4], [1.0, np.nan, 3.0, 4.0], lo=[0, 0, 2, 3], hi=[2, 2, 4, 5])
    chart = svg.line_chart([s], title="T", unit="u", testid="t")
    shown = plotted(chart, "t")
    assert shown == {"x": [1.0, 2.0, 3.0, 4.0], "a": [1.0, None, 3.0, 4.0]}
    assert chart.count("<polyline") == 1 and chart.count("<circle cx") >= 3  # NaN splits
    assert "<title>a: 3 (95% CI 2 to 4) at 3</title>" in chart
    heat = svg.heatmap(["r"], ["c1", "c2"], np.array([[1.0, np.nan]]), title="H",
                       row_label="R", col_label="C", testid="h")
    assert "#dddddd" in heat and "data-testid='h'" in heat
    assert svg.colour(0.0) == "#440154" and svg.colour(1.0) == "#fde725"
    assert svg.nice_ticks(0, 40, 6, integer=True) == [0, 10, 20, 30, 40]
    assert svg.nice_ticks(1, 4, 6, integer=True) == [1, 2, 3, 4]
