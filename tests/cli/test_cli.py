"""The real ``aieco`` command in subprocesses: runs, outputs, reproducibility, bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import aieco

from sim.regimes import OPENNESS, REGULATION

TINY = ["population=tiny", "run.steps=3", "run.progress=false"]


def test_help_lists_commands_and_version():
    out = aieco("--help")
    assert out.returncode == 0 and "run" in out.stdout
    version = aieco("--version")
    assert version.returncode == 0 and version.stdout.startswith("aieco ")


def test_run_help_lists_groups_and_options():
    out = aieco("run", "--help")
    assert out.returncode == 0
    assert "open_weights" in out.stdout and "risk_tiered" in out.stdout


def test_unknown_command_suggests_the_right_one():
    out = aieco("rnu")
    assert out.returncode == 2
    assert "did you mean 'run'" in out.stderr


@pytest.mark.parametrize("override,words", [
    ("market.nope=1", ["market.nope", "unknown key"]),
    ("run.steps=abc", ["run.steps", "abc", "integer"]),
    ("market.reconsider_prob=1.5", ["market.reconsider_prob", "1.5", "probability in [0, 1]"]),
    ("population.n_malicious=-3", ["population.n_malicious", "-3", "[0,"]),
    ("openness=wide_open", ["openness", "wide_open", "open_weights", "closed"]),
    ("regulation=strict", ["regulation", "strict", "risk_tiered", "laissez_faire"]),
])
def test_bad_input_fails_in_one_line_and_writes_nothing(tmp_path, override, words):
    out_dir = tmp_path / "run"
    res = aieco("run", *TINY, override, f"hydra.run.dir={out_dir}", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("aieco: error: ")
    for word in words:
        assert word in lines[0]
    assert "Traceback" not in res.stderr + res.stdout
    assert not out_dir.exists()
    assert list(tmp_path.iterdir()) == []


def test_run_writes_a_self_describing_folder(tmp_path):
    out_dir = tmp_path / "run"
    res = aieco("run", *TINY, "openness=open_weights", "run.seed=7",
                f"hydra.run.dir={out_dir}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert str(out_dir) in res.stdout and "hhi" in res.stdout
    for name in ("metrics.parquet", "agents.parquet", "config.yaml", "manifest.json"):
        assert (out_dir / name).exists(), name
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["format_version"] == 2
    assert manifest["scenario"]["openness"] == "open_weights"
    assert len(manifest["config_hash"]) == 64
    assert manifest["versions"]["mesa"] == "3.3.1"
    metrics = pd.read_parquet(out_dir / "metrics.parquet")
    assert list(metrics["step"]) == [1, 2, 3]
    assert set(metrics["openness"]) == {"open_weights"}
    assert not [p for p in out_dir.iterdir() if p.name.endswith(".tmp")]


def _run_bytes(tmp_path, name, *extra, threads="1"):
    out_dir = tmp_path / name
    res = aieco("run", *TINY, "population.n_users=30000", *extra, f"hydra.run.dir={out_dir}",
                cwd=tmp_path, env={"NUMBA_NUM_THREADS": threads})
    assert res.returncode == 0, res.stderr
    return ((out_dir / "metrics.parquet").read_bytes(), (out_dir / "agents.parquet").read_bytes())


def test_same_seed_is_byte_identical_on_one_and_two_threads(tmp_path):
    one = _run_bytes(tmp_path, "a", "run.seed=3", threads="1")
    two = _run_bytes(tmp_path, "b", "run.seed=3", threads="2")
    assert one == two
    other = _run_bytes(tmp_path, "c", "run.seed=4", threads="2")
    assert other[0] != one[0]


DIAGONAL = list(zip(sorted(OPENNESS), (sorted(REGULATION) * 2)[: len(OPENNESS)], strict=True))


@pytest.mark.parametrize("openness,regulation", DIAGONAL)
def test_run_succeeds_for_regime_pairs(tmp_path, openness, regulation):
    res = aieco("run", *TINY, f"openness={openness}", f"regulation={regulation}",
                f"hydra.run.dir={tmp_path / 'r'}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "r" / "manifest.json").exists()


@pytest.mark.slow
@pytest.mark.parametrize("openness", sorted(OPENNESS))
@pytest.mark.parametrize("regulation", sorted(REGULATION))
def test_run_succeeds_for_every_regime_pair(tmp_path, openness, regulation):
    res = aieco("run", *TINY, f"openness={openness}", f"regulation={regulation}",
                f"hydra.run.dir={tmp_path / 'r'}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "r" / "manifest.json").exists()


def test_stdout_carries_only_aiecos_own_lines(tmp_path):
    res = aieco("run", *TINY, f"hydra.run.dir={tmp_path / 'r'}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "timestep" not in res.stdout + res.stderr  # Mesa logs every step at INFO
    lines = res.stdout.strip().splitlines()
    assert lines[0].startswith("outcome") and lines[-1].startswith("results: ")


@pytest.mark.parametrize("spelling", ["hydra.run.dir", "++hydra.run.dir"])
def test_every_spelling_of_the_run_folder_is_checked_first(tmp_path, spelling):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    res = aieco("run", *TINY, f"{spelling}={blocker}/run", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "under a file" in lines[0], res.stderr
    assert "Traceback" not in res.stderr


def test_an_interpolated_run_folder_is_resolved_once(tmp_path):
    res = aieco("run", *TINY, "++hydra.run.dir=out/${openness.name}/${now:%Y}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    folders = list((tmp_path / "out" / "api_only").iterdir())
    assert len(folders) == 1 and (folders[0] / "manifest.json").exists()
    assert res.stdout.rstrip().endswith(f"out/api_only/{folders[0].name}")


def test_params_lists_every_parameter_and_option():
    from sim.params import describe

    res = aieco("params")
    assert res.returncode == 0, res.stderr
    for row in describe():
        assert row["key"] in res.stdout, row["key"]
    assert "risk_tiered" in res.stdout and "log10 FLOP" in res.stdout
    csv = aieco("params", "market", "--format", "csv")
    rows = csv.stdout.strip().splitlines()
    assert rows[0] == "key,default,range,unit,meaning,source"
    assert all(r.startswith("market.") for r in rows[1:]) and len(rows) > 5
    bad = aieco("params", "markt")
    assert bad.returncode == 2 and "did you mean 'market'" in bad.stderr
