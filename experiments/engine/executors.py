"""Where a sweep's runs go: Hydra's launcher spellings mapped onto the engine's executors.

=====================================  ====================================================
command line                           executor
=====================================  ====================================================
(none)                                 a local pool, one single-threaded worker per CPU
``hydra/launcher=joblib``              a local pool; ``hydra.launcher.n_jobs=N`` workers
                                       (-1 all CPUs, -2 all but one, as joblib counts)
``hydra/launcher=basic``               this process, one run after another
``hydra/launcher=submitit_local``      submitit array tasks as subprocesses here
``hydra/launcher=submitit_slurm``      a SLURM job array; every ``hydra.launcher.*`` key
                                       of hydra-submitit-launcher 1.2 means what it means
                                       there (``partition``, ``timeout_min``, ``mem_gb``,
                                       ``cpus_per_task``, ``array_parallelism``, ``account``,
                                       ``qos``, ``gres``, ``setup``, ``additional_parameters``,
                                       ...)
=====================================  ====================================================

Each array task runs a batch of runs, on ``cpus_per_task`` local workers when it has more
than one CPU. ``hydra.launcher.runs_per_task=N`` (the engine's own key, taken out before
Hydra checks the rest) sets the batch; by default the runs are spread evenly over
``array_parallelism`` tasks (submitit_local: one task per CPU), so every task starts at
once and pays the interpreter's start-up once for many runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf

from experiments.cli.config import override_key
from experiments.engine.cluster import ClusterOptions
from sim.params import ConfigError
from sim.pool import available_cpus

LAUNCHERS = ("basic", "joblib", "submitit_local", "submitit_slurm")
#: the engine's own launcher keys (Hydra's launcher schemas do not have them)
OWN_KEYS = ("hydra.launcher.runs_per_task",)
#: hydra-submitit-launcher keys that submitit takes without the cluster prefix
BASE_KEYS = ("timeout_min", "cpus_per_task", "gpus_per_node", "tasks_per_node", "mem_gb",
             "nodes", "name", "stderr_to_stdout")
#: keys the Hydra plugin handles itself rather than passing on
NOT_PASSED = ("submitit_folder", "max_num_timeout", "_target_")


@dataclass
class Launch:
    """The executor a sweep uses.

    Attributes
    ----------
    kind : str
        ``"serial"``, ``"local"`` or ``"cluster"``.
    workers : int
        Local workers (``"local"``).
    cluster : ClusterOptions or None
        The array's settings (``"cluster"``).
    label : str
        How progress and messages name it.
    """

    kind: str
    workers: int = 1
    cluster: ClusterOptions | None = None
    label: str = ""


def take_own(own: list[str]) -> tuple[list[str], dict[str, str]]:
    """Hydra's own overrides, with the engine's keys taken out, and a launcher chosen.

    Without ``hydra/launcher=...`` the joblib launcher's schema checks the
    ``hydra.launcher.*`` keys (the default local pool takes ``n_jobs`` as joblib does).
    """
    mine = {override_key(o): o.split("=", 1)[1] for o in own if override_key(o) in OWN_KEYS}
    rest = [o for o in own if override_key(o) not in OWN_KEYS]
    for text in rest:
        if override_key(text) == "hydra/launcher":
            choice = text.split("=", 1)[1]
            if choice not in LAUNCHERS:
                raise ConfigError("hydra/launcher", choice,
                                  "choose one of: " + ", ".join(LAUNCHERS))
        if override_key(text) == "hydra.launcher.n_jobs":
            value = text.split("=", 1)[1]
            if not value.lstrip("-").isdigit() or int(value) == 0 or int(value) < -available_cpus():
                raise ConfigError("hydra.launcher.n_jobs", value,
                                  "must be an integer >= 1 (or -1 for every CPU)")
    if not any(override_key(o) == "hydra/launcher" for o in rest):
        rest.append("hydra/launcher=joblib")
    return rest, mine


def choose(cfg: DictConfig, own_keys: dict[str, str], root: str, name: str) -> Launch:
    """The executor of a sweep, from its composed Hydra node and the engine's own keys."""
    choice = str(cfg.hydra.runtime.choices.get("hydra/launcher"))
    launcher = cfg.hydra.launcher
    if choice == "basic":
        return Launch("serial", 1, label="this process")
    if choice == "joblib":
        n = int(launcher.get("n_jobs", -1) or -1)
        workers = n if n > 0 else max(1, available_cpus() + 1 + n)
        return Launch("local", workers, label=f"{workers} local workers")
    cluster = "slurm" if choice == "submitit_slurm" else "local"
    params = _plain(launcher)
    workers = int(params.get("cpus_per_task") or 1)
    options = ClusterOptions(
        cluster=cluster,
        folder=str(params.get("submitit_folder") or f"{root}/.submitit/%j"),
        parameters=_submitit_parameters(params, cluster, name),
        max_num_timeout=int(params.get("max_num_timeout") or 0),
        runs_per_task=_runs_per_task(own_keys),
        tasks=available_cpus() if cluster == "local"
        else int(params.get("array_parallelism") or 256),
        workers_per_task=workers)
    where = "SLURM" if cluster == "slurm" else "submitit subprocesses"
    return Launch("cluster", workers, options, label=where)


def _plain(launcher: DictConfig) -> dict[str, Any]:
    out = OmegaConf.to_container(launcher, resolve=False)
    assert isinstance(out, dict)
    values: dict[str, Any] = {}
    for key, value in out.items():
        if value == "${hydra.job.name}":  # no Hydra job here: the sweep names its array
            value = None
        elif isinstance(value, str) and "${" in value:
            try:  # other interpolations resolve against the composed configuration
                value = OmegaConf.select(launcher, str(key), throw_on_resolution_failure=True)
            except Exception:
                value = None
        values[str(key)] = value
    return values


def _runs_per_task(own: dict[str, str]) -> int | None:
    given = own.get("hydra.launcher.runs_per_task")
    if given is None:
        return None
    if not given.isdigit() or int(given) < 1:
        raise ConfigError("hydra.launcher.runs_per_task", given, "must be an integer >= 1")
    return int(given)


def _submitit_parameters(params: dict[str, Any], cluster: str, name: str) -> dict[str, Any]:
    """submitit's ``update_parameters`` keys, as hydra-submitit-launcher passes them."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key in NOT_PASSED:
            continue
        if cluster == "local" and key not in BASE_KEYS:
            continue
        if value is None:
            continue
        out[key if key in BASE_KEYS else f"{cluster}_{key}"] = value
    out["name"] = out.get("name") or f"aieco-{name}"
    # one process per task: a task's batch runs on its own local workers instead
    out["tasks_per_node"] = 1
    return out
