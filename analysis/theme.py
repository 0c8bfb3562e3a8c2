"""The one look of every aieco figure: theme, palette, and labels with units."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; no display is needed or assumed

import seaborn as sns

from sim.metrics import OUTCOMES

# seaborn's colour-blind palette, reordered so that the first levels are far apart
# (its orange and vermillion sit side by side in the default order)
PALETTE = [sns.color_palette("colorblind")[i] for i in (0, 3, 2, 4, 9, 5, 7, 8, 1, 6)]
CMAP = "viridis"
DPI = 150

#: outcomes reported as the run mean (flows per quarter) rather than the final value
FLOW_UNITS = ("count/quarter", "harm units/quarter", "mu/quarter", "contributions/quarter")


def set_theme() -> None:
    """Apply the aieco theme to matplotlib and seaborn."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE,
                  rc={"figure.dpi": DPI, "savefig.dpi": DPI, "savefig.bbox": "tight",
                      "axes.titleweight": "bold", "legend.frameon": False})


def num(value: float) -> str:
    """A number with about three significant figures.

    Never in scientific notation between 0.001 and a million.
    """
    if value != value:  # NaN
        return "nan"
    a = abs(value)
    if a == 0 or 1e-3 <= a < 1e6:
        if a >= 100:
            return f"{value:.0f}"
        return f"{value:.3g}" if a >= 1 else f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{value:.2e}"


def is_flow(outcome: str) -> bool:
    """Whether an outcome is a per-quarter flow (summarised by its run mean)."""
    return OUTCOMES.get(outcome, ("", ""))[0] in FLOW_UNITS


def summary_column(outcome: str) -> str:
    """The summary.parquet column that summarises ``outcome`` for one run."""
    return f"{outcome}_mean" if is_flow(outcome) else f"{outcome}_final"


def label(outcome: str, summarised: bool = False) -> str:
    """Axis label: the outcome's name with its unit (and how a run is summarised)."""
    unit = OUTCOMES.get(outcome, ("", ""))[0]
    name = outcome.replace("_", " ")
    how = (" (run mean)" if is_flow(outcome) else " (final)") if summarised else ""
    return f"{name}{how} [{unit}]" if unit and unit != "-" else f"{name}{how}"


def lever_label(lever: str) -> str:
    """A lever's name for legends and axes (config keys with a dot stay as they are)."""
    return lever if "." in lever else lever.replace("_", " ")
