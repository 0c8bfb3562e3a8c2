"""A live run: one model stepped on demand, and the frames the live page draws.

A :class:`LiveRun` builds :class:`sim.EcosystemModel` from a :class:`~.controls.Scenario`
with the scenario's seed, so after ``t`` steps its ``model.history`` is the metrics table of
``sim.run`` for the same parameters and seed (a test checks it). The page never reads the
model while it steps: each step returns a :class:`Frame`, an immutable copy of what the
page shows (outcomes so far, the labs, the startups, the last quarter's events).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from experiments.explore.controls import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from sim import EcosystemModel

#: the live charts: id, title, outcomes (columns of sim.metrics.OUTCOMES)
CHARTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("concentration", "Concentration of users", ("hhi", "hhi_api", "hhi_open")),
    ("harm", "Harm", ("harm",)),
    ("access", "Access", ("access_share", "meaningful_access", "adoption_share")),
    ("trust", "Trust and transparency", ("trust", "transparency_score")),
    ("frontier", "Frontier capability", ("frontier_capability",)),
    ("gap", "How far open models trail", ("open_frontier_gap",)),
    ("startups", "Startups alive", ("startups_alive",)),
    ("startup_flows", "Startups entering and leaving",
     ("startup_entries", "startup_exits", "acquisitions")),
    ("vulnerabilities", "The vulnerability race",
     ("vulnerabilities_open", "vulnerabilities_patched", "vulnerabilities_exploited")),
)
LAB_COLUMNS = ("capability", "release_level", "price", "safe", "jurisdiction", "users",
               "share", "cash")
LEVEL_NAMES = ("internal", "hosted", "API", "weights", "fully open")


@dataclass(frozen=True)
class Frame:
    """What the live page shows after quarter ``t``: copies, never the model's arrays."""

    t: int
    stop_at: int
    scenario: Scenario
    series: dict[str, np.ndarray]
    labs: dict[str, np.ndarray]
    startups: dict[str, Any]
    quarter: dict[str, float]
    last: dict[str, Any] = field(default_factory=dict)
    step_ms: float = 0.0


def outcome_series(history: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Every numeric outcome of the history as an array over quarters (floats, NaN kept)."""
    if not history:
        return {"step": np.zeros(0)}
    keys = [k for k, v in history[0].items() if isinstance(v, int | float | np.number)]
    return {k: np.array([row[k] for row in history], dtype=float) for k in keys}


def use_threads(n: int) -> None:
    """Run Numba kernels called from this thread on ``n`` threads (at most Numba's pool).

    Results are identical on any number of threads; the explorer uses one by default, which
    leaves the other cores to the page and the browser (on a busy two-core machine, two
    threads made a step at the default population three times slower).
    """
    import numba

    numba.set_num_threads(max(1, min(int(n), getattr(numba.config, "NUMBA_NUM_THREADS", 1))))


class LiveRun:
    """One model, built from a scenario with its seed, stepped a quarter at a time.

    Parameters
    ----------
    scenario : Scenario
        What to run; its parameters are validated (a :class:`sim.params.ConfigError` names
        the first bad value in one line).
    threads : int
        Numba threads for the model's kernels (set in whichever thread steps it).
    """

    def __init__(self, scenario: Scenario, threads: int = 1) -> None:
        from sim import EcosystemModel

        self.scenario = scenario
        self.params = scenario.params()
        self.model: EcosystemModel = EcosystemModel(self.params, rng=scenario.seed)
        self.stop_at = scenario.steps
        self.threads = threads
        self.step_seconds = 0.0
        self.published = self.shown = -1  # frames handed to the page and drawn by it
        self.render_ms = 0.0  # how long the page took to draw the last published frame
        self.html_ms = 0.0  # of which building its HTML
        self.latest: Frame | None = None  # the newest frame published
        self.view: Any = None  # the live views' widget, while it is on the page
        self._lock = threading.Lock()

    @property
    def t(self) -> int:
        """Quarters run so far."""
        return int(self.model.steps)

    @property
    def done(self) -> bool:
        """Whether the run has reached its length."""
        return self.t >= self.stop_at

    def step(self) -> Frame:
        """Run one quarter and return the new frame (one step at a time, whatever calls)."""
        with self._lock:
            use_threads(self.threads)
            start = time.perf_counter()
            self.model.step()
            self.step_seconds = time.perf_counter() - start
            return self._frame()

    def frame(self) -> Frame:
        """The frame of the current state."""
        with self._lock:
            return self._frame()

    def _frame(self) -> Frame:
        m = self.model
        return Frame(t=self.t, stop_at=self.stop_at, scenario=self.scenario,
                     series=outcome_series(m.history), labs=lab_table(m),
                     startups=startup_summary(m), quarter=quarter_summary(m),
                     last=dict(m.history[-1]) if m.history else {},
                     step_ms=1000 * self.step_seconds)

    def metrics(self) -> pd.DataFrame:
        """The metrics table so far, as ``sim.run`` returns it."""
        from sim.runner import metrics_frame

        with self._lock:
            return metrics_frame(list(self.model.history))


def lab_table(model: EcosystemModel) -> dict[str, np.ndarray]:
    """A copy of the labs' columns the page shows."""
    labs = model.labs
    return {c: np.array(getattr(labs, c), copy=True) for c in LAB_COLUMNS if hasattr(labs, c)}


def startup_summary(model: EcosystemModel) -> dict[str, Any]:
    """Live startups: how many, by build mode, by base lab, and their user share."""
    st = model.startups
    live = st.live()
    n_labs = int(model.labs.n)
    mode = np.asarray(st.build_mode)[live]
    base = np.asarray(st.base)[live]
    share = np.asarray(st.share)[live]
    return {"alive": int(live.size), "api": int((mode == 1).sum()),
            "weights": int((mode == 2).sum()),
            "by_base": np.bincount(base, minlength=n_labs)[:n_labs] if live.size
            else np.zeros(n_labs, dtype=np.int64),
            "share_api": float(share[mode == 1].sum()),
            "share_weights": float(share[mode == 2].sum()),
            "born_now": int((np.asarray(st.born)[live] == model.steps).sum()) if live.size else 0}


def quarter_summary(model: EcosystemModel) -> dict[str, float]:
    """The last quarter's events: startup flows, harm by source, misuse, the vulnerability race."""
    q = model.quarter
    if q is None:
        return {}
    out: dict[str, float] = {k: float(q.counts.get(k, 0)) for k in (
        "startup_entries", "startup_exits", "acquisitions", "disasters")}
    harm = getattr(q, "harm", None)
    for part in ("misuse", "exploits", "disasters"):
        out[f"harm_{part}"] = float(getattr(harm, part, float("nan")))
    misuse = getattr(q, "misuse", None)
    for part in ("attempts", "successes", "caught"):
        out[f"misuse_{part}"] = float(getattr(misuse, part, float("nan")))
    race = getattr(q, "vulnerabilities", None)
    for part in ("found_by_defenders", "exploited", "patched"):
        values = getattr(race, part, None)
        out[f"vuln_{part}"] = float(np.sum(values)) if values is not None else float("nan")
    return out


def config_yaml(params: Any) -> str:
    """The resolved configuration of ``params`` as YAML (lists for tuples)."""
    import yaml

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return list(value) if isinstance(value, tuple) else value

    return yaml.safe_dump(plain(dataclasses.asdict(params)), sort_keys=False)


def save_run(run: LiveRun, out: Path) -> Path:
    """Write the live run's quarters so far as a run folder under ``out`` and return it.

    The folder is written the way ``aieco run`` writes one (``sim.io.run_into``: the same
    parameters with ``run.steps`` set to the quarters run, the same seed), so its files
    equal the command line's; the manifest also records the ``aieco run`` line.
    """
    from sim.io import check_writable, run_into

    scenario = dataclasses.replace(run.scenario, steps=max(run.t, 0))
    params = scenario.params()
    name = (f"{datetime.now():%Y%m%d-%H%M%S}-{params.openness.name}-{params.regulation.name}"
            f"-seed{scenario.seed}")
    folder = Path(out) / name
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = Path(out) / f"{name}-{suffix}"
    check_writable(folder, "explorer run folder")
    extra = {"source": "aieco explore", "command": scenario.command(),
             "overrides": scenario.arguments()}
    return run_into(folder, params, np.random.SeedSequence(scenario.seed),
                    config_yaml(params), extra_manifest=extra)
