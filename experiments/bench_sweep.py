"""The sweep and start-up sections of ``aieco bench``, measured side by side in one run.

``sweep``
    The ``concentration`` grid (20 settings) at ``run.replicates=2`` and at its default
    replicates, four ways one after another: the serial in-process loop (each setting
    composed with Hydra, then ``sim.run`` on each replicate), ``aieco sweep`` on one local
    worker, on two, and on SLURM when a controller answers (``sinfo``). For each sweep:
    the command's wall time, the model time its runs report (model build and steps,
    summed over runs), the efficiency ``model time / (wall x workers)`` and the per-run
    overhead ``(wall x workers - model time) / runs``, against a small run's model time
    from the serial loop. The engine's own wall time (from its first worker to its last
    run, as the sweep prints it) gives the same two figures without the command's fixed
    start-up.
``startup``
    ``python -c "import mesa"`` and ``aieco run population=tiny run.steps=1`` in
    alternation, each a fresh process with a warm Numba cache: the run's time to the end of
    its first step (written by the run itself, see ``experiments.cli.task``) against the
    import, the target being the import plus 0.5 s; then the old breakdown of a start-up
    with the default population (interpreter, imports, compose, build, first step) with a
    cold and a warm cache.
"""

from __future__ import annotations

import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from experiments.bench import Row, Settings

#: the concentration grid, as the issue measured it
GRID = ("+experiment=concentration",)


def _bench() -> Any:
    from experiments import bench

    return bench


# ------------------------------------------------------------------------------------------
# the serial in-process loop
# ------------------------------------------------------------------------------------------

SERIAL_SCRIPT = """
import json, sys, time
t0 = time.perf_counter()
from experiments.cli.config import compose_params
from experiments.engine.settings import define
from sim import run
from sim.runner import replicate_seeds
overrides = json.loads(sys.argv[1])
jobs = define(overrides).jobs
t1 = time.perf_counter()
compose = model = 0.0
runs = 0
for job in jobs:
    a = time.perf_counter()
    params, _ = compose_params(job)
    compose += time.perf_counter() - a
    one = params.replace(run={"replicates": 1})
    for seed in replicate_seeds(params):
        result = run(one, rng=seed)
        model += result.manifest["wall_time_s"]
        runs += 1
t2 = time.perf_counter()
print("BENCH " + json.dumps({"imports_and_plan_s": t1 - t0, "compose_s": compose,
                             "model_s": model, "runs": runs, "loop_s": t2 - t1}))
"""


def serial_loop(overrides: list[str]) -> dict[str, Any]:
    """The serial in-process loop in a fresh process with one Numba thread."""
    env = _bench().child_env({"NUMBA_NUM_THREADS": "1"})
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", SERIAL_SCRIPT, json.dumps(overrides)],
                          env=env, capture_output=True, text=True, timeout=7200)
    wall = time.perf_counter() - start
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if proc.returncode or line is None:
        raise RuntimeError(f"serial loop failed: {proc.stderr.strip()[-2000:]}")
    return {**json.loads(line[6:]), "wall_s": wall}


# ------------------------------------------------------------------------------------------
# aieco sweep
# ------------------------------------------------------------------------------------------


def sweep_once(root: Path, name: str, overrides: list[str], extra: list[str],
               env: dict[str, str] | None = None) -> dict[str, Any]:
    """A real ``aieco sweep`` into ``root/name``: wall, engine wall, model time, runs."""
    out = root / name
    args = ["sweep", *overrides, *extra, f"hydra.sweep.dir={out}"]
    code = "import sys; from experiments.cli import main; main(sys.argv[1:])"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=root,
                          env=env or _bench().child_env(), capture_output=True, text=True,
                          timeout=7200)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(f"sweep failed: {proc.stderr.strip()[-2000:]}")
    found = re.search(r"sweep finished in ([0-9.]+) s", proc.stderr)
    done = re.search(r"(\d+) of (\d+) runs complete", proc.stdout)
    model = [json.loads(p.read_text()).get("model_time_s", 0.0)
             for p in out.rglob("manifest.json")]
    return {"args": args, "wall_s": wall, "engine_s": float(found.group(1)) if found else wall,
            "model_s": math.fsum(model), "runs": len(model),
            "completed": int(done.group(1)) if done else None}


def efficiency(model: float, wall: float, workers: int) -> float:
    """Model time over the core-seconds the sweep held."""
    return model / (wall * workers) if wall > 0 else float("nan")


def overhead(model: float, wall: float, workers: int, runs: int) -> float:
    """Core-seconds per run not spent simulating."""
    return (wall * workers - model) / runs if runs else float("nan")


def slurm_partition() -> str | None:
    """The default partition of a SLURM controller that answers, or None."""
    try:
        out = subprocess.run(["sinfo", "--noheader", "--format=%P"], capture_output=True,
                             text=True, timeout=15, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    names = [p.strip() for p in out.stdout.split() if p.strip()]
    if out.returncode or not names:
        return None
    default = [p for p in names if p.endswith("*")]
    return (default or names)[0].rstrip("*")


def slurm_cpus() -> int:
    """CPUs of the SLURM cluster's nodes (sum), or 0."""
    try:
        out = subprocess.run(["sinfo", "--noheader", "--format=%C"], capture_output=True,
                             text=True, timeout=15, check=False)
        return int(out.stdout.split()[0].split("/")[-1])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError):
        return 0


def bench_sweep(s: Settings) -> tuple[list[Row], dict[str, Any]]:
    """Serial loop, sweeps on 1 and 2 workers, and SLURM when it answers, per workload."""
    bench = _bench()
    rows: list[Row] = []
    detail: dict[str, Any] = {"workloads": {}}
    partition = slurm_partition()
    for replicates, targets in s.sweep_workloads:
        overrides = [*s.sweep_overrides, f"run.replicates={replicates}"]
        tag = f"replicates={replicates}"
        res: dict[str, Any] = {}
        with tempfile.TemporaryDirectory(prefix="aieco-bench-sweep-") as tmp:
            bench._say(f"bench: sweep {tag}, serial in-process loop")
            res["serial"] = serial_loop(overrides)
            for workers in (1, 2):
                bench._say(f"bench: sweep {tag}, {workers} worker(s)")
                res[f"workers{workers}"] = sweep_once(
                    Path(tmp), f"w{workers}", overrides, [f"hydra.launcher.n_jobs={workers}"])
            if partition:
                bench._say(f"bench: sweep {tag}, SLURM (partition {partition})")
                res["slurm"] = sweep_once(Path(tmp), "slurm", overrides, [
                    "hydra/launcher=submitit_slurm", f"hydra.launcher.partition={partition}",
                    f"hydra.launcher.array_parallelism={max(1, slurm_cpus())}"])
        rows += _sweep_rows(res, tag, targets)
        detail["workloads"][tag] = res
    if not partition:
        rows.append(bench.Row("sweep on SLURM", None, "", note="no SLURM controller answers "
                              "here (sinfo); start one with .ci/slurm-cluster.sh"))
    detail["statistic"] = ("one run of each; model time = the runs' own model_time_s; "
                           "efficiency = model / (wall x workers); overhead = (wall x workers "
                           "- model) / runs")
    return rows, detail


def _sweep_rows(res: dict[str, Any], tag: str, targets: dict[str, float]) -> list[Row]:
    bench = _bench()
    serial = res["serial"]
    runs = serial["runs"]
    small = serial["model_s"] / runs
    rows = [
        bench.Row(f"serial loop, {tag}: {runs} runs", serial["wall_s"], "s",
                  note=f"model {serial['model_s']:.1f} s, composing {serial['compose_s']:.1f} s"),
        bench.Row(f"  model time of a run ({tag})", small, "s"),
    ]
    for key, workers in (("workers1", 1), ("workers2", 2), ("slurm", 0)):
        if key not in res:
            continue
        r = res[key]
        n = workers or max(1, slurm_cpus())
        label = f"{workers} worker{'s' if workers > 1 else ''}" if workers else f"SLURM ({n} CPUs)"
        eff = efficiency(r["model_s"], r["wall_s"], n)
        per_run = overhead(r["model_s"], r["wall_s"], n, r["runs"])
        engine_run = overhead(r["model_s"], r["engine_s"], n, r["runs"])
        goal = targets if workers == 2 else {}
        rows += [
            bench.Row(f"sweep {label}, {tag}", r["wall_s"], "s",
                      note=f"model {r['model_s']:.1f} s; engine {r['engine_s']:.1f} s"),
            bench.Row(f"  efficiency, {label}, {tag}", eff, "",
                      (">=", goal["efficiency"]) if "efficiency" in goal else None),
            bench.Row(f"  per-run overhead / a run's model time, {label}, {tag}",
                      per_run / small, "", ("<=", goal["overhead"]) if "overhead" in goal
                      else None, note=f"{per_run * 1e3:.0f} ms a run"),
            bench.Row(f"  efficiency of the engine alone, {label}, {tag}",
                      efficiency(r["model_s"], r["engine_s"], n), "",
                      note=f"overhead {engine_run * 1e3:.0f} ms a run; fixed start-up "
                           f"{r['wall_s'] - r['engine_s']:.1f} s"),
            bench.Row(f"  efficiency against the serial loop's model time, {label}, {tag}",
                      efficiency(serial["model_s"], r["wall_s"], n), ""),
        ]
    if "workers1" in res:
        rows.append(bench.Row(f"  speed-up, 2 workers / 1 worker, {tag}",
                              res["workers1"]["wall_s"] / res["workers2"]["wall_s"], "x"))
    rows.append(bench.Row(f"  speed-up, 2 workers / serial loop, {tag}",
                          serial["wall_s"] / res["workers2"]["wall_s"], "x"))
    return rows


# ------------------------------------------------------------------------------------------
# start-up
# ------------------------------------------------------------------------------------------


def startup_pair(root: Path) -> dict[str, float]:
    """``import mesa``, then ``aieco run population=tiny run.steps=1``, each a fresh process."""
    bench = _bench()
    env = bench.child_env()
    start = time.time()
    subprocess.run([sys.executable, "-c", "import mesa"], env=env, check=True, timeout=300)
    mesa = time.time() - start
    stamp = root / "first-step"
    stamp.unlink(missing_ok=True)
    out = root / "run"
    code = "import sys; from experiments.cli import main; main(sys.argv[1:])"
    start = time.time()
    proc = subprocess.run([sys.executable, "-c", code, "run", "population=tiny",
                           "run.steps=1", f"hydra.run.dir={out}", "--overwrite"], cwd=root,
                          env={**env, "AIECO_FIRST_STEP_FILE": str(stamp)},
                          capture_output=True, text=True, timeout=300)
    end = time.time()
    if proc.returncode or not stamp.exists():
        raise RuntimeError(f"aieco run failed: {proc.stderr.strip()[-2000:]}")
    first = float(stamp.read_text()) - start
    return {"import_mesa_s": mesa, "run_first_step_s": first, "run_total_s": end - start}


IMPORTS_SCRIPT = """
import sys
import mesa
from experiments.cli import main
main(["run", "population=tiny", "run.steps=1", "run.progress=false",
      "hydra.run.dir=" + sys.argv[1], "--overwrite"])
"""


def import_costs(root: Path) -> dict[str, float]:
    """What ``aieco run`` imports beyond Mesa, by top-level package (-X importtime self time).

    Mesa is imported first, so what it brings (NumPy, pandas, SciPy's spatial module) is
    not counted again; the rest is the run's own price.
    """
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", IMPORTS_SCRIPT,
                           str(root / "imports")], cwd=root, env=_bench().child_env(),
                          capture_output=True, text=True, timeout=300)
    totals: dict[str, float] = {}
    seen_mesa = False
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        self_us, _, name = line[len("import time:"):].split("|")
        if name.strip() == "mesa":
            seen_mesa = True  # the line of the package comes after its submodules'
            continue
        if not seen_mesa:
            continue
        top = name.strip().split(".")[0]
        totals[top] = totals.get(top, 0.0) + int(self_us) / 1e6
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def bench_startup(s: Settings) -> tuple[list[Row], dict[str, Any]]:
    """aieco run to its first step against import mesa; then the default start-up."""
    bench = _bench()
    pairs = []
    costs: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="aieco-bench-startup-") as tmp:
        startup_pair(Path(tmp))  # warms the Numba cache and the OS's file cache
        for i in range(s.startup_pairs):
            bench._say(f"bench: start-up, import mesa and aieco run {i + 1}/{s.startup_pairs}")
            pairs.append(startup_pair(Path(tmp)))
        if s.startup_imports:
            costs = import_costs(Path(tmp))
    med = {k: statistics.median(p[k] for p in pairs) for k in pairs[0]}
    extra = med["run_first_step_s"] - med["import_mesa_s"]
    rows = [
        bench.Row(f"python -c 'import mesa' (median of {len(pairs)})", med["import_mesa_s"], "s"),
        bench.Row("aieco run population=tiny run.steps=1, to its first step",
                  med["run_first_step_s"], "s",
                  ("<=", round(med["import_mesa_s"] + 0.5, 3)),
                  note=f"import mesa + {extra:.2f} s"),
        bench.Row("  the same, to its exit (files written, summary printed)",
                  med["run_total_s"], "s"),
    ]
    detail: dict[str, Any] = {"pairs": pairs, "statistic": "medians of alternating pairs"}
    with tempfile.TemporaryDirectory(prefix="aieco-bench-cache-") as cache:
        bench._say("bench: start-up of the default population, cold cache")
        cold = bench.startup_once(cache)
        warm = [bench.startup_once(cache) for _ in range(s.startup_warm_repeats)]
    best = sorted(warm, key=lambda r: r["to_first_step_s"])[len(warm) // 2]
    rows.append(bench.Row("default population to first step, cold cache",
                          cold["to_first_step_s"], "s"))
    rows.append(bench.Row(f"default population to first step, warm (median of {len(warm)})",
                          best["to_first_step_s"], "s"))
    for key in ("interpreter_s", "import_sim_s", "import_hydra_config_s", "compose_s",
                "build_model_s", "first_step_s"):
        rows.append(bench.Row(f"  warm: {key[:-2].replace('_', ' ')}", best[key], "s"))
    detail.update(cold=cold, warm=warm)
    if costs:
        detail["imports_after_mesa_s"] = costs
        rows.insert(3, bench.Row("  aieco run's imports after Mesa's, all packages",
                                 sum(costs.values()), "s"))
        for i, (name, sec) in enumerate(list(costs.items())[:6]):
            rows.insert(4 + i, bench.Row(f"    {name}", sec, "s"))
    return rows, detail


def env_note() -> str:
    """The load average now, for notes."""
    return f"load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
