"""Charts as SVG text: lines with confidence bands, heatmaps, horizontal bars.

Drawn by hand rather than with matplotlib because a live step has about 100 ms for the model
and the page together: these charts build in about a millisecond each and the browser draws
them at once. Every chart carries the numbers it plots in data attributes (``data-x``,
``data-series`` as JSON, NaN as null), so a test can read the plotted values back from the
page, and each point has a hover tooltip. Colours follow the reports (seaborn's
colour-blind palette, as in :mod:`analysis.theme`); heatmaps use viridis.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

#: seaborn "colorblind", in the reports' order, with its yellow moved last (poor on white)
PALETTE = ("#0173b2", "#d55e00", "#029e73", "#cc78bc", "#56b4e9", "#ca9161", "#949494",
           "#de8f05", "#fbafe4", "#ece133")
VIRIDIS = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962",
           "#addc30", "#fde725")
FONT = "font-family='Roboto, Helvetica, Arial, sans-serif'"


@dataclass
class Series:
    """One line: values ``y`` at ``x``, an optional band ``lo``..``hi``."""

    name: str
    x: ArrayLike
    y: ArrayLike
    lo: ArrayLike | None = None
    hi: ArrayLike | None = None
    color: str | None = None
    dash: bool = False
    note: str = ""  # what the series is (a tooltip on its legend entry and line)


def number(value: float) -> str:
    """A number with about three significant figures (``nan`` for NaN)."""
    if value is None or not math.isfinite(value):
        return "nan"
    a = abs(value)
    if a == 0 or 1e-3 <= a < 1e6:
        if a >= 100:
            return f"{value:.0f}"
        return f"{value:.3g}" if a >= 1 else f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{value:.2e}"


def nice_ticks(lo: float, hi: float, n: int = 5, integer: bool = False) -> list[float]:
    """About ``n`` round tick values covering [lo, hi] (steps of 1, 2 or 5 times 10^k).

    ``integer`` keeps the steps whole (quarters, counts of levels).
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(1, n - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10)  # the finest step giving at most n+1
                if math.floor(hi / (m * mag)) - math.ceil(lo / (m * mag)) + 1 <= n + 1)
    if integer:
        step = float(max(1, math.ceil(step)))
    start = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = start
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 12))
        v += step
    return ticks


def tick(value: float, ticks: list[float]) -> str:
    """A tick label with as many decimals as the step between ticks needs."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 0.0
    if step == 0 or not (1e-3 <= abs(value) < 1e6 or value == 0):
        return number(value)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9) + (0 if round(
        step / 10 ** math.floor(math.log10(step)), 6) in (1, 2, 5) else 1))
    return f"{value:.{decimals}f}"


def _finite(values: ArrayLike | None) -> np.ndarray:
    if values is None:
        return np.zeros(0)
    arr = np.asarray(values, dtype=float)
    return arr[np.isfinite(arr)]


def _segments(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Index runs where ``y`` is finite (a NaN breaks the line)."""
    ok = np.isfinite(y) & np.isfinite(x)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > 1) + 1
    return np.split(idx, breaks)


def _y_range(series: list[Series], include_zero: bool,
             fixed: tuple[float, float] | None) -> tuple[float, float]:
    if fixed is not None:
        return fixed
    values = np.concatenate([np.concatenate([_finite(s.y), _finite(s.lo), _finite(s.hi)])
                             for s in series]) if series else np.zeros(0)
    if values.size == 0:
        return (0.0, 1.0)
    lo, hi = float(values.min()), float(values.max())
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-12 * max(1.0, abs(hi)):  # one value: centre it, or start at zero
        pad = 0.5 * abs(hi) if hi else 1.0
        return (0.0, hi + pad if hi else 1.0) if include_zero and lo >= 0 else (lo - pad,
                                                                               hi + pad)
    pad = 0.06 * (hi - lo)
    return (lo if include_zero and lo == 0 else lo - pad), hi + pad


def _attr(text: str) -> str:
    """Text for a single-quoted attribute (double quotes, as in JSON, stay as they are)."""
    return html.escape(text, quote=False).replace("'", "&#x27;")


def _compact(data: object) -> str:
    """JSON without spaces (every float still exact: JSON writes the shortest repr)."""
    return json.dumps(data, separators=(",", ":"))


def _json(values: ArrayLike) -> list[float | None]:
    return [float(v) if v is not None and math.isfinite(v) else None
            for v in np.asarray(values, dtype=float).ravel()]


def _legend(series: list[Series], width: float, y0: float) -> tuple[list[str], float]:
    """Legend swatches in rows; returns the elements and the height used."""
    parts, x, y = [], 52.0, y0
    for s in series:
        empty = np.asarray(s.y).size > 0 and _finite(s.y).size == 0  # values, none defined
        label = s.name + (" (undefined)" if empty else "")
        w = 22 + 6.4 * len(label)
        if x + w > width and x > 52:
            x, y = 52.0, y + 15
        dash = " stroke-dasharray='4 3'" if s.dash else ""
        tip = f"<title>{html.escape(s.name + ': ' + s.note)}</title>" if s.note else ""
        parts.append(f"<g>{tip}<line x1='{x:.1f}' y1='{y - 4:.1f}' x2='{x + 14:.1f}' "
                     f"y2='{y - 4:.1f}' stroke='{s.color}' stroke-width='3'{dash}/>"
                     f"<text x='{x + 18:.1f}' y='{y:.1f}' font-size='11' "
                     f"fill='{'#999' if empty else '#333'}'>{html.escape(label)}</text></g>")
        x += w + 10
    return parts, (y - y0) + 15


@dataclass
class Frame2D:
    """The plot area of a chart and its data ranges; maps values to pixels."""

    left: float
    top: float
    width: float
    height: float
    x0: float
    x1: float
    y0: float
    y1: float

    def sx(self, v: Any) -> Any:
        """x pixel(s) of value(s) ``v``."""
        return self.left + (v - self.x0) / (self.x1 - self.x0) * self.width

    def sy(self, v: Any) -> Any:
        """y pixel(s) of value(s) ``v``."""
        return self.top + (1 - (v - self.y0) / (self.y1 - self.y0)) * self.height


def _title(title: str, unit: str) -> str:
    return (f"<text x='8' y='16' font-size='13' font-weight='600' fill='#222'>"
            f"{html.escape(title)}<tspan font-weight='400' fill='#666' font-size='11'>"
            f"{'  [' + html.escape(unit) + ']' if unit else ''}</tspan></text>")


def _axes(f: Frame2D, x_label: str, zero_line: bool, bottom_y: float) -> list[str]:
    """Grid, tick labels, the x label, an optional zero line and the frame."""
    right, base = f.left + f.width, f.top + f.height
    yt = nice_ticks(f.y0, f.y1)
    out = [f"<line x1='{f.left}' x2='{right}' y1='{f.sy(v):.1f}' y2='{f.sy(v):.1f}' "
           f"stroke='#e6e6e6'/><text x='{f.left - 5}' y='{f.sy(v) + 4:.1f}' font-size='10' "
           f"fill='#555' text-anchor='end'>{tick(v, yt)}</text>" for v in yt]
    out += [f"<text x='{f.sx(v):.1f}' y='{base + 14:.1f}' font-size='10' fill='#555' "
            f"text-anchor='middle'>{number(v)}</text>"
            for v in nice_ticks(f.x0, f.x1, 6, integer=True)]
    out.append(f"<text x='{right}' y='{bottom_y}' font-size='10' fill='#777' "
               f"text-anchor='end'>{html.escape(x_label)}</text>")
    if zero_line and f.y0 < 0 < f.y1:
        out.append(f"<line x1='{f.left}' x2='{right}' y1='{f.sy(0):.1f}' y2='{f.sy(0):.1f}' "
                   "stroke='#444' stroke-width='1'/>")
    out.append(f"<rect x='{f.left}' y='{f.top}' width='{f.width:.1f}' height='{f.height:.1f}' "
               "fill='none' stroke='#bbb'/>")
    return out


def line_chart(series: list[Series], *, title: str, unit: str = "", testid: str = "",
               width: int = 380, height: int = 220, x_label: str = "quarter",
               x_range: tuple[float, float] | None = None, include_zero: bool = False,
               y_range: tuple[float, float] | None = None, zero_line: bool = False,
               hover: bool = True) -> str:
    """A line chart with optional bands, as one ``<svg>`` element.

    ``hover`` adds a tooltip to every point (about 100 bytes each); without it only the
    lines and legend entries explain themselves.
    """
    for i, s in enumerate(series):
        s.color = s.color or PALETTE[i % len(PALETTE)]
    legend, used = _legend(series, width - 8, 34) if len(series) > 1 else ([], 0.0)
    top = 26.0 + used + 6
    xs_all = np.concatenate([_finite(s.x) for s in series]) if series else np.zeros(0)
    x0, x1 = x_range if x_range else ((float(xs_all.min()), float(xs_all.max()))
                                     if xs_all.size else (0.0, 1.0))
    y0, y1 = _y_range(series, include_zero or zero_line, y_range)
    f = Frame2D(52.0, top, width - 64.0, height - top - 30.0, x0, max(x1, x0 + 1), y0, y1)
    body = _axes(f, x_label, zero_line, height - 3)
    for s in series:
        body.extend(_draw_series(s, f.sx, f.sy, hover))
    data = {s.name: _json(s.y) for s in series}
    xs = _json(series[0].x) if series else []
    attrs = (f"data-testid='{html.escape(testid)}' data-x='{_attr(_compact(xs))}' "
             f"data-series='{_attr(_compact(data))}'")
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}' {FONT} class='aieco-chart aieco-line' {attrs} "
            f"style='flex: 1 1 {0.85 * width:.0f}px; max-width: {1.25 * width:.0f}px; "
            "width: 100%; height: auto' role='img' "
            f"aria-label='{html.escape(title)}'>" + "".join([_title(title, unit), *legend, *body])
            + "</svg>")


def _points(px: list[float], py: list[float], idx: list[int]) -> str:
    # whole pixels: a page of charts is a third smaller, and a half pixel does not show
    return " ".join([f"{px[i]:.0f},{py[i]:.0f}" for i in idx])


def _draw_series(s: Series, sx, sy, hover: bool) -> list[str]:
    """A series' band, line and (with ``hover``) point tooltips; ``sx``/``sy`` map arrays."""
    x = np.asarray(s.x, dtype=float)
    y = np.asarray(s.y, dtype=float)
    out = []
    banded = s.lo is not None and s.hi is not None
    lo = np.asarray(s.lo if banded else np.full(y.shape, np.nan), dtype=float)
    hi = np.asarray(s.hi if banded else np.full(y.shape, np.nan), dtype=float)
    px, py = sx(x).tolist(), sy(y).tolist()  # plain floats format several times faster
    if banded:
        plo, phi = sy(lo).tolist(), sy(hi).tolist()
        for seg in _segments(x, lo + hi):
            idx = seg.tolist()
            pts = _points(px, phi, idx) + " " + _points(px, plo, idx[::-1])
            out.append(f"<polygon points='{pts}' fill='{s.color}' fill-opacity='0.18' "
                       "stroke='none'/>")
    dash = " stroke-dasharray='5 3'" if s.dash else ""
    tip = f"<title>{html.escape(s.name + ': ' + s.note)}</title>" if s.note else ""
    for seg in _segments(x, y):
        if seg.size == 1:
            i = int(seg[0])
            out.append(f"<circle cx='{px[i]:.1f}' cy='{py[i]:.1f}' r='2.5' fill='{s.color}'/>")
            continue
        out.append(f"<polyline points='{_points(px, py, seg.tolist())}' fill='none' "
                   f"stroke='{s.color}' stroke-width='2' stroke-linejoin='round'{dash}>{tip}"
                   "</polyline>")
    name = html.escape(s.name)
    for i in np.flatnonzero(np.isfinite(y) & np.isfinite(x)).tolist() if hover else []:
        band = ""
        if math.isfinite(lo[i] + hi[i]):
            band = f" (95% CI {number(lo[i])} to {number(hi[i])})"
        out.append(f"<circle cx='{px[i]:.1f}' cy='{py[i]:.1f}' r='5' fill='transparent'>"
                   f"<title>{name}: {number(y[i])}{band} at {number(x[i])}</title></circle>")
    return out


def colour(t: float) -> str:
    """Viridis at ``t`` in [0, 1] (linear between nine anchors); grey for NaN."""
    if not math.isfinite(t):
        return "#dddddd"
    t = min(1.0, max(0.0, t)) * (len(VIRIDIS) - 1)
    i = min(int(t), len(VIRIDIS) - 2)
    a, b = VIRIDIS[i], VIRIDIS[i + 1]
    f = t - i
    rgb = [round(int(a[k:k + 2], 16) * (1 - f) + int(b[k:k + 2], 16) * f) for k in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def heatmap(rows: Sequence[str], cols: Sequence[str], values: np.ndarray, *, title: str,
            row_label: str, col_label: str, unit: str = "", testid: str = "",
            width: int = 560) -> str:
    """A heatmap of ``values[i, j]`` for row ``rows[i]`` and column ``cols[j]``, annotated."""
    values = np.asarray(values, dtype=float)
    left = 14 + 6.6 * max([len(str(r)) for r in rows] + [len(row_label)])
    top, cell_h = 60.0, 30.0
    cell_w = (width - left - 10) / max(1, len(cols))
    height = int(top + cell_h * len(rows) + 34)
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    span = (hi - lo) or 1.0
    out = [_title(title, unit),
           f"<text x='{left:.1f}' y='{top - 26:.1f}' font-size='11' fill='#555'>"
           f"{html.escape(col_label)} →</text>",
           f"<text x='8' y='{top - 6:.1f}' font-size='11' fill='#555'>"
           f"{html.escape(row_label)} ↓</text>"]
    for j, c in enumerate(cols):
        out.append(f"<text x='{left + (j + 0.5) * cell_w:.1f}' y='{top - 6:.1f}' font-size='10' "
                   f"fill='#333' text-anchor='middle'>{html.escape(_short(str(c), cell_w))}</text>")
    for i, r in enumerate(rows):
        y = top + i * cell_h
        out.append(f"<text x='{left - 6:.1f}' y='{y + cell_h / 2 + 4:.1f}' font-size='10' "
                   f"fill='#333' text-anchor='end'>{html.escape(str(r))}</text>")
        for j, c in enumerate(cols):
            v = values[i, j]
            t = (v - lo) / span if math.isfinite(v) else float("nan")
            ink = "#fff" if math.isfinite(t) and t < 0.6 else "#111"
            out.append(f"<rect x='{left + j * cell_w:.1f}' y='{y:.1f}' width='{cell_w - 1:.1f}' "
                       f"height='{cell_h - 1:.1f}' fill='{colour(t)}'><title>"
                       f"{html.escape(f'{row_label}={r}, {col_label}={c}')}: {number(v)}</title>"
                       f"</rect><text x='{left + (j + 0.5) * cell_w:.1f}' "
                       f"y='{y + cell_h / 2 + 4:.1f}' font-size='11' fill='{ink}' "
                       f"text-anchor='middle' pointer-events='none'>{number(v)}</text>")
    out.append(f"<text x='{left:.1f}' y='{height - 10}' font-size='10' fill='#555'>colour: "
               f"{number(lo)} (dark) to {number(hi)} (light); grey: no value</text>")
    data = {"rows": [str(r) for r in rows], "cols": [str(c) for c in cols],
            "values": [_json(row) for row in values]}
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}' {FONT} class='aieco-chart' "
            f"data-testid='{html.escape(testid)}' data-values='{_attr(_compact(data))}' "
            f"role='img' aria-label='{html.escape(title)}'>" + "".join(out) + "</svg>")


def _short(text: str, width: float) -> str:
    room = max(3, int(width / 6))
    return text if len(text) <= room else text[: room - 1] + "…"


def bars(labels: Sequence[str], values: Sequence[float], *, title: str, unit: str = "",
         testid: str = "", colors: Sequence[str] | None = None, width: int = 380,
         x_max: float | None = None) -> str:
    """Horizontal bars, one per label, with the value written beside each."""
    left = 14 + 6.4 * max([len(str(label)) for label in labels] + [4])
    top, bar_h = 28.0, 18.0
    height = int(top + bar_h * len(labels) + 10)
    vals = np.asarray(values, dtype=float)
    top_value = x_max if x_max else (float(np.nanmax(vals)) if vals.size and np.isfinite(
        vals).any() else 1.0) or 1.0
    room = width - left - 56
    out = [_title(title, unit)]
    for i, (label, v) in enumerate(zip(labels, vals, strict=True)):
        y = top + i * bar_h
        w = max(0.0, v / top_value * room) if math.isfinite(v) else 0.0
        fill = colors[i] if colors else PALETTE[0]
        out.append(f"<text x='{left - 6:.1f}' y='{y + 12:.1f}' font-size='11' fill='#333' "
                   f"text-anchor='end'>{html.escape(str(label))}</text>"
                   f"<rect x='{left:.1f}' y='{y + 2:.1f}' width='{w:.1f}' height='{bar_h - 5}' "
                   f"fill='{fill}'><title>{html.escape(str(label))}: {number(v)}</title></rect>"
                   f"<text x='{left + w + 4:.1f}' y='{y + 12:.1f}' font-size='10' fill='#333'>"
                   f"{number(v)}</text>")
    data = {"labels": [str(label) for label in labels], "values": _json(vals)}
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}' {FONT} class='aieco-chart' "
            f"data-testid='{html.escape(testid)}' data-values='{_attr(_compact(data))}' "
            f"role='img' aria-label='{html.escape(title)}'>" + "".join(out) + "</svg>")
