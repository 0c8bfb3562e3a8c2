"""The real ``aieco`` command's interface: help texts, and mistyped flags in one line.

Every case here fails (or prints help) while parsing its arguments, so nothing is simulated,
measured or written.
"""

from __future__ import annotations

import pytest
from conftest import aieco


@pytest.mark.parametrize("args,words", [
    (["--verison"], ["'--verison'", "did you mean '--version'?", "aieco --help"]),
    (["--hlp"], ["'--hlp'", "did you mean '--help'?"]),
    (["bench", "--quik"], ["'--quik'", "did you mean '--quick'?", "aieco bench --help"]),
    (["collect", "--hlep", "{dir}"], ["'--hlep'", "did you mean '--help'?",
                                      "aieco collect --help"]),
    (["report", "{dir}", "--hlep"], ["'--hlep'", "did you mean '--help'?",
                                     "aieco report --help"]),
    (["compare", "--opennes", "closed"], ["'--opennes'", "did you mean '--openness'?",
                                          "aieco compare --help"]),
    (["compare", "--opennes=closed"], ["'--opennes'", "did you mean '--openness'?"]),
    (["bench", "--only", "markt"], ["--only", "'markt'", "did you mean 'market'?", "memory"]),
    (["rnu"], ["'rnu'", "did you mean 'run'?"]),
])
def test_a_wrong_flag_fails_in_one_line_with_a_suggestion(tmp_path, args, words):
    args = [a.format(dir=tmp_path) for a in args]
    res = aieco(*args, cwd=tmp_path, timeout=120)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("aieco: error: ")
    for word in words:
        assert word in lines[0], lines[0]
    assert "usage:" not in res.stderr
    assert "Traceback" not in res.stderr
    assert res.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing run, nothing written


def test_an_unknown_flag_far_from_any_suggests_nothing(tmp_path):
    res = aieco("bench", "--zzzzzz", cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.startswith("aieco: error: unrecognized flag '--zzzzzz'")
    assert "did you mean" not in res.stderr
    assert len(res.stderr.splitlines()) == 1


def test_version_goes_to_stdout():
    res = aieco("--version")
    assert res.returncode == 0 and res.stderr == ""
    assert res.stdout.startswith("aieco ") and len(res.stdout.splitlines()) == 1


@pytest.mark.parametrize("args,words", [
    ([], ["usage: aieco", "--version", "examples:", "aieco COMMAND --help",
          "run", "compare", "sweep", "collect", "report", "bench"]),
    (["--help"], ["usage: aieco", "--version", "examples:", "run", "bench"]),
    (["run", "--help"], ["usage: aieco run", "openness", "regulation", "population",
                         "hydra.run.dir", "examples:"]),
    (["compare", "--help"], ["usage: aieco compare", "--openness", "--out", "OVERRIDE",
                             "open_weights", "examples:"]),
    (["sweep", "--help"], ["usage: aieco sweep", "+experiment=NAME", "hydra.sweep.dir",
                           "hydra.launcher.n_jobs", "concentration"]),
    (["collect", "--help"], ["usage: aieco collect", "DIR", "results.parquet",
                             "summary.parquet", "example:"]),
    (["report", "--help"], ["usage: aieco report", "DIR", "report.md", "example:"]),
    (["bench", "--help"], ["usage: aieco bench", "--quick", "--out", "--only", "market",
                           "memory", "examples:"]),
    (["bench", "-h"], ["usage: aieco bench", "--quick"]),
    (["collect", "-h"], ["usage: aieco collect", "DIR"]),
])
def test_every_help_says_what_it_does_and_its_options(tmp_path, args, words):
    res = aieco(*args, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    for word in words:
        assert word in res.stdout, word
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args,words", [
    (["run", "--cfg", "jbo"], ["--cfg=jbo", "did you mean 'job'"]),
    (["run", "--cfg"], ["'--cfg' needs a value", "job, hydra, all"]),
    (["run", "--overwrite=yes"], ["'--overwrite' takes no value"]),
    (["run", "--config-dir=x"], ["unrecognized flag '--config-dir'"]),
    (["sweep", "+experiment=race", "hydra.launcher.n_jobs=abc"],
     ["hydra.launcher.n_jobs='abc'", "integer >= 1"]),
    (["compare", "--openness", ","], ["--openness", "name at least one of"]),
    (["bench", "--out", "a-file/bench.json"], ["--out='a-file/bench.json'", "is a file"]),
])
def test_bad_flag_values_fail_in_one_line_before_any_work(tmp_path, args, words):
    (tmp_path / "a-file").write_text("")
    res = aieco(*args, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aieco: error: "), res.stderr
    for word in words:
        assert word in lines[0]
    assert res.stdout == "" and sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_run_accepts_hydra_print_flags_anywhere_and_writes_nothing(tmp_path):
    res = aieco("run", "population=tiny", "--cfg", "job", "run.steps=2", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "steps: 2" in res.stdout and "name: tiny" in res.stdout
    assert list(tmp_path.iterdir()) == []
