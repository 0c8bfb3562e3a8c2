"""Write ``experiments/catalogue.md`` from the experiment configs (keeps it true to them).

Run ``python experiments/catalogue.py`` after changing ``configs/experiment/*.yaml``; a test
checks that the committed catalogue matches.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs" / "experiment"
TARGET = ROOT / "experiments" / "catalogue.md"

HEAD = """# Named experiments

One experiment per research question of the model brief. Each is a Hydra config in
`configs/experiment/`, run as a resumable sweep:

```sh
.venv/bin/aieco sweep +experiment=NAME          # runs into outputs/sweeps/NAME, then collects
.venv/bin/aieco report outputs/sweeps/NAME      # figures and report.md
```

Every setting runs `run.replicates` seeds (replicate `i` draws from
`SeedSequence(run.seed, spawn_key=(i,))`); `run.replicates=20` or `run.seed=1` changes them.
Any key can be fixed (`regulation=liability`) or swept (`regulation=liability,risk_tiered`)
on the command line; a value given there replaces the experiment's sweep of that key.
Running the same command again into the same folder skips completed runs, so an
interrupted or extended sweep only runs what is missing.

Each entry below is the experiment's design review, kept in its config's `experiment:`
block (`design`, `answer`, `reference`, `mechanism`, `caveats`): the contrast that answers
the question, why these levers and outcomes, and where and why the experiment departs from
the calibrated `baseline`. `aieco report` opens with the answer computed from the runs:
the paired difference (same seeds, common random numbers) of the answer outcome between
each level of the first lever and the reference cell, and how that effect changes with the
second lever (the interaction contrast), each with its 95% interval; then what is not a
finding (outcomes fixed by the design or the regime, identical cells, inert levers), and
the mechanism and caveats declared here.

Wall times are for the default size on this project's 2-core machine, measured with
`time .venv/bin/aieco sweep +experiment=NAME` (sweep and collect; the report adds 10-25 s).
"""

CLUSTER = """## On a cluster (SLURM)

The same sweep runs as a SLURM job array through submitit, each array task a batch of
runs, with the same run folders, so results are identical to a local sweep and an
interrupted cluster sweep resumes the same way:

```sh
.venv/bin/aieco sweep +experiment=concentration population=default \\
    hydra/launcher=submitit_slurm \\
    hydra.launcher.partition=compute hydra.launcher.timeout_min=60 \\
    hydra.launcher.cpus_per_task=1 hydra.launcher.mem_gb=4 \\
    hydra.launcher.array_parallelism=50 \\
    hydra.sweep.dir=/scratch/$USER/aieco/concentration
.venv/bin/aieco report /scratch/$USER/aieco/concentration
```

Run it from a login node inside the project's `.venv` (the tasks import `aieco` from the
same environment, so it must live on a shared file system). The runs are spread evenly
over `array_parallelism` tasks (here the 200 runs as 50 tasks of 4 runs);
`hydra.launcher.runs_per_task=N` sets the batch instead, and `cpus_per_task` above 1 runs
each task's batch on that many local workers. `hydra.launcher.*` takes every option of
`hydra-submitit-launcher` 1.2 (`account`, `qos`, `gres`, `setup` lines, ...). The sweep
waits for the array, showing progress; Ctrl-C or SIGTERM cancels the array
(`scancel`), and a task cancelled, timed out or killed leaves its unfinished runs
incomplete, which the same command makes again. `hydra/launcher=submitit_local` runs the
same array as subprocesses on one machine. Both paths are tested here:
`tests/slurm/test_sweep_slurm.py` starts a one-node SLURM cluster (`.ci/slurm-cluster.sh`)
and checks that a sweep through it writes the local sweep's files byte for byte, and that
a cancelled array is finished by the same command.
"""


STUDIES = """## Which assumptions drive the answers: `aieco sensitivity` and `aieco discover`

An experiment may declare `uncertainties` (parameters or config groups): the default
factors of the two study commands, sampled over their plausible ranges
(`sim/params/plausible.py`, listed by `.venv/bin/aieco params --plausible`). Both run
through the sweep engine above (parallel, resumable, SLURM with the same
`hydra/launcher=...` overrides), keep their samples (`samples.parquet`) and
`study.json` with the runs, and write their tables as CSV and LaTeX (booktabs) too.

```sh
# Morris screening then Sobol' indices (S1, ST, 95% bootstrap intervals), seed variance,
# convergence; the experiment's levers stay at their defaults unless fixed here
.venv/bin/aieco sensitivity --experiment concentration [openness=open_weights] [--n 64]
# Latin hypercube over uncertainties and levers (regimes included), then PRIM boxes
# (coverage, density, quasi-p-values) and feature scores for a case of interest
.venv/bin/aieco discover --experiment concentration --case "hhi > 2500" [--n 200]
```

`--n 64 --replicates 2` for five factors is 64 x 7 x 2 = 896 Sobol' runs and 10 x 6 x 2 =
120 Morris runs. Measured on this project's 2-core machine (shared with other jobs), at
the experiment's `population=small`, on 2026-11-30 with the recalibrated defaults: the 1016
runs took 17 min 0 s on 2 workers, 1.07 times their model time divided by the workers;
`discover --n 200` took 4 min 7 s (1.09). A larger `--n` later runs only the new points.

What that study found (levers at their defaults, `api_only` and `laissez_faire`): final
user HHI hangs on `market.network_effect` (total index 0.59 [0.31, 0.88]), with
`market.beta_quality` undecided at N = 64 (0.43 [0.04, 0.82]); the API layer's HHI on
`market.beta_quality` (0.91 [0.65, 1.17]); harm on `malicious.harm_per_uplift` alone
(1.0 [0.69, 1.31]); switching costs and lab spill-over are negligible for every outcome.
HHI's and harm's indices had not settled at N = 64 (`--n 128` extends the study), and the
seed carries 0.29 to 0.59 of the variance of the concentration outcomes other than user
HHI at 2 replicates. `discover --case "hhi > 2500"` puts every such scenario (30 of 200)
in `openness=closed` (quasi-p 1e-17; the other two restrictions of its box are not
significant), so the regime, not these assumptions, decides whether users concentrate.

The regime itself as a factor, beside the five assumptions:

```sh
.venv/bin/aieco sensitivity --experiment concentration --factors \
    'market.network_effect,market.switch_cost_mean,market.beta_quality,diffusion.lab_spillover,malicious.harm_per_uplift,openness=closed|api_only|open_weights'
```

(1164 runs, 15 min 20 s on 2 workers, ratio 1.07): user HHI hangs on `openness` (total
index 0.79 [0.44, 1.13]) and then on `market.beta_quality` (0.28 [0.13, 0.44]); harm on
`openness` (0.64 [0.23, 1.05]) and on `malicious.harm_per_uplift` (0.45 [0.20, 0.70]);
meaningful access on `openness` alone (0.92 [0.67, 1.18]); compute concentration on how
much users value quality (0.97 [0.71, 1.23]), not on the regime (negligible). The
concentration question's HHI and access conclusions are the regime's; its harm conclusion
shares its weight with the contested uplift per unit of capability.
"""


def section(path: Path, times: dict[str, str]) -> str:
    """The catalogue entry of one experiment config."""
    cfg = yaml.safe_load(path.read_text())
    meta = cfg.get("experiment", {})
    name = meta.get("name", path.stem)
    params = (cfg.get("hydra", {}).get("sweeper", {}) or {}).get("params", {}) or {}
    fixed = [d for d in cfg.get("defaults", []) if isinstance(d, dict)]
    lines = [f"## `{name}`", "", f"**Question.** {meta.get('question', '').strip()}", ""]
    lines.append("| lever | values |")
    lines.append("|---|---|")
    for key, values in params.items():
        lines.append(f"| `{key}` | {str(values).replace(',', ', ')} |")
    lines.append("")
    setting = [f"`{k.replace('override /', '')}={v}`" for d in fixed for k, v in d.items()]
    other = {k: v for k, v in cfg.items() if k not in ("defaults", "experiment", "hydra")}
    setting += [f"`{g}.{k}={v}`" for g, kv in other.items() for k, v in kv.items()
                if k != "progress"]
    lines.append("Fixed: " + (", ".join(setting) if setting else "defaults") + ".")
    lines.append("")
    outcomes = ", ".join(f"`{o}`" for o in meta.get("outcomes", []))
    lines.append(f"Outcomes that answer it: {outcomes}.")
    lines.append("")
    lines += review(meta)
    if meta.get("uncertainties"):
        unc = ", ".join(f"`{u}`" for u in meta["uncertainties"])
        lines.append(f"Uncertainties it may hang on (over their plausible ranges): {unc}; "
                     f"`.venv/bin/aieco sensitivity --experiment {name}` and "
                     f"`.venv/bin/aieco discover --experiment {name} --case ...` study them.")
        lines.append("")
    lines.append(f"Command: `.venv/bin/aieco sweep +experiment={name}`"
                 + (f" (wall time here: {times[name]})" if name in times else ""))
    return "\n".join(lines)


REVIEW = (("contrast", "The contrast that answers it"), ("levers", "Why these levers"),
          ("outcomes", "Why these outcomes"), ("deviations", "Deviations from the baseline"))


def review(meta: dict) -> list[str]:
    """The design review an experiment declares (``experiment.design``), and its answer."""
    design = meta.get("design") or {}
    lines = []
    if meta.get("answer") or meta.get("reference"):
        ref = ", ".join(f"`{k}={v}`" for k, v in (meta.get("reference") or {}).items())
        lines.append(f"The report's answer: `{meta.get('answer') or meta['outcomes'][0]}`, "
                     "paired by seed against the reference cell"
                     + (f" ({ref})" if ref else "")
                     + (f", following the effect of `{meta['focus']}`" if meta.get("focus")
                        else "") + ".")
        lines.append("")
    for key, title in REVIEW:
        if design.get(key):
            lines += [f"- **{title}.** {' '.join(str(design[key]).split())}"]
    for key, title in (("mechanism", "Mechanism"), ("caveats", "Caveats")):
        if meta.get(key):
            lines += [f"- **{title}** (shown in the report). {' '.join(meta[key].split())}"]
    return [*lines, ""] if lines else []


def render(times: dict[str, str] | None = None) -> str:
    """The whole catalogue."""
    times = times or read_times()
    parts = [HEAD]
    parts += [section(p, times) for p in sorted(CONFIGS.glob("*.yaml"))]
    parts.append(CLUSTER)
    parts.append(STUDIES)
    return "\n\n".join(parts).rstrip() + "\n"


def read_times() -> dict[str, str]:
    """Measured wall times, kept in ``experiments/wall_times.yaml``."""
    path = ROOT / "experiments" / "wall_times.yaml"
    return yaml.safe_load(path.read_text()) or {} if path.exists() else {}


if __name__ == "__main__":
    TARGET.write_text(render())
    print(f"wrote {TARGET}", file=sys.stderr)
