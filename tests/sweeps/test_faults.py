"""Sweeps under faults: a second writer, SIGTERM, damaged runs, pruned results, long names,
${now:...} folders, a changed number of replicates, a full disk. Each through the real
``aieco`` command in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import aieco

from analysis.collect import find_runs
from sim.io import LOCK, MANIFEST, run_state

EXE = str(Path(sys.executable).with_name("aieco"))
SMALL = ["+experiment=concentration", "population=tiny", "run.steps=3", "run.replicates=2",
         "openness=closed,open_weights", "regulation=laissez_faire,liability"]
#: about 10 s of work on one worker: long enough to be caught in the middle
LONG = ["+experiment=concentration", "population=tiny", "run.steps=40", "run.replicates=2",
        "openness=closed,api_only,open_weights", "regulation=laissez_faire,liability"]


def sweep(folder: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return aieco("sweep", *args, f"hydra.sweep.dir={folder}", cwd=folder.parent,
                 timeout=timeout)


def start(folder: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([EXE, "sweep", *args, f"hydra.sweep.dir={folder}"],
                            cwd=folder.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def mtimes(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def all_verified(folder: Path) -> None:
    """Nothing that looks complete is not: every manifest vouches for whole files."""
    for manifest in folder.rglob(MANIFEST):
        state = run_state(manifest.parent, verify=True)
        assert state.complete, state


def descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for child, parent in parents.items():
            if parent == p and child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The LONG sweep, uninterrupted."""
    folder = tmp_path_factory.mktemp("ref") / "s"
    res = sweep(folder, *LONG)
    assert res.returncode == 0, res.stderr[-2000:]
    return pd.read_parquet(folder / "results.parquet")


def test_a_second_sweep_into_a_running_sweeps_folder_is_refused_in_one_line(tmp_path):
    folder = tmp_path / "s"
    # runs ten times longer than LONG's, on one worker: the first sweep must outlast the
    # second's start-up (about 3 s), which LONG's 12 tiny runs did not on an idle machine
    slow = [a if a != "run.steps=40" else "run.steps=400" for a in LONG]
    first = start(folder, *slow, "hydra.launcher.n_jobs=1")
    try:
        wait_for(lambda: (folder / LOCK).exists(), 120, "the first sweep's lock")
        second = sweep(folder, *slow)
        assert first.poll() is None, "the first sweep ended before the second was refused"
        lines = second.stderr.strip().splitlines()
        assert second.returncode == 2 and len(lines) == 1, second.stderr
        assert lines[0].startswith("aieco: error: sweep folder")
        assert f"process {first.pid}" in lines[0] and "Traceback" not in second.stderr
    finally:
        _, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-2000:]
    assert len(find_runs(folder)) == 12
    all_verified(folder)


@pytest.mark.slow
def test_sigterm_stops_every_worker_and_says_so_and_the_same_command_resumes(tmp_path,
                                                                           reference):
    folder = tmp_path / "s"
    proc = start(folder, *LONG)
    wait_for(lambda: len(list(folder.rglob(MANIFEST))) >= 2, 300, "two complete runs")
    workers = descendants(proc.pid)
    proc.send_signal(signal.SIGTERM)  # to the sweep alone, as a batch system's time limit does
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err[-2000:]
    last = err.strip().splitlines()[-1]
    assert last.startswith("aieco: error: terminated (SIGTERM): every worker has stopped")
    assert "the same command resumes" in last and "Traceback" not in err
    wait_for(lambda: not any(alive(p) for p in workers), 10, "the workers to end")
    before = mtimes(folder)
    time.sleep(1.5)
    assert mtimes(folder) == before  # nothing keeps writing
    all_verified(folder)
    done = len(find_runs(folder))
    assert 2 <= done < 12
    res = sweep(folder, *LONG)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "12 of 12 runs complete" in res.stdout
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "results.parquet"), reference)


@pytest.fixture
def small_sweep(tmp_path):
    folder = tmp_path / "s"
    res = sweep(folder, *SMALL)
    assert res.returncode == 0, res.stderr[-2000:]
    return folder


def test_collect_names_damaged_runs_and_a_resume_makes_them_again(small_sweep):
    folder = small_sweep
    runs = find_runs(folder)
    assert len(runs) == 8
    collected = (folder / "results.parquet").read_bytes()
    (runs[0] / "metrics.parquet").write_bytes((runs[0] / "metrics.parquet").read_bytes()[:50])
    (runs[1] / "agents.parquet").write_bytes(b"")
    (runs[2] / MANIFEST).unlink()
    res = aieco("collect", str(folder))
    assert res.returncode == 0, res.stderr
    lines = res.stderr.strip().splitlines()
    for run, word in zip(runs[:3], ("damaged", "damaged", "incomplete"), strict=True):
        named = [ln for ln in lines if ln.startswith(f"aieco collect: {word} run ")
                 and str(run.relative_to(folder)) in ln]
        assert len(named) == 1 and word in named[0], lines
    assert any("kept the previous results.parquet" in ln for ln in lines)
    assert (folder / "results.parquet").read_bytes() == collected  # not replaced
    res = sweep(folder, *SMALL)
    assert res.returncode == 0 and "8 of 8 runs complete" in res.stdout, res.stderr[-2000:]
    all_verified(folder)
    assert len(pd.read_parquet(folder / "summary.parquet")) == 8


def test_report_after_pruning_the_runs_keeps_the_collected_tables_and_says_so(small_sweep):
    folder = small_sweep
    tables = {n: (folder / n).read_bytes() for n in ("results.parquet", "summary.parquet")}
    for agents in folder.rglob("agents.parquet"):
        agents.unlink()  # what a user short of space does
    res = aieco("report", str(folder))
    assert res.returncode == 0, res.stderr[-2000:]
    assert "kept the previous results.parquet and summary.parquet (8 runs)" in res.stderr
    assert {n: (folder / n).read_bytes() for n in tables} == tables
    report = (folder / "report.md").read_text()
    assert "8 runs" in report and "openness" in report
    res = aieco("collect", "--replace", str(folder))
    assert res.returncode == 2 and "no complete runs" in res.stderr  # nothing written
    assert {n: (folder / n).read_bytes() for n in tables} == tables


def test_folder_names_past_255_bytes_are_shortened_stably(tmp_path):
    folder = tmp_path / "s"
    long = "é" * 150  # 300 bytes
    args = ["population=tiny", "run.steps=2", f"population.name='{long}'", "run.seed=0,1"]
    res = sweep(folder, *args)
    assert res.returncode == 0, res.stderr[-2000:]
    runs = find_runs(folder)
    assert len(runs) == 2
    for run in runs:
        assert len(run.name.encode()) <= 255 and "~" in run.name
        manifest = json.loads((run / MANIFEST).read_text())
        assert f"population.name='{long}'" in manifest["overrides"]
    before = mtimes(folder)
    res = sweep(folder, *args)
    assert res.returncode == 0 and "2 of 2 runs complete" in res.stdout
    assert {p: t for p, t in mtimes(folder).items() if p.name == MANIFEST} == \
        {p: t for p, t in before.items() if p.name == MANIFEST}


def test_a_now_sweep_folder_is_resolved_once(tmp_path):
    res = aieco("sweep", "population=tiny", "run.steps=2", "run.seed=0,1",
                f"hydra.sweep.dir={tmp_path}/s-${{now:%H-%M-%S-%f}}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    (folder,) = [p for p in tmp_path.iterdir() if p.name.startswith("s-")]
    assert {"sweep.json", "results.parquet", "summary.parquet"} <= {p.name for p in
                                                                   folder.iterdir()}
    assert len(find_runs(folder)) == 2 and str(folder) in res.stdout


def test_changing_the_number_of_replicates_counts_the_runs_of_the_plan(tmp_path):
    folder = tmp_path / "s"
    base = ["population=tiny", "run.steps=2", "openness=closed,open_weights"]
    assert "2 of 2 runs complete" in sweep(folder, *base, "run.replicates=1").stdout
    res = sweep(folder, *base, "run.replicates=3")
    assert res.returncode == 0 and "6 of 6 runs complete" in res.stdout, res.stderr[-2000:]
    res = sweep(folder, *base, "run.replicates=2")
    assert res.returncode == 0 and "4 of 4 runs complete" in res.stdout, res.stderr[-2000:]
    # the single runs of the first sweep stay, beside the replicates, and are collected
    assert len(pd.read_parquet(folder / "summary.parquet")) == 8


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs (needs root and mount): a file system that really fills up."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_full_disk_ends_in_one_line_with_nothing_that_looks_complete(small_disk):
    folder = small_disk / "s"
    filler = small_disk / "filler"
    # leave room for two or three tiny runs (about 56 kB each) of the eight
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    filler.write_bytes(b"\0" * (free - 160_000))
    res = sweep(folder, *SMALL)
    assert res.returncode == 1, res.stderr[-2000:]
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("aieco: error: the disk holding") and "is full" in last, res.stderr
    assert "Traceback" not in res.stderr
    all_verified(folder)
    done = len(find_runs(folder))
    assert done < 8
    assert not list(folder.rglob(".*.tmp"))  # no half-written file left behind
    res = aieco("collect", str(folder))  # collecting on the full disk: one line as well
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr[-2000:]
    assert lines[-1].startswith("aieco: error: cannot write the tables")
    assert not (folder / "summary.parquet").exists()
    filler.unlink()
    res = sweep(folder, *SMALL)
    assert res.returncode == 0 and "8 of 8 runs complete" in res.stdout, res.stderr[-2000:]
    all_verified(folder)
