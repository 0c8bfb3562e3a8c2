"""``aieco bench``: its implementations agree and it writes its report (no time asserted)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import aieco

from experiments import bench
from sim.kernels.rng import uniforms


def test_uniforms_outside_numba_match_the_kernels():
    key, step, stream = 7, 3, 1
    want = uniforms(key, step, stream, 1000)
    base = bench.stream_base(key, step, stream)
    np.testing.assert_array_equal(bench.np_uniforms(base, 0, 1000), want)
    np.testing.assert_array_equal(bench.np_uniforms(base, 600, 400), want[600:])
    assert [bench.py_uniform(base, i) for i in range(50)] == want[:50].tolist()


@pytest.mark.parametrize("perturb", [False, True])
def test_market_implementations_agree(perturb):
    n, k = 5000, 7  # two kernel chunks of 4096 users
    users, providers, ptr, idx = bench.synthetic_market(n, k, seed=3)
    if perturb:  # some non-adopters, an exit and an acquisition
        users["adopted"][::7] = 0
        users["choice"][::7] = -1
        providers["redirect"][2] = -1
        providers["redirect"][3] = 1
    before = users["choice"].copy()
    counts_np, cs_np, acc_np, mean_np, choice_np = bench.market_numpy(users, providers,
                                                                      block=1000)
    counts_py, cs_py, acc_py, mean_py, choice_py = bench.market_python(
        *bench.as_lists(users, providers))
    np.testing.assert_array_equal(users["choice"], before)  # neither wrote in place
    counts_nb, cs_nb, acc_nb, mean_nb, choice_nb = bench.market_numba(users, providers, ptr, idx)
    np.testing.assert_array_equal(choice_np, choice_nb)
    np.testing.assert_array_equal(choice_py, choice_nb)
    np.testing.assert_array_equal(counts_np, counts_nb)
    np.testing.assert_array_equal(counts_py, counts_nb)
    assert acc_np == acc_py == acc_nb
    assert cs_np == pytest.approx(cs_nb, rel=1e-12)
    assert cs_py == pytest.approx(cs_nb, rel=1e-12)
    assert mean_np == pytest.approx(mean_nb, rel=1e-12)
    assert mean_py == pytest.approx(mean_nb, rel=1e-12)
    redraws = np.count_nonzero(choice_nb != before)
    assert 0 < redraws < n  # the draw path ran, and not for everybody


def test_diffusion_scipy_matches_numba():
    net = bench.org_network(3000, 10, seed=1)
    assert 9.0 < net.indices.shape[0] / net.n < 11.0
    ref = bench.ScipyDiffusion(net)
    np.testing.assert_allclose(ref.spillover(), bench.spillover_numba(net), rtol=1e-13,
                               atol=0.0)
    added_sp, state_sp = ref.bass_network(net.adopted)
    work = net.adopted.copy()
    added_nb = bench.bass_network_numba(net, work)
    assert added_sp == added_nb > 0
    np.testing.assert_array_equal(state_sp, work)


def test_phase_timing_accounts_for_every_phase_of_the_step():
    from sim.phases import PHASES

    out = bench.run_steps(["population=tiny", "run.progress=false"], threads=1, warmup=1,
                          steps=2)
    assert list(out["phase_ms"]) == [p.name for p in PHASES] + ["other"]
    assert all(v > 0 for k, v in out["phase_ms"].items() if k != "other")
    total = 1e3 * sum(out["step_s"]) / 2
    assert sum(out["phase_ms"].values()) == pytest.approx(total, rel=1e-9)
    assert out["phase_ms"]["other"] >= 0  # what the loop costs: measured by the bench, not here
    again = bench.run_steps(["population=tiny", "run.progress=false"], threads=1, warmup=1,
                            steps=2)
    assert again["digest"] == out["digest"]


def test_targets_and_table():
    assert bench.Row("x", 120.0, "ms", ("<=", 140.0)).met is True
    assert bench.Row("x", 9.0, "x", (">=", 10.0)).met is False
    assert bench.Row("x", True, "", ("==", True)).met is True
    assert bench.Row("x", 1.0, "ms").met is None
    text = bench.table([bench.Row("step", 95.5, "ms", ("<=", 80.0))])
    assert "measurement" in text and "NO" in text.splitlines()[-1]


def test_bench_quick_writes_its_report(tmp_path):
    out = tmp_path / "sub" / "bench.json"
    res = aieco("bench", "--quick", "--only", "diffusion", "--out", str(out), cwd=tmp_path,
                timeout=120)
    assert res.returncode == 0, res.stderr
    assert "measurement" in res.stdout and "spillover numba" in res.stdout
    report = json.loads(out.read_text())
    assert {"machine", "results", "details", "settings", "quick", "sections",
            "wall_time_s"} <= set(report)
    assert report["quick"] is True and report["sections"] == ["diffusion"]
    assert {"cpu", "cpu_count", "numba", "numba_threading_layer", "git_commit"} <= set(
        report["machine"])
    names = [r["name"] for r in report["results"]]
    assert any(n.startswith("spillover scipy/numba") for n in names)
    assert all({"name", "value", "unit", "target", "met"} <= set(r) for r in report["results"])


def test_bench_rejects_an_unknown_section(tmp_path):
    res = aieco("bench", "--only", "nope", cwd=tmp_path, timeout=60)
    assert res.returncode == 2 and "invalid choice" in res.stderr


@pytest.mark.slow
def test_bench_quick_step_and_memory(tmp_path):
    out = tmp_path / "bench.json"
    res = aieco("bench", "--quick", "--only", "step", "--only", "memory", "--out", str(out),
                cwd=tmp_path, timeout=600)
    assert res.returncode == 0, res.stderr
    rows = {r["name"]: r for r in json.loads(out.read_text())["results"]}
    assert rows["results identical, 1 vs 2 threads"]["value"] in (True, None)
    assert any(n.startswith("peak memory") and r["value"] > 0 for n, r in rows.items())
