"""Sobol' and Morris through the study's own path on Ishigami's function (known indices)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from experiments.engine.study import FunctionEvaluator, Study, run_study
from sim.params.plausible import Factor

# Ishigami & Homma (1990), a = 7, b = 0.1: analytic first-order and total indices
S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def ishigami(values, replicate):
    x1, x2, x3 = (values[k] for k in ("x1", "x2", "x3"))
    f = math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3 ** 4 * math.sin(x1)
    noise = 0.05 * np.random.default_rng([replicate, int(abs(x1) * 1e6)]).standard_normal()
    return {"y_final": f + noise, "flat_final": 1.0}


def study(sizes, replicates=2):
    factors = tuple(Factor(k, "float", -math.pi, math.pi) for k in ("x1", "x2", "x3"))
    return Study("ishigami", factors, sizes, ("y_final", "flat_final"),
                 replicates=replicates, seed=1)


def test_known_indices(tmp_path):
    manifest = run_study(study({"morris": 20, "sobol": 1024}), tmp_path,
                         FunctionEvaluator(ishigami), say=lambda s: None)
    ind = pd.read_parquet(tmp_path / "indices.parquet")
    sob = ind[(ind.phase == "sobol") & (ind.outcome == "y_final")].set_index(["index", "factor"])
    for k in S1:
        assert sob.loc[("S1", k), "value"] == pytest.approx(S1[k], abs=0.06)
        assert sob.loc[("ST", k), "value"] == pytest.approx(ST[k], abs=0.06)
        assert sob.loc[("ST", k), "lo"] <= ST[k] + 0.02 <= sob.loc[("ST", k), "hi"] + 0.04
    mor = ind[(ind.phase == "morris") & (ind["index"] == "mu_star")].set_index("factor")
    # Morris ranks x3 below x1 and x2 on this function's total effects
    assert mor.loc["x3", "value"] < max(mor.loc["x1", "value"], mor.loc["x2", "value"])
    seedvar = pd.read_parquet(tmp_path / "seed_variance.parquet").set_index(["phase", "outcome"])
    assert 0 < seedvar.loc[("sobol", "y_final"), "seed_share"] < 0.01
    # a constant outcome is not analysed, and the report says so rather than failing
    assert not (ind.outcome == "flat_final").any()
    report = (tmp_path / "report.md").read_text()
    assert "`y_final` hangs on" in report and "`x1`" in report
    assert "Convergence: every total index moved by at most 0.1 between N = 512" in report
    for name in ("sobol.png", "convergence.png", "morris.png"):
        assert (tmp_path / "figures" / name).stat().st_size > 10_000
    tex = (tmp_path / "tables" / "indices.tex").read_text()
    assert r"\toprule" in tex and "ST [share]" in tex
    assert manifest["runs"] == (20 * 4 + 1024 * 5) * 2


def test_larger_n_extends_and_another_study_is_refused(tmp_path):
    calls = []

    def counting(values, replicate):
        calls.append(1)
        return ishigami(values, replicate)

    run_study(study({"sobol": 8}), tmp_path, FunctionEvaluator(counting), say=lambda s: None)
    small = pd.read_parquet(tmp_path / "samples.parquet")
    run_study(study({"sobol": 16}), tmp_path, FunctionEvaluator(counting), say=lambda s: None)
    big = pd.read_parquet(tmp_path / "samples.parquet")
    pd.testing.assert_frame_equal(small, big.iloc[:len(small)])
    assert json.loads((tmp_path / "study.json").read_text())["sizes"] == {"sobol": 16}
    from sim.params import ConfigError

    with pytest.raises(ConfigError, match="holds another study"):
        run_study(study({"sobol": 8}, replicates=3), tmp_path, FunctionEvaluator(counting))


@pytest.mark.parametrize("sizes, words", [({"sobol": 4}, "at least 8"),
                                          ({"sobol": 24}, "power of 2"),
                                          ({"morris": 2}, "at least 4")])
def test_too_small_is_refused(tmp_path, sizes, words):
    from sim.params import ConfigError

    with pytest.raises(ConfigError, match=words):
        run_study(study(sizes), tmp_path, FunctionEvaluator(ishigami))
    assert not any(tmp_path.iterdir())


def test_intervals_are_reproducible_with_seed_zero():
    from analysis.sensitivity import design, indices

    names = ["x1", "x2", "x3"]
    x = design("sobol", names, 64, seed=0)
    y = np.array([ishigami(dict(zip(names, (r - 0.5) * 2 * math.pi, strict=True)), 0)["y_final"]
                  for r in x])
    a, b = (indices("sobol", names, x, y, seed=0) for _ in range(2))
    pd.testing.assert_frame_equal(a, b)
