"""``aieco sensitivity`` and ``aieco discover`` from the command line: bad input refused in
one line before any run; a real study killed part-way resumes to identical indices."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments.cli import main

EXE = str(Path(sys.executable).with_name("aieco"))
TINY = ["population=tiny", "run.steps=6"]
FACTORS = "market.network_effect,market.beta_quality,malicious.harm_per_uplift"


@pytest.mark.parametrize("args, words", [
    (["--factors", "market.beta_qualty,market.network_effect"], "did you mean 'beta_quality'"),
    (["--factors", "market.beta_quality=0:200,market.network_effect"],
     "outside the validity limits"),
    (["--factors", FACTORS, "--outcomes", "hhii"], "unknown outcome"),
    (["--factors", FACTORS, "--n", "4"], "at least 8"),
    (["--factors", FACTORS, "--trajectories", "2"], "at least 4"),
    (["--factors", FACTORS, "market.alpha_sd=-1"], "market.alpha_sd"),
    (["--factors", FACTORS, "openness=closed,staged"], "varies only its factors"),
    (["--experiment", "concentratoin"], "choose one of"),
])
def test_sensitivity_refuses_bad_input_in_one_line(tmp_path, capsys, args, words):
    out = tmp_path / "s"
    with pytest.raises(SystemExit) as info:
        main(["sensitivity", *args, "--out", str(out), *TINY])
    err = capsys.readouterr().err.strip()
    assert info.value.code == 2 and len(err.splitlines()) == 1, err
    assert words in err and err.startswith("aieco: error:")
    assert not out.exists()  # refused before anything was written or run


@pytest.mark.parametrize("args, words", [
    (["--case", "hhi >> 3"], "cannot be evaluated"),
    (["--case", "hhi >"], "is not an expression"),
    (["--case", "hhi > 2500", "--n", "5"], "at least 10"),
    (["--case", "hhi > 2500", "--levers", "openness=closed|opne"], "unknown option"),
    (["--case", "hhi > 2500", "--threshold", "2"], "(0, 1]"),
])
def test_discover_refuses_bad_input_in_one_line(tmp_path, capsys, args, words):
    out = tmp_path / "d"
    with pytest.raises(SystemExit) as info:
        main(["discover", "--experiment", "concentration", *args, "--out", str(out), *TINY])
    err = capsys.readouterr().err.strip()
    assert info.value.code == 2 and len(err.splitlines()) == 1, err
    assert words in err
    assert not out.exists()


def study_args(folder: Path) -> list[str]:
    return ["sensitivity", "--factors", FACTORS, "--outcomes", "hhi,harm", "--method", "sobol",
            "--n", "8", "--replicates", "2", "--out", str(folder), "population=tiny",
            "run.steps=16"]


@pytest.mark.slow
def test_a_killed_study_resumes_to_identical_indices(tmp_path):
    whole = subprocess.run([EXE, *study_args(tmp_path / "whole")], capture_output=True,
                           text=True, timeout=900)
    assert whole.returncode == 0, whole.stderr[-2000:]
    assert "speed:" in whole.stderr
    folder = tmp_path / "killed"
    proc = subprocess.Popen([EXE, *study_args(folder)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while len(list(folder.rglob("manifest.json"))) < 10:
        assert time.monotonic() < deadline and proc.poll() is None, "no runs to kill in"
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err[-2000:]
    last = err.strip().splitlines()[-1]
    assert "terminated (SIGTERM)" in last and "resumes" in last and "Traceback" not in err
    assert not (folder / "indices.parquet").exists()
    done = len(list((folder / "runs").rglob("manifest.json")))
    assert 10 <= done < 80
    again = subprocess.run([EXE, *study_args(folder)], capture_output=True, text=True,
                           timeout=900)
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"{done} complete already" in again.stderr
    a = pd.read_parquet(tmp_path / "whole" / "indices.parquet")
    b = pd.read_parquet(folder / "indices.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert (folder / "report.md").exists()


@pytest.mark.parametrize("command, words", [
    ("sensitivity", ["usage: aieco sensitivity", "--factors", "--n", "--replicates",
                     "plausible", "resumes", "hydra/launcher=submitit_slurm"]),
    ("discover", ["usage: aieco discover", "--case", "--levers", "PRIM", "quasi-p"]),
])
def test_help(capsys, command, words):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0
    for w in words:
        assert w in out, w


def test_params_lists_the_plausible_ranges(capsys):
    main(["params", "--plausible"])
    out = capsys.readouterr().out
    assert "market.network_effect" in out and "0 to 0.6" in out and "loguniform" in out
    main(["params", "malicious", "--plausible", "--format", "csv"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "key,default,plausible,dist,source"
    assert all(line.startswith("malicious.") for line in lines[1:]) and len(lines) > 3
