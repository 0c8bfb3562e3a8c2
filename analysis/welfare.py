"""Where a report's welfare ranking flips as the weight put on harm grows.

``welfare`` (ODD 7.16) counts one harm unit as one price unit: consumer surplus plus firms'
margins minus harm, per user and quarter, with harm divided by ``market.market_size`` (M).
With a weight ``w`` on harm instead, a run's welfare is ``welfare - (w - 1) harm / M``, so a
cell's welfare difference from the reference cell, ``dW - (w - 1) dH / M``, changes sign at

    w* = 1 + M dW / dH,

where dW and dH are the mean paired differences of the run means of welfare and harm over
the seeds the two cells share. On the two sides of w* the two cells rank the other way round.
A harm difference whose 95% interval covers zero leaves the ranking to the other terms at
every weight the data can tell apart.
"""

from __future__ import annotations

from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from analysis.answer import cell_name
from analysis.design import Design, manifests
from analysis.stats import cell, mean_ci
from analysis.theme import num

WELFARE, HARM = "welfare_mean", "harm_mean"


def market_size(root: Path) -> float | None:
    """``market.market_size`` of the runs under ``root``, or None if it differs or is unknown."""
    sizes = set()
    for rel in manifests(root):
        path = Path(root) / rel / "config.yaml"
        if not path.is_file():
            return None
        sizes.add(float(yaml.safe_load(path.read_text())["market"]["market_size"]))
    return sizes.pop() if len(sizes) == 1 else None


def _paired(summary: pd.DataFrame, col: str, a: dict[str, Any],
            b: dict[str, Any]) -> np.ndarray:
    x, y = cell(summary, a)[col], cell(summary, b)[col]
    both = x.index.intersection(y.index)
    d = (x.loc[both] - y.loc[both]).to_numpy(dtype=float)
    return d[np.isfinite(d)]


def _signed(x: float) -> str:
    return ("+" if x > 0 else "") + num(x)


def flip_weight(d_welfare: float, d_harm: float, size: float) -> float:
    """The weight on harm at which a welfare difference changes sign (may be negative)."""
    return 1.0 + size * d_welfare / d_harm


def harm_weight_lines(summary: pd.DataFrame, d: Design, size: float | None) -> list[str]:
    """One sentence per cell: its welfare ranking against the reference, and where it flips."""
    if not d.levers or size is None or WELFARE not in summary or HARM not in summary:
        return []
    out = []
    for key in product(*(d.levels[lv] for lv in d.levers)):
        where = dict(zip(d.levers, key, strict=True))
        if where == d.reference:
            continue
        dw, dh = _paired(summary, WELFARE, where, d.reference), _paired(
            summary, HARM, where, d.reference)
        if dw.size < 2 or dh.size < 2:
            continue
        if not (dw.any() or dh.any()):
            out.append(f"{cell_name(where)}: the same welfare and harm as the reference in "
                       "every seed.")
            continue
        w, (h, h_lo, h_hi) = float(dw.mean()), mean_ci(dh)
        head = (f"{cell_name(where)}: welfare {_signed(w)} at the model's weight, harm "
                f"{_signed(h)} [{num(h_lo)}, {num(h_hi)}] a quarter")
        if w == 0 or (h_lo <= 0 <= h_hi):
            out.append(head + ": the harm difference is not clear, so the ranking does not "
                              "hang on the weight.")
            continue
        star = flip_weight(w, h, size)
        if star <= 0:
            out.append(head + ": the ranking holds at every weight on harm.")
        elif star > 1:
            out.append(head + f": the ranking flips if a harm unit costs more than {num(star)} "
                              "price units.")
        else:
            out.append(head + f": the ranking flips if a harm unit costs less than {num(star)} "
                              "price units.")
    return out
