"""HTML of the live page's views, built from a :class:`~.live.Frame` (plain strings, no Solara).

One string per block (status, charts, agents) keeps a frame to a few widget updates; the
charts carry their plotted values in data attributes (see :mod:`.svg`).
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from experiments.explore.live import CHARTS, LEVEL_NAMES, Frame
from experiments.explore.svg import PALETTE, Series, bars, line_chart, number

#: units whose axis is fixed to [0, 1]
UNIT_SCALES = ("share", "0-1")


def unit_of(outcome: str) -> str:
    """The unit of an outcome (``sim.metrics.OUTCOMES``)."""
    from sim.metrics import OUTCOMES

    return OUTCOMES.get(outcome, ("", ""))[0]


def note_of(outcome: str) -> str:
    """What an outcome measures, with its unit."""
    from sim.metrics import OUTCOMES

    unit, formula = OUTCOMES.get(outcome, ("", ""))
    return f"{formula} [{unit}]" if unit and unit != "-" else formula


def chart_unit(outcomes: tuple[str, ...]) -> str:
    """The units of a chart's outcomes, each once."""
    return " · ".join(dict.fromkeys(unit_of(o) for o in outcomes))


def status_html(f: Frame, running: bool, timing: dict[str, float]) -> str:
    """One line: quarter, state, timings, scenario."""
    state = "running" if running else ("finished" if f.t >= f.stop_at else "paused")
    if f.t == 0 and not running:
        state = "not started: press Step or Run"
    times = ""
    if timing and f.t:
        times = (f" · last step {timing.get('step_ms', 0):.0f} ms model + "
                 f"{timing.get('render_ms', 0):.0f} ms page")
    return (f"Quarter <b>{f.t}</b> of {f.stop_at} ({state}){times} · "
            f"{html.escape(f.scenario.label())}, seed {f.scenario.seed}")


def status_attributes(f: Frame, running: bool, timing: dict[str, float]) -> dict[str, str]:
    """Data attributes of the status line, for tests and measurements."""
    return {"data-testid": "live-status", "data-t": str(f.t), "data-stop": str(f.stop_at),
            "data-running": str(running).lower(),
            "data-step-ms": f"{timing.get('step_ms', 0):.2f}",
            "data-render-ms": f"{timing.get('render_ms', 0):.2f}",
            "data-html-ms": f"{timing.get('html_ms', 0):.2f}"}


def live_html(f: Frame, running: bool, timing: dict[str, float], command: str) -> str:
    """The live page's right side: status, command line, charts and agent views."""
    attrs = " ".join(f"{k}='{html.escape(v)}'" for k, v in
                     status_attributes(f, running, timing).items())
    return (f"<div class='aieco-status' {attrs}>{status_html(f, running, timing)}</div>"
            + command_html(command)
            + f"<div class='aieco-charts'>{charts_html(f)}</div>"
            + f"<div class='aieco-charts'>{agents_html(f)}</div>")


def charts_html(f: Frame) -> str:
    """The live charts of the main outcomes."""
    x = f.series.get("step", np.zeros(0))
    out = []
    for key, title, outcomes in CHARTS:
        series = [Series(o, x, f.series.get(o, np.full(x.size, np.nan)), note=note_of(o))
                  for o in outcomes]
        unit = chart_unit(outcomes)
        fixed = (0.0, 1.0) if all(unit_of(o) in UNIT_SCALES for o in outcomes) else None
        out.append(line_chart(series, title=title, unit=unit, testid=f"chart-{key}",
                              x_range=(0, max(f.stop_at, 1)), y_range=fixed, hover=False,
                              include_zero=unit != "log10 FLOP"))
    return "".join(out)


def agents_html(f: Frame) -> str:
    """Labs, market shares, startups, and the quarter's misuse and vulnerability race."""
    return "".join([labs_html(f), shares_html(f), startups_html(f), race_html(f)])


def labs_html(f: Frame) -> str:
    """The labs table: capability, release level, price, safety, jurisdiction, users, cash."""
    labs = f.labs
    n = len(labs.get("capability", []))
    rows = []
    for i in range(n):
        share = float(labs["share"][i]) if "share" in labs else float("nan")
        swatch = (f"<span style='display:inline-block;width:10px;height:10px;"
                  f"background:{PALETTE[i % len(PALETTE)]};margin-right:5px'></span>")
        bar = (f"<span style='display:inline-block;height:9px;width:{max(0, share) * 90:.0f}px;"
               f"background:{PALETTE[i % len(PALETTE)]};margin-right:4px'></span>")
        level = int(labs["release_level"][i])
        rows.append([f"{swatch}lab {i}", f"{level} {LEVEL_NAMES[level]}",
                     number(labs["capability"][i]), number(labs["price"][i]),
                     "safely" if labs["safe"][i] else "<b style='color:#b3261e'>unsafely</b>",
                     str(int(labs["jurisdiction"][i])), f"{int(labs['users'][i]):,}",
                     f"{bar}{number(share)}", number(labs["cash"][i])])
    header = ["lab", "release level", "capability [log10 FLOP]", "price", "racing",
              "jurisdiction", "users", "share", "cash [mu]"]
    note = "" if n else "<p class='aieco-note'>This scenario has no labs.</p>"
    return ("<div><div class='aieco-h'>Frontier labs</div>"
            + table_html(header, rows, testid="labs-table", left=2) + note + "</div>")


def shares_html(f: Frame) -> str:
    """Market shares of the labs and of the startups, among users holding a provider."""
    labs, st = f.labs, f.startups
    n = len(labs.get("share", []))
    labels = [f"lab {i}" for i in range(n)] + ["startups on APIs", "startups on weights"]
    values = [float(v) for v in labs.get("share", [])]
    values += [st.get("share_api", 0.0), st.get("share_weights", 0.0)]
    colours = [PALETTE[i % len(PALETTE)] for i in range(n)] + ["#7f7f7f", "#b0b0b0"]
    access = f.last.get("access_share", float("nan"))
    chart = bars(labels, values, title="Market shares", unit="share of users with a provider",
                 testid="chart-shares", colors=colours, x_max=1.0)
    return (f"<div>{chart}<div class='aieco-note'>Users holding any provider: "
            f"{number(access)} of all users.</div></div>")


def startups_html(f: Frame) -> str:
    """Startups alive by build mode and base lab, and this quarter's entries and exits."""
    st, q = f.startups, f.quarter
    by_base = np.asarray(st.get("by_base", []))
    chart = bars([f"on lab {i}" for i in range(by_base.size)], by_base.tolist(),
                 title="Startups building on each lab", unit="count",
                 testid="chart-startup-bases",
                 colors=[PALETTE[i % len(PALETTE)] for i in range(by_base.size)])
    rows = [["alive", st.get("alive", 0)], ["on APIs", st.get("api", 0)],
            ["on weights", st.get("weights", 0)],
            ["entered this quarter", _count(q.get("startup_entries"))],
            ["left this quarter", _count(q.get("startup_exits"))],
            ["acquired this quarter", _count(q.get("acquisitions"))]]
    return ("<div><div class='aieco-h'>Startups</div>"
            + table_html(["", "startups"], rows, testid="startups-table") + chart + "</div>")


def race_html(f: Frame) -> str:
    """Misuse and the vulnerability race in the last quarter, and harm by source."""
    q, last = f.quarter, f.last
    rows = [["found by defenders", _count(q.get("vuln_found_by_defenders"))],
            ["exploited", _count(q.get("vuln_exploited"))],
            ["patched", _count(q.get("vuln_patched"))],
            ["known, unpatched (end of quarter)", _count(last.get("vulnerabilities_open"))],
            ["misuse attempts", _count(q.get("misuse_attempts"))],
            ["misuse successes", _count(q.get("misuse_successes"))],
            ["misusers caught", _count(q.get("misuse_caught"))]]
    harm = [["misuse", number(q.get("harm_misuse", float("nan")))],
            ["exploited vulnerabilities", number(q.get("harm_exploits", float("nan")))],
            ["disasters", number(q.get("harm_disasters", float("nan")))],
            ["total", number(last.get("harm", float("nan")))]]
    return ("<div><div class='aieco-h'>Misuse and the vulnerability race (last quarter)</div>"
            + table_html(["", "count"], rows, testid="race-table")
            + "<div class='aieco-h' style='font-size:14px'>Harm by source [harm units]</div>"
            + table_html(["", "harm"], harm, testid="harm-table") + "</div>")


def _count(value: Any) -> str:
    if value is None:
        return "-"
    v = float(value)
    return f"{v:.0f}" if np.isfinite(v) else "-"


def table_html(header: list[str], rows: list[list[Any]], testid: str = "",
               left: int = 1) -> str:
    """An HTML table; the first ``left`` columns are left-aligned."""
    def cell(tag: str, i: int, value: Any) -> str:
        cls = " class='l'" if i < left else ""
        return f"<{tag}{cls}>{value}</{tag}>"

    head = "".join(cell("th", i, html.escape(str(h))) for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>"
                   for r in rows)
    attr = f" data-testid='{testid}'" if testid else ""
    return f"<table class='aieco-table'{attr}><tr>{head}</tr>{body}</table>"


def command_html(command: str, testid: str = "command") -> str:
    """A copyable command line with a Copy button."""
    text = html.escape(command)
    js = ("navigator.clipboard && navigator.clipboard.writeText("
          "this.parentNode.querySelector('code').innerText);this.innerText='Copied'")
    return (f"<div class='aieco-cmd'><code data-testid='{testid}'>{text}</code>"
            f"<button type='button' onclick=\"{js}\" title='Copy to the clipboard'>Copy"
            "</button></div>")
