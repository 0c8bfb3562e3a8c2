"""Outputs are never lost or faked: unwritable folders fail first, complete results are
never overwritten without --overwrite, long runs stream to disk with flat memory, and a
run killed at any point leaves nothing that looks complete but is not, then resumes to
results identical to an uninterrupted run."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import aieco, tiny_params

from sim import run
from sim.io import (
    CHECKPOINT,
    LOCK,
    MANIFEST,
    PARTS,
    FolderBusy,
    is_complete,
    run_into,
    run_state,
)
from sim.runner import replicate_seeds

TINY = ["population=tiny", "run.progress=false"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_nothing_looks_complete_but_is_not(folder: Path, steps: int) -> None:
    """Every visible file is whole; a manifest means the whole run is there."""
    if not folder.exists():
        return
    for path in folder.rglob("*.parquet"):
        if not path.name.startswith("."):
            pq.read_table(path)  # a truncated Parquet file has no footer and fails here
    if (folder / MANIFEST).exists():
        assert is_complete(folder)
        manifest = json.loads((folder / MANIFEST).read_text())
        assert manifest["steps"] == steps
        assert len(pd.read_parquet(folder / "metrics.parquet")) == steps
        assert not (folder / PARTS).exists()


def results_of(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(folder / "metrics.parquet"), pd.read_parquet(folder / "agents.parquet")


# -- streaming -----------------------------------------------------------------------------
def test_streamed_run_equals_the_in_memory_run_and_memory_stays_flat(tmp_path):
    params = tiny_params(steps=23, run={"flush_every": 5, "record_every": 3})
    seen = []

    def watch(model):
        seen.append((len(model.history), len(model.agent_records)))

    out = run_into(tmp_path / "r", params, replicate_seeds(params)[0], "yaml: 1\n",
                   on_step=watch)
    assert max(h for h, _ in seen) <= 5 and max(a for _, a in seen) <= 2
    memory = run(params)
    metrics, agents = results_of(out)
    pd.testing.assert_frame_equal(metrics, memory.metrics)
    pd.testing.assert_frame_equal(agents, memory.agents)
    assert is_complete(out) and not (out / PARTS).exists()


def test_resume_from_a_checkpoint_gives_identical_results(tmp_path):
    params = tiny_params(steps=17, run={"flush_every": 4})
    seed = replicate_seeds(params)[0]
    whole = run_into(tmp_path / "whole", params, seed, "")

    class Crash(Exception):
        pass

    def crash_at_11(model):
        if model.steps == 11:
            raise Crash

    with pytest.raises(Crash):
        run_into(tmp_path / "cut", params, seed, "", on_step=crash_at_11)
    parts = {p.name for p in (tmp_path / "cut" / PARTS).iterdir()}
    assert parts == {CHECKPOINT, "agents-0000004.parquet", "agents-0000008.parquet",
                     "metrics-0000004.parquet", "metrics-0000008.parquet"}
    assert not (tmp_path / "cut" / MANIFEST).exists()
    resumed_from = []
    run_into(tmp_path / "cut", params, seed, "",
             on_step=lambda m: resumed_from.append(m.steps))
    assert resumed_from[0] == 9  # the checkpoint after step 8: nothing done twice
    for a, b in zip(results_of(whole), results_of(tmp_path / "cut"), strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_a_checkpoint_of_another_configuration_is_not_resumed(tmp_path):
    a = tiny_params(steps=9, run={"flush_every": 3})
    b = tiny_params(steps=9, run={"flush_every": 3}, market={"reconsider_prob": 0.3})
    seed = replicate_seeds(a)[0]

    def stop(model):
        if model.steps == 7:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_into(tmp_path / "r", a, seed, "", on_step=stop)
    first = []
    run_into(tmp_path / "r", b, seed, "", on_step=lambda m: first.append(m.steps))
    assert first[0] == 1
    pd.testing.assert_frame_equal(results_of(tmp_path / "r")[0], run(b).metrics)


# -- unwritable folders ---------------------------------------------------------------------
@pytest.mark.parametrize("command", [
    ["run", *TINY, "hydra.run.dir={bad}"],
    ["sweep", *TINY, "run.seed=0,1", "hydra.sweep.dir={bad}"],
    ["compare", *TINY, "--openness", "closed", "--out", "{bad}"],
])
def test_an_unwritable_output_folder_fails_before_any_work(tmp_path, command):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    bad = str(blocker / "results")
    start = time.perf_counter()
    res = aieco(*[c.format(bad=bad) for c in command], cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aieco: error: "), res.stderr
    assert bad in lines[0] and "under a file" in lines[0]
    assert "running" not in res.stderr and "Traceback" not in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
    assert time.perf_counter() - start < 60


# -- never overwritten silently ---------------------------------------------------------
def test_complete_results_are_kept_refused_or_replaced_only_with_overwrite(tmp_path):
    out = tmp_path / "run"
    first = aieco("run", *TINY, "run.steps=3", f"hydra.run.dir={out}", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    again = aieco("run", *TINY, "run.steps=3", f"hydra.run.dir={out}", cwd=tmp_path)
    assert again.returncode == 0 and "already holds" in again.stdout
    other = aieco("run", *TINY, "run.steps=4", f"hydra.run.dir={out}", cwd=tmp_path)
    assert other.returncode == 2 and "--overwrite" in other.stderr
    assert snapshot(out) == before  # byte for byte, the Hydra files included
    replaced = aieco("run", *TINY, "run.steps=4", f"hydra.run.dir={out}", "--overwrite",
                     cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    assert len(pd.read_parquet(out / "metrics.parquet")) == 4


def test_compare_keeps_its_runs_and_refuses_another_configuration(tmp_path):
    args = ["compare", *TINY, "run.steps=2", "--openness", "closed", "--out", "cmp"]
    assert aieco(*args, cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path / "cmp")
    again = aieco(*args, cwd=tmp_path)
    assert again.returncode == 0 and "complete results found" in again.stderr
    other = aieco(*[a.replace("run.steps=2", "run.steps=3") for a in args], cwd=tmp_path)
    assert other.returncode == 2 and "--overwrite" in other.stderr
    assert snapshot(tmp_path / "cmp") == before


# -- killed at any point ------------------------------------------------------------------
KILL_RUN = ["population=tiny", "population.n_users=60000", "run.steps=90",
            "run.flush_every=3", "run.record_every=2", "run.progress=false"]


def start_run(folder: Path, cwd: Path) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("aieco")
    return subprocess.Popen([str(exe), "run", *KILL_RUN, f"hydra.run.dir={folder}"],
                            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "NUMBA_NUM_THREADS": "1"})


def kill_after(proc: subprocess.Popen, delay: float, sig: int) -> bool:
    """Send ``sig`` after ``delay`` seconds; True if the run was still going."""
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(sig)
        proc.wait(timeout=60)
        return True


def kill_at_step(proc: subprocess.Popen, folder: Path, step: int, extra: float,
                 sig: int) -> bool:
    """Send ``sig`` ``extra`` seconds after the run has written its parts up to ``step``
    (0: right away); True if the run was still going."""
    while step and proc.poll() is None:
        parts = list((folder / PARTS).glob("metrics-*.parquet"))
        if parts and max(int(p.stem.rsplit("-", 1)[1]) for p in parts) >= step:
            break
        time.sleep(0.005)
    time.sleep(extra)
    return kill_after(proc, 0.0, sig)


@pytest.mark.slow
def test_runs_killed_at_many_points_resume_to_identical_results(tmp_path):
    """Kill one run again and again (SIGKILL, and SIGINT as Ctrl-C does), each time a few
    steps further on and at a different moment between checkpoints, resuming each time;
    check the folder after every kill."""
    ref = tmp_path / "reference"
    assert start_run(ref, tmp_path).wait(timeout=600) == 0
    folder = tmp_path / "killed"
    kills = 0
    # the first kill lands during start-up, the others after parts up to a step, plus a delay
    plan = [(0, 0.5), *((9 * i - 3, 0.007 * i) for i in range(1, 10))]
    for i, (step, extra) in enumerate(plan):
        proc = start_run(folder, tmp_path)
        sig = signal.SIGINT if i % 3 == 2 else signal.SIGKILL
        killed = kill_at_step(proc, folder, step, extra, sig)
        kills += killed
        if killed and sig == signal.SIGINT:  # Ctrl-C: one line, no traceback
            err = proc.stderr.read().decode() if proc.stderr else ""
            assert proc.returncode == 130 and "Traceback" not in err, err
            assert err.strip().splitlines()[-1].startswith("aieco: error: interrupted"), err
        assert_nothing_looks_complete_but_is_not(folder, steps=90)
    print(f"{kills} of {len(plan)} attempts killed mid-run")
    assert kills >= 8
    assert start_run(folder, tmp_path).wait(timeout=600) == 0
    assert_nothing_looks_complete_but_is_not(folder, steps=90)
    for a, b in zip(results_of(ref), results_of(folder), strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_a_killed_run_keeps_its_parts_and_the_same_command_finishes_it(tmp_path):
    folder = tmp_path / "run"
    proc = start_run(folder, tmp_path)
    deadline = time.monotonic() + 120
    while not (folder / PARTS / CHECKPOINT).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert kill_after(proc, 0.0, signal.SIGKILL), "the run ended before it could be killed"
    assert not (folder / MANIFEST).exists()
    assert list((folder / PARTS).glob("metrics-*.parquet"))
    assert_nothing_looks_complete_but_is_not(folder, steps=90)
    assert start_run(folder, tmp_path).wait(timeout=600) == 0
    assert is_complete(folder)
    assert list(pd.read_parquet(folder / "metrics.parquet")["step"]) == list(range(1, 91))


def test_overwriting_removes_the_old_results_before_the_new_run_starts(tmp_path):
    old = tiny_params(steps=4)
    new = tiny_params(steps=9, run={"flush_every": 3})
    out = run_into(tmp_path / "r", old, replicate_seeds(old)[0], "old: 1\n")

    def stop(model):
        if model.steps == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_into(out, new, replicate_seeds(new)[0], "new: 1\n", on_step=stop)
    # the killed new run leaves its parts and nothing of the old run that could pass for it
    assert sorted(p.name for p in out.iterdir()) == [PARTS]


def test_a_kill_between_merging_and_the_manifest_resumes(tmp_path, monkeypatch):
    """The parts are moved out of sight before the manifest is written; a run killed in
    between shows neither, and the next start puts them back and resumes."""
    import sim.io.writer

    params = tiny_params(steps=10, run={"flush_every": 4})
    seed = replicate_seeds(params)[0]
    whole = run_into(tmp_path / "whole", params, seed, "")
    real_write_text = sim.io.writer.write_text

    def killed_at_manifest(text, path, *args, **kwargs):
        if Path(path).name == MANIFEST:
            raise KeyboardInterrupt
        real_write_text(text, path, *args, **kwargs)

    monkeypatch.setattr(sim.io.writer, "write_text", killed_at_manifest)
    with pytest.raises(KeyboardInterrupt):
        run_into(tmp_path / "cut", params, seed, "")
    monkeypatch.undo()
    cut = tmp_path / "cut"
    assert not (cut / MANIFEST).exists() and not (cut / PARTS).exists()
    assert (cut / ".parts-merged" / CHECKPOINT).exists()
    steps = []
    run_into(cut, params, seed, "", on_step=lambda m: steps.append(m.steps))
    assert steps == [9, 10]  # from the checkpoint after step 8
    assert sorted(p.name for p in cut.iterdir()) == sorted(
        ["metrics.parquet", "agents.parquet", "config.yaml", MANIFEST])
    for a, b in zip(results_of(whole), results_of(cut), strict=True):
        pd.testing.assert_frame_equal(a, b)


# -- the manifest vouches for every file ----------------------------------------------------
def test_the_manifest_records_each_files_size_and_checksum(tmp_path):
    params = tiny_params(steps=3)
    out = run_into(tmp_path / "r", params, replicate_seeds(params)[0], "a: 1\n")
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["kind"] == "aieco-run" and manifest["format_version"] == 2
    assert sorted(manifest["files"]) == ["agents.parquet", "config.yaml", "metrics.parquet"]
    for name, record in manifest["files"].items():
        data = (out / name).read_bytes()
        assert record == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert run_state(out, verify=True).complete
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["metrics.parquet", "agents.parquet", "config.yaml", MANIFEST])  # no lock file left


@pytest.mark.parametrize("damage,status,words", [
    ("truncate", "damaged", "metrics.parquet is"),
    ("empty", "damaged", "metrics.parquet is 0 bytes"),
    ("delete_agents", "damaged", "agents.parquet is missing"),
    ("delete_manifest", "incomplete", "no manifest.json"),
    ("flip_a_byte", "damaged", "checksum"),
    ("foreign_manifest", "incomplete", "not an aieco manifest"),
])
def test_a_damaged_run_never_counts_as_complete(tmp_path, damage, status, words):
    params = tiny_params(steps=3)
    out = run_into(tmp_path / "r", params, replicate_seeds(params)[0], "a: 1\n")
    metrics = out / "metrics.parquet"
    if damage == "truncate":
        metrics.write_bytes(metrics.read_bytes()[:-100])
    elif damage == "empty":
        metrics.write_bytes(b"")
    elif damage == "delete_agents":
        (out / "agents.parquet").unlink()
    elif damage == "delete_manifest":
        (out / MANIFEST).unlink()
    elif damage == "flip_a_byte":
        data = bytearray(metrics.read_bytes())
        data[len(data) // 2] ^= 0xFF
        metrics.write_bytes(bytes(data))
        assert run_state(out).complete  # same size: only the checksum tells
    elif damage == "foreign_manifest":
        (out / MANIFEST).write_text(json.dumps({"name": "someone else's", "files": []}))
    state = run_state(out, verify=True)
    assert state.status == status and words in state.reason, state
    assert not is_complete(out, verify=True)


def test_a_manifest_that_is_not_ours_is_ignored(tmp_path):
    from analysis.collect import collect, find_runs

    params = tiny_params(steps=2)
    run_into(tmp_path / "sweep" / "a", params, replicate_seeds(params)[0], "")
    for i, text in enumerate(['{"version": 3, "files": ["x"]}', "not json at all", "[1, 2]"]):
        other = tmp_path / "sweep" / "data" / str(i)
        other.mkdir(parents=True)
        (other / MANIFEST).write_text(text)
        assert run_state(other).status == "foreign"
    assert find_runs(tmp_path / "sweep") == [tmp_path / "sweep" / "a"]
    lines = []
    _, summary = collect(tmp_path / "sweep", say=lines.append)
    assert len(summary) == 1 and lines == []


def test_manifests_of_the_first_format_still_count_when_their_files_are_whole(tmp_path):
    params = tiny_params(steps=2)
    out = run_into(tmp_path / "r", params, replicate_seeds(params)[0], "a: 1\n")
    manifest = json.loads((out / MANIFEST).read_text())
    manifest.update(format_version=1, files=["metrics.parquet", "agents.parquet", "config.yaml"])
    del manifest["kind"]
    (out / MANIFEST).write_text(json.dumps(manifest))
    assert run_state(out).complete
    metrics = out / "metrics.parquet"
    metrics.write_bytes(metrics.read_bytes()[:-40])
    assert run_state(out).status == "damaged" and "truncated" in run_state(out).reason


# -- one writer per folder -------------------------------------------------------------------
HOLD = """
import sys, time
from sim.io import FolderLock
with FolderLock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_second_writer_is_refused_in_one_line_and_a_dead_holder_frees_the_folder(tmp_path):
    folder = tmp_path / "r"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        params = tiny_params(steps=2)
        with pytest.raises(FolderBusy) as refused:
            run_into(folder, params, replicate_seeds(params)[0], "")
        message = str(refused.value)
        assert len(message.splitlines()) == 1
        assert f"process {holder.pid}" in message and str(folder) in message
        assert not (folder / MANIFEST).exists() and not (folder / PARTS).exists()
    finally:
        holder.kill()
        holder.wait()
    params = tiny_params(steps=2)  # the lock died with its holder: no waiting, no cleanup
    run_into(folder, params, replicate_seeds(params)[0], "")
    assert is_complete(folder, verify=True) and not (folder / LOCK).exists()
