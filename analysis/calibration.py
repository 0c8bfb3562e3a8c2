"""Calibration targets of the ``baseline`` experiment: statistics, bands and the loss.

The baseline is the present-day ecosystem, 2023 to 2026, sixteen quarters. Each target is
a statistic of one run's metrics table, compared with a band taken from the model brief's
calibration section (pattern-oriented: several facts at once, each as a band, not a point).
Levels are averaged over the last two years (quarters 9 to 16), after the stylised initial
state has had a year to settle; the growth of the frontier is measured over quarters 4 to
16. ``experiments/calibrate.py`` searches the parameters; ``docs/CALIBRATION.md`` records the
result; ``tests/verification/test_calibration.py`` checks that the baseline stays in band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: the quarters whose mean a level statistic takes (1-based, inclusive)
WINDOW = (9, 16)
#: the quarters between which frontier growth is measured
GROWTH_FROM, GROWTH_TO = 4, 16


@dataclass(frozen=True)
class Target:
    """One calibration target: a statistic of a run and the band it should fall in."""

    name: str
    lo: float
    hi: float
    unit: str
    fact: str
    source: str

    @property
    def width(self) -> float:
        """Width of the band."""
        return self.hi - self.lo

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the band (inclusive)."""
        return self.lo <= value <= self.hi


TARGETS: tuple[Target, ...] = (
    Target("open_gap", 1.0, 4.0, "quarters",
           "open models trail the closed frontier by 1 to 4 quarters",
           "Epoch AI data insights (open vs closed frontier); Stanford AI Index 2025"),
    Target("frontier_growth", math.log10(4.0) / 4, math.log10(5.0) / 4, "OOM/quarter",
           "frontier training compute grows about 4 to 5 times a year",
           "Epoch AI, training compute of notable models (Sevilla et al. 2022; 2024 update)"),
    Target("hhi_api", 2500.0, 4000.0, "0-10000",
           "the frontier API layer has an HHI between about 2500 and 4000",
           "UK CMA, AI foundation models review (2023) and update (2024)"),
    Target("hhi_open", 0.0, 1500.0, "0-10000",
           "the open-weight tail is far less concentrated (unconcentrated: HHI below 1500)",
           "UK CMA (2024); HHI thresholds of the US Horizontal Merger Guidelines (2010)"),
    Target("open_release_share", 0.5, 2.0 / 3.0, "share",
           "roughly half to two thirds of new foundation models are released open",
           "Stanford AI Index 2024 (65.7% of 2023's foundation models open) and 2025"),
    Target("compute_cr4", 0.6, 0.75, "share",
           "a handful of firms hold about two thirds of compute",
           "UK CMA (2024); Stanford AI Index 2025; Epoch AI compute holdings"),
)


def statistics(metrics: pd.DataFrame) -> dict[str, float]:
    """The value of every target's statistic for one run's metrics table."""
    if len(metrics) < WINDOW[1]:
        raise ValueError(f"run.steps={len(metrics)}: calibration needs at least {WINDOW[1]}")
    by_step = metrics.set_index("step")
    window = by_step.loc[WINDOW[0]:WINDOW[1]]
    frontier = by_step["frontier_capability"]
    growth = (frontier.loc[GROWTH_TO] - frontier.loc[GROWTH_FROM]) / (GROWTH_TO - GROWTH_FROM)
    return {
        "open_gap": float(window["open_frontier_gap"].mean()),
        "frontier_growth": float(growth),
        "hhi_api": float(window["hhi_api"].mean()),
        "hhi_open": float(window["hhi_open"].mean()),
        "open_release_share": float(window["open_release_share"].mean()),
        "compute_cr4": float(window["compute_cr4"].mean()),
    }


def loss(means: dict[str, float], centre_weight: float = 0.1) -> float:
    """Squared distance outside the bands in band widths, plus a pull toward the centres.

    The second term (weight ``centre_weight``) prefers parameter sets whose means sit well
    inside their bands, so that seed noise is less likely to push them out.
    """
    total = 0.0
    for t in TARGETS:
        x = means[t.name]
        outside = max(t.lo - x, 0.0, x - t.hi) / t.width
        centre = (x - 0.5 * (t.lo + t.hi)) / t.width
        total += outside**2 + centre_weight * centre**2
    return total


def summarise(per_seed: list[dict[str, float]]) -> pd.DataFrame:
    """Mean, standard deviation, range and band of each target over seeds."""
    frame = pd.DataFrame(per_seed)
    rows = []
    for t in TARGETS:
        x = frame[t.name].to_numpy(dtype=float)
        rows.append({"target": t.name, "lo": t.lo, "hi": t.hi, "unit": t.unit,
                     "mean": float(x.mean()), "sd": float(x.std(ddof=1)) if x.size > 1 else 0.0,
                     "min": float(x.min()), "max": float(x.max()),
                     "in_band": t.contains(float(x.mean())),
                     "seeds_in_band": float(np.mean([t.contains(v) for v in x]))})
    return pd.DataFrame(rows)


BEGIN, END = "<!-- calibration:begin -->", "<!-- calibration:end -->"


def _fmt(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


def render_markdown(record: dict) -> str:
    """The result tables of a calibration record (``experiments/calibration.json``)."""
    targets = {t.name: t for t in TARGETS}
    lines = ["| Target | Band | Mean | SD | Min | Max | Seeds in band | Mean in band |",
             "|---|---|---|---|---|---|---|---|"]
    for row in record["validation"]:
        t = targets[row["target"]]
        lines.append(
            f"| `{t.name}` ({t.unit}) | {_fmt(t.lo)} to {_fmt(t.hi)} | {_fmt(row['mean'])} "
            f"| {_fmt(row['sd'])} | {_fmt(row['min'])} | {_fmt(row['max'])} "
            f"| {row['seeds_in_band']:.0%} | {'yes' if row['in_band'] else '**no**'} |")
    lines += ["", "| Parameter | Search range | Chosen |", "|---|---|---|"]
    for key, value in record["chosen"].items():
        lo, hi = record["free"][key]
        lines.append(f"| `{key}` | {lo:g} to {hi:g} | {value:g} |")
    stages = record["stages"]
    lines += ["", f"Command: `{record['command'].strip()}`; {record['wall_seconds']:.0f} s on "
              f"{record['machine']}. Stages: {stages['explore']['points']} Sobol points × "
              f"{len(stages['explore']['seeds'])} seeds; the best {stages['refine']['keep']} "
              f"on {len(stages['refine']['seeds'])} new seeds; "
              f"{stages['polish']['evaluations']} Nelder-Mead evaluations on those; "
              f"validation on the baseline's own {stages['validate']['run.replicates']} "
              f"replicates of `run.seed={stages['validate']['run.seed']}`. "
              f"Loss of the chosen set on the refine seeds: {record['loss']:.3g}."]
    if "revalidated" in record:
        lines[-1] += (f" The validation was run again on {record['revalidated']}, on "
                      f"{stages['validate']['run.replicates']} replicates (`python "
                      f"experiments/calibrate.py --revalidate --validate-seeds "
                      f"{stages['validate']['run.replicates']}`): the table above is "
                      "that run.")
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str:
    """``text`` with the part between the calibration markers replaced by ``block``."""
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    if not rest:
        raise ValueError(f"the calibration markers {BEGIN} ... {END} are missing")
    return f"{head}{BEGIN}\n{block}\n{END}{tail}"
