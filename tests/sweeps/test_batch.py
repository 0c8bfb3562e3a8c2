"""Many runs through one interface: this process, a local pool, any concurrent.futures
executor. Same files whatever runs them; complete runs skipped; failures reported per run."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import tiny_params

from sim.batch import LocalPool, RunSpec, batches, replicate_specs, run_batch, run_many
from sim.io import MANIFEST, FolderLock, run_state


def specs_in(root: Path) -> list[RunSpec]:
    out = []
    for openness in ("closed", "open_weights"):
        params = tiny_params(steps=3, run={"replicates": 2}).with_options(openness=openness)
        out += replicate_specs(params, root / openness, f"openness: {openness}\n",
                               {"swept": {"openness": openness}})
    return out


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.parquet"))}


def test_replicate_specs_follow_the_command_lines_layout_and_seeds(tmp_path):
    one = replicate_specs(tiny_params(run={"seed": 7}), tmp_path / "a")
    assert [(s.folder, s.entropy, s.spawn_key) for s in one] == [(str(tmp_path / "a"), 7, ())]
    three = replicate_specs(tiny_params(run={"seed": 7, "replicates": 3}), tmp_path / "b")
    assert [Path(s.folder).name for s in three] == ["rep000", "rep001", "rep002"]
    assert [s.spawn_key for s in three] == [(0,), (1,), (2,)]
    assert all(s.params.run.replicates == 1 for s in three)
    assert [len(b) for b in batches(three, 2)] == [2, 1]


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    root = tmp_path_factory.mktemp("serial")
    outcomes = run_many(specs_in(root))
    assert [o.status for o in outcomes] == ["ran"] * 4
    assert all(o.model_s > 0 and o.seconds >= o.model_s for o in outcomes)
    return root


@pytest.mark.parametrize("how", ["threads", "processes", "local_pool"])
def test_any_executor_gives_the_same_files_as_this_process(tmp_path, serial, how):
    if how == "threads":
        with ThreadPoolExecutor(2) as pool:
            outcomes = run_many(specs_in(tmp_path), pool)
    elif how == "processes":  # the README's example: any concurrent.futures executor
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
            outcomes = run_many(specs_in(tmp_path), pool, batch_size=2)
    else:
        with LocalPool(2) as pool:
            outcomes = run_many(specs_in(tmp_path), pool)
    assert [o.status for o in outcomes] == ["ran"] * 4
    assert files_of(tmp_path) == files_of(serial)


def test_running_the_same_specs_again_skips_complete_runs_and_redoes_damaged_ones(tmp_path):
    specs = specs_in(tmp_path)
    run_many(specs)
    damaged = Path(specs[1].folder) / "agents.parquet"
    damaged.write_bytes(damaged.read_bytes()[:-10])
    (Path(specs[2].folder) / MANIFEST).unlink()
    seen = []
    outcomes = run_many(specs, on_outcome=seen.append)
    assert [o.status for o in outcomes] == ["skipped", "ran", "ran", "skipped"]
    assert seen == outcomes
    assert all(run_state(Path(s.folder), verify=True).complete for s in specs)


def test_a_failed_or_busy_run_is_reported_and_the_others_still_run(tmp_path):
    specs = specs_in(tmp_path)
    blocked = Path(specs[0].folder)
    blocked.parent.mkdir(parents=True)
    blocked.write_text("a file where the run folder should be")
    with FolderLock(specs[1].folder):
        outcomes = run_batch(specs)
    assert [o.status for o in outcomes] == ["failed", "busy", "ran", "ran"]
    assert "FileExistsError" in outcomes[0].error or "Not a directory" in outcomes[0].error
    assert "being written by process" in outcomes[1].error
    assert all(len(o.error.splitlines()) <= 1 for o in outcomes)


def test_a_folder_holding_another_run_is_never_overwritten(tmp_path):
    spec = specs_in(tmp_path)[0]
    run_many([spec])
    before = files_of(tmp_path)
    other = RunSpec(spec.folder, spec.params.replace(run={"steps": 2}), spec.entropy,
                    spec.spawn_key)
    (outcome,) = run_many([other])
    assert outcome.status == "failed" and "another configuration" in outcome.error
    assert files_of(tmp_path) == before
