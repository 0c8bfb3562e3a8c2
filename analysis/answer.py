"""The sentences and tables a report opens with, computed from the runs.

The answer reads the experiment's first lever as the question's treatment and its second as
the context it may depend on: the effect of each level of the first lever against the
reference cell, paired by seed, and how that effect changes at the other levels of the
second (the interaction contrast, itself paired by seed). The flags say what the numbers
must not be read as: outcomes that are the same in every run or every seed of a cell (fixed
by the design or the regime, not findings), cells whose runs are identical (the levers
between them do not reach the model), and levers that do not move an outcome at all.
"""

from __future__ import annotations

from itertools import combinations, product
from typing import Any

import numpy as np
import pandas as pd

from analysis.design import Design
from analysis.stats import Effect, cell, cell_ci, fixed_value, interaction, paired
from analysis.theme import is_flow, num, summary_column


def cell_name(where: dict[str, Any]) -> str:
    """``openness=closed, regulation=liability`` (``all runs`` for no lever)."""
    return ", ".join(f"{k}={v}" for k, v in where.items()) or "all runs"


def described(outcome: str) -> str:
    """An outcome's name and how a run is summarised."""
    return f"`{outcome}` ({'run mean' if is_flow(outcome) else 'final value'})"


def _others(d: Design, *skip: str) -> dict[str, Any]:
    return {k: v for k, v in d.reference.items() if k not in skip}


def _sentence(effect: Effect) -> str:
    verdict = effect.verdict()
    return effect.text() + (f", {verdict}" if verdict else "")


def main_effects(summary: pd.DataFrame, d: Design, outcome: str) -> list[tuple[Any, Effect]]:
    """Each level of the first lever against the reference, the other levers at reference."""
    first = d.levers[0]
    return [(level, paired(summary, outcome, {**d.reference, first: level}, d.reference))
            for level in d.levels[first] if level != d.reference[first]]


def answer(summary: pd.DataFrame, d: Design, outcome: str) -> str:
    """The one-paragraph answer for ``outcome``."""
    if not d.levers:
        values = summary[summary_column(outcome)]
        m, lo, hi = cell_ci(values, outcome)
        spread = ("in every seed (fixed)" if fixed_value(values) is not None else
                  f"[{num(lo)}, {num(hi)}]" if np.isfinite(lo) else "(one seed: no interval)")
        return f"{described(outcome)}: {num(m)} {spread} over {len(values)} seeds."
    first, ref = d.levers[0], d.reference
    context = cell_name(_others(d, first))
    effects = main_effects(summary, d, outcome)
    parts = [f"against `{first}={ref[first]}`" + (f" (with {context})" if context != "all runs"
                                                   else "")
             + f", {described(outcome)} changes "
             + "; ".join(f"at `{level}` {'by ' if e.n else ''}{_sentence(e)}"
                         for level, e in effects)]
    if len(d.levers) >= 2 and effects:
        parts.append(_dependence(summary, d, outcome, effects))
    return " ".join(p[0].upper() + p[1:] + "." for p in parts)


def _dependence(summary: pd.DataFrame, d: Design, outcome: str,
                effects: list[tuple[Any, Effect]]) -> str:
    """How the largest effect of the first lever changes with the second lever."""
    first, second, ref = d.levers[0], d.levers[1], d.reference
    chosen = [le for le in effects if d.meta.focus and str(le[0]) == str(d.meta.focus)]
    level, at_ref = chosen[0] if chosen else max(
        effects, key=lambda le: abs(le[1].mean) if le[1].n else -1.0)
    rest = _others(d, first, second)
    pieces = []
    for other in d.levels[second]:
        if other == ref[second]:
            continue
        here = {**rest, second: other}
        effect = paired(summary, outcome, {**here, first: level}, {**here, first: ref[first]})
        inter = interaction(summary, outcome, first, second,
                            (ref[first], level, ref[second], other), rest)
        verdict = inter.verdict()
        pieces.append(f"{effect.text()} at `{second}={other}` (difference "
                      f"{inter.text(relative=False)}" + (f", {verdict}" if verdict else "") + ")")
    return (f"the effect of `{first}={level}` ({at_ref.text()} at `{second}={ref[second]}`) "
            "is " + "; ".join(pieces))


def effects_table(summary: pd.DataFrame, d: Design, outcomes: list[str]) -> pd.DataFrame:
    """Every cell against the reference: paired difference [95% CI] (relative) per outcome."""
    rows = []
    for key in product(*(d.levels[lv] for lv in d.levers)):
        where = dict(zip(d.levers, key, strict=True))
        if where == d.reference:
            continue
        row: dict[str, Any] = {**where}
        for outcome in outcomes:
            e = paired(summary, outcome, where, d.reference)
            row["seeds"] = e.n
            row[outcome] = e.text() + (" *" if e.clear else "")
        rows.append(row)
    return pd.DataFrame(rows)


def interactions_table(summary: pd.DataFrame, d: Design, outcomes: list[str]) -> pd.DataFrame:
    """For two levers: each (a, b) contrast, (a - a0 at b) - (a - a0 at b0), per outcome."""
    first, second, ref = d.levers[0], d.levers[1], d.reference
    rest = _others(d, first, second)
    rows = []
    for a, b in product(d.levels[first], d.levels[second]):
        if a == ref[first] or b == ref[second]:
            continue
        row: dict[str, Any] = {first: a, second: b}
        for outcome in outcomes:
            e = interaction(summary, outcome, first, second, (ref[first], a, ref[second], b),
                            rest)
            row[outcome] = e.text(relative=False) + (" *" if e.clear else "")
        rows.append(row)
    return pd.DataFrame(rows)


def flags(summary: pd.DataFrame, d: Design, outcomes: list[str]) -> list[str]:
    """What must not be read as a finding, one sentence each."""
    out = []
    cells = [dict(zip(d.levers, key, strict=True))
             for key in product(*(d.levels[lv] for lv in d.levers))]
    for outcome in outcomes:
        col = summary_column(outcome)
        constant = fixed_value(summary[col])
        if constant is not None:
            out.append(f"{described(outcome)} is {num(constant)} in every run: fixed by the "
                       "design, not a finding.")
            continue
        if d.levers and not np.isfinite(
                cell(summary, d.reference)[col].to_numpy(dtype=float)).any():
            out.append(f"{described(outcome)} is undefined in every run of the reference cell "
                       f"({cell_name(d.reference)}): no difference from it can be given; see "
                       "the cell means.")
        fixed = [(c, v) for c in cells
                 if (v := fixed_value(cell(summary, c)[col])) is not None]
        if fixed:
            out.append(f"{described(outcome)} is the same in every seed (fixed by the regime, "
                       "or held at a limit of its range) in "
                       + "; ".join(f"{cell_name(c)} ({num(v)})" for c, v in fixed) + ".")
        out += [f"`{lever}` does not move {described(outcome)}: its levels give identical "
                "values in every seed." for lever in d.levers if _inert(summary, d, lever, col)]
    out += _identical_cells(summary, d, cells)
    if d.seeds[1] < 2:
        out.append("One seed per setting: no interval can be given and no difference is "
                   "called clear; run more replicates (`run.replicates=10`).")
    return out


def _inert(summary: pd.DataFrame, d: Design, lever: str, col: str) -> bool:
    """Whether every level of ``lever`` gives the same value in every seed and context."""
    others = [lv for lv in d.levers if lv != lever]
    groups = summary.groupby([*others, "seed", "replicate"], observed=True)[col] if others \
        else summary.groupby(["seed", "replicate"], observed=True)[col]
    sizes = groups.size()
    if (sizes < 2).all():
        return False
    same = groups.agg(lambda s: bool(np.all(s.to_numpy() == s.to_numpy()[0])))
    return bool(same.all())


def _identical_cells(summary: pd.DataFrame, d: Design, cells: list[dict[str, Any]]) -> list[str]:
    """Pairs of cells whose runs agree on every summarised outcome, seed by seed."""
    if not d.levers or len(cells) < 2:
        return []
    cols = [c for c in summary.columns if str(c).endswith(("_final", "_mean"))
            and pd.api.types.is_numeric_dtype(summary[c])]
    tables = [cell(summary, c)[cols].sort_index() for c in cells]
    same = []
    for (i, a), (j, b) in combinations(enumerate(tables), 2):
        if len(a) and a.index.equals(b.index) and np.array_equal(
                a.to_numpy(dtype=float), b.to_numpy(dtype=float), equal_nan=True):
            same.append(f"{cell_name(cells[i])} and {cell_name(cells[j])}")
    if not same:
        return []
    return ["Identical in every seed and every outcome (the lever between them does not "
            "reach the model): " + "; ".join(same) + "."]
