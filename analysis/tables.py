r"""Tables for papers: any report table as CSV and as LaTeX (booktabs), units in the headers.

One call, :func:`write_table`, writes ``STEM.csv`` and ``STEM.tex`` from a DataFrame:

- the CSV keeps numbers as numbers (an interval as three columns: the value, ``... lo``
  and ``... hi``), so a reader can recompute anything;
- the LaTeX table shows an interval as ``value [lo, hi]`` in one cell, numbers with about
  three significant figures, underscores and other specials escaped, ``\toprule``,
  ``\midrule`` and ``\bottomrule`` (``\usepackage{booktabs}``), a caption and a label.

Headers carry units (``hhi [0-10000]``) from ``units``, or from the metric table
(:data:`sim.metrics.OUTCOMES`) for an outcome column. Writes are atomic.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"regime": ["closed"], "hhi": [2500.0], "hhi_lo": [2400.0],
...                    "hhi_hi": [2600.0]})
>>> print(to_latex(df, ci={"hhi": ("hhi", "hhi_lo", "hhi_hi")}).splitlines()[4])
closed & 2500 [2400, 2600] \\
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.theme import num
from sim.io import write_text

#: LaTeX special characters and their escapes
_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
            "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
            "^": r"\textasciicircum{}"}

CI = Mapping[str, tuple[str, str, str]]


def escape(text: str) -> str:
    """``text`` safe inside a LaTeX table."""
    return "".join(_SPECIAL.get(ch, ch) for ch in str(text))


def number(value: Any) -> str:
    """A number with about three significant figures (text and integers as they are)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return str(value)
    return "--" if math.isnan(value) else num(value)


def unit_of(column: str, units: Mapping[str, str] | None = None) -> str:
    """The unit of a column: given in ``units``, else the outcome's from the metric table."""
    if units and column in units:
        return units[column]
    from sim.metrics import OUTCOMES

    base = column.removesuffix("_final").removesuffix("_mean")
    unit = OUTCOMES.get(base, ("", ""))[0]
    return "" if unit in ("-", "flag") else unit


def header(column: str, units: Mapping[str, str] | None = None) -> str:
    """``name [unit]``, or the name alone for a column without a unit."""
    unit = unit_of(column, units)
    return f"{column} [{unit}]" if unit else column


def to_csv(df: pd.DataFrame, units: Mapping[str, str] | None = None, ci: CI | None = None) -> str:
    """The table as CSV: numbers kept whole, an interval as value, lo and hi columns."""
    ci = dict(ci or {})
    out = pd.DataFrame(index=df.index)
    used = {c for cols in ci.values() for c in cols}
    for col in df.columns:
        if col in ci:
            value, lo, hi = ci[col]
            h = header(col, units)
            out[h] = df[value]
            out[f"{h} 95% lo"] = df[lo]
            out[f"{h} 95% hi"] = df[hi]
        elif col not in used:
            out[header(col, units)] = df[col]
    for col, (value, lo, hi) in ci.items():
        if col not in df.columns:
            h = header(col, units)
            out[h], out[f"{h} 95% lo"], out[f"{h} 95% hi"] = df[value], df[lo], df[hi]
    return str(out.to_csv(index=False, lineterminator="\n"))


def _cells(df: pd.DataFrame, ci: CI) -> tuple[list[str], list[list[str]]]:
    used = {c for cols in ci.values() for c in cols}
    names = [c for c in df.columns if c in ci or c not in used]
    names += [c for c in ci if c not in names]
    rows = []
    for _, rec in df.iterrows():
        row = []
        for c in names:
            if c in ci:
                v, lo, hi = (rec[k] for k in ci[c])
                row.append(f"{number(v)} [{number(lo)}, {number(hi)}]"
                           if not (pd.isna(lo) or pd.isna(hi)) else number(v))
            else:
                row.append(number(rec[c]))
        rows.append(row)
    return names, rows


def to_latex(df: pd.DataFrame, units: Mapping[str, str] | None = None, ci: CI | None = None,
             caption: str = "", label: str = "", note: str = "") -> str:
    """The table as a LaTeX booktabs ``tabular`` (in a ``table`` float with a caption)."""
    names, rows = _cells(df, dict(ci or {}))
    numeric = [all(_is_num(r[i]) for r in rows) for i in range(len(names))]
    spec = "".join("r" if n else "l" for n in numeric)
    lines = [r"\begin{tabular}{" + spec + "}", r"\toprule",
             " & ".join(escape(header(c, units)) for c in names) + r" \\", r"\midrule"]
    lines += [" & ".join(escape(cell) for cell in row) + r" \\" for row in rows]
    lines.append(r"\bottomrule")
    lines.append(r"\end{tabular}")
    if not caption and not label:
        return "\n".join(lines) + "\n"
    text = caption + (f" {note}" if note else "") + (
        " Intervals: 95%." if ci else "")
    head = [r"\begin{table}[htbp]", r"\centering", r"\caption{" + escape(text.strip()) + "}"]
    if label:
        head.append(r"\label{" + label + "}")
    return "\n".join([*head, *lines, r"\end{table}"]) + "\n"


def _is_num(cell: str) -> bool:
    token = cell.split(" ")[0]
    try:
        float(token)
    except ValueError:
        return token == "--"
    return True


def write_table(df: pd.DataFrame, stem: str | Path, *, units: Mapping[str, str] | None = None,
                ci: CI | None = None, caption: str = "", label: str = "",
                note: str = "") -> tuple[Path, Path]:
    r"""Write ``STEM.csv`` and ``STEM.tex`` (atomically); returns both paths.

    Parameters
    ----------
    df : DataFrame
        One row per table row; intervals as separate columns named in ``ci``.
    stem : path
        The files' path without suffix (its folder is created).
    units : mapping, optional
        Column -> unit; outcome columns find theirs in the metric table.
    ci : mapping, optional
        Shown column -> (value column, lower bound column, upper bound column).
    caption, label, note : str
        The LaTeX caption, ``\label`` and a sentence appended to the caption.
    """
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    csv_path, tex_path = stem.with_suffix(".csv"), stem.with_suffix(".tex")
    write_text(to_csv(df, units, ci), csv_path)
    write_text(to_latex(df, units, ci, caption or stem.name.replace("_", " "),
                        label or f"tab:{stem.name}", note), tex_path)
    return csv_path, tex_path


def columns_with_ci(names: Sequence[str]) -> dict[str, tuple[str, str, str]]:
    """``{name: (name, name_lo, name_hi)}``: the usual spelling of intervals in a frame."""
    return {n: (n, f"{n}_lo", f"{n}_hi") for n in names}
