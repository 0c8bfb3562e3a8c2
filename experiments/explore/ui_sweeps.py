"""The sweeps page: a sweep folder's question, levers, series, heatmaps, means and findings,
and the runs saved from the live page with their manifests.

A folder is opened from ``--sweep DIR``, from the list of ``<out>/sweeps/``, or by typing
its path; one that is not a sweep gives one line saying so.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from typing import Any, cast

import solara
import solara.lab

from experiments.explore.svg import Series, heatmap, line_chart
from experiments.explore.sweeps import NotASweep, Sweep, candidates, load_sweep, saved_runs
from experiments.explore.ui_common import ErrorLine, guarded, out_dir, sweep_arg
from experiments.explore.views import chart_unit, note_of, table_html

path = solara.reactive("")
sweep = solara.reactive(cast(Sweep | None, None))
error = solara.reactive("")
outcome = solara.reactive("")
level = solara.reactive(cast(Any, None))  # the level of the second lever the series show
manifest_of = solara.reactive("")
started = solara.reactive(False)


def reset_state() -> None:
    """Forget this session's sweep (tests call it between cases)."""
    for r, v in ((path, ""), (sweep, None), (error, ""), (outcome, ""), (level, None),
                 (manifest_of, ""), (started, False)):
        r.value = v


@solara.lab.task
def load_task() -> None:
    """Collect the folder in ``path``; show it, or say in one line why it cannot be shown."""
    from experiments.explore.ui_common import one_line

    try:
        s = load_sweep(path.value)
    except Exception as exc:
        error.value = str(exc) if isinstance(exc, NotASweep) else one_line(exc)
        return
    error.value = ""
    outcome.value = s.outcomes[0] if s.outcomes else ""
    level.value = s.levels(s.levers[1])[0] if len(s.levers) > 1 else None
    sweep.value = s


def open_folder(folder: str) -> None:
    """Open a folder (picked or typed)."""
    path.value = folder or ""
    sweep.value = None
    load_task()


@solara.component
def Picker() -> None:
    """The sweeps found under ``<out>/sweeps`` and a field for any folder."""
    root = out_dir() / "sweeps"
    found = solara.use_memo(lambda: [str(p) for p in candidates(root)], [str(root)])
    with solara.Row(gap="10px", style={"align-items": "center", "flex-wrap": "wrap"}):
        if found:
            solara.Select(f"Sweeps in {root}", values=found,
                          value=path.value if path.value in found else None,
                          on_value=guarded(open_folder, error), classes=["sweep-picker"],
                          style={"min-width": "420px"})
        else:
            solara.HTML(tag="div", classes=["aieco-note"], unsafe_innerHTML=(
                f"No sweeps in {html.escape(str(root))} yet (run <code>aieco sweep "
                "+experiment=NAME</code>); type a folder instead."))
        solara.InputText("Sweep folder", value=path.value, on_value=guarded(open_folder, error),
                         classes=["sweep-path"], style={"min-width": "420px"},
                         message="a folder holding run folders; Enter opens it")
    if load_task.pending:
        solara.ProgressLinear(True)
        solara.HTML(tag="div", classes=["aieco-note"],
                    unsafe_innerHTML="Reading the runs (a large sweep takes a few seconds) ...")


def bold(text: str) -> str:
    """Markdown ``**bold**`` of the report's sentences as HTML, the rest escaped."""
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(text))


def findings_html(lines: list[str]) -> str:
    """The report's sentences as a list; indented ones nest under the sentence before."""
    out, open_sub = ["<ul class='aieco-sentences' data-testid='sweep-findings'>"], False
    for line in lines:
        sub = line.startswith("  ")
        if sub and not open_sub:
            out.append("<ul>")
        elif not sub and open_sub:
            out.append("</ul>")
        open_sub = sub
        out.append(f"<li>{bold(line.strip())}</li>")
    return "".join([*out, "</ul>" if open_sub else "", "</ul>"])


@solara.component
def SweepView(s: Sweep) -> None:
    """Question, levers, interactive series and heatmap, means, findings."""
    levers = ", ".join(f"<b>{html.escape(lv)}</b> ({len(s.levels(lv))} levels: "
                       f"{html.escape(', '.join(map(str, s.levels(lv))))})" for lv in s.levers)
    report = (f" Its report: <code>{html.escape(str(s.report))}</code>." if s.report else "")
    solara.HTML(tag="div", attributes={"data-testid": "sweep-head"}, unsafe_innerHTML=(
        f"<div class='aieco-h'>{html.escape(s.name)}</div>"
        + (f"<p><b>Question.</b> {html.escape(s.question)}</p>" if s.question else "")
        + f"<p>{s.runs} runs in <code>{html.escape(str(s.root))}</code>.{report}</p>"
        + (f"<p>Levers: {levers}.</p>" if s.levers else "<p>No levers vary here.</p>")
        + "".join(f"<p class='aieco-note'>{html.escape(n)}</p>" for n in s.notes)))
    numeric = [c for c in s.results.columns if c.endswith("_final") is False
               and s.results[c].dtype.kind in "fiub"
               and c not in ("step", "seed", "replicate", *s.levers)]
    choices = list(dict.fromkeys([*s.outcomes, *numeric]))
    with solara.Row(gap="10px", style={"align-items": "center"}):
        solara.Select("Outcome", values=choices, value=outcome, classes=["sweep-outcome"])
        if len(s.levers) > 1:
            solara.Select(f"{s.levers[1]} (for the series)", values=s.levels(s.levers[1]),
                          value=level, classes=["sweep-level"])
    o = outcome.value if outcome.value in choices else (choices[0] if choices else "")
    if o:
        solara.HTML(tag="div", classes=["aieco-charts"], unsafe_innerHTML=_charts(s, o))
    solara.HTML(tag="div", unsafe_innerHTML=(
        "<div class='aieco-h'>What the runs say</div>" + findings_html(s.findings())))
    means = s.means()
    solara.HTML(tag="div", unsafe_innerHTML=(
        "<div class='aieco-h'>Means with 95% confidence intervals across seeds</div>"
        + table_html([str(c) for c in means.columns],
                     [[html.escape(str(v)) for v in row] for row in means.itertuples(
                         index=False)], testid="sweep-means", left=len(s.levers))))


def _charts(s: Sweep, o: str) -> str:
    hue = s.levers[0] if s.levers else None
    where = {s.levers[1]: level.value} if len(s.levers) > 1 and level.value is not None else {}
    series = [Series(name, d["step"], d["mean"], d["lo"], d["hi"])
              for name, d in s.series(o, hue, where)]
    title = f"{o} over time" + (f", {s.levers[1]} = {level.value}" if where else "")
    chart = line_chart(series, title=title, unit=chart_unit((o,)), testid="sweep-series",
                       width=620, height=330)
    seeds = int(min(d["runs"][0] for _, d in s.series(o, hue, where))) if series else 0
    few = (f" Only {seeds} seed{'s' if seeds != 1 else ''} per setting, so the bands are "
           "wide; more seeds (run.replicates) narrow them." if seeds < 5 else "")
    out = (f"<div style='flex: 1 1 600px; max-width: 800px'>{chart}<div class='aieco-note'>"
           f"Mean over seeds with its 95% band, one line per level of "
           f"{html.escape(hue or 'the sweep')}.{few} {html.escape(o)}: "
           f"{html.escape(note_of(o))}.</div></div>")
    if len(s.levers) > 1 and f"{o}_final" in s.summary:
        from analysis.theme import label

        rows, cols, values = s.heat(o)
        out += heatmap(rows, cols, values, title=label(o, summarised=True), unit="",
                       row_label=s.levers[0], col_label=s.levers[1], testid="sweep-heatmap")
    return out


@solara.component
def History() -> None:
    """The runs saved from the live page, with their manifests."""
    folder = out_dir() / "explore"
    rows = saved_runs(folder)
    solara.HTML(tag="div", classes=["aieco-h"], unsafe_innerHTML="Runs saved from the live page")
    if not rows:
        solara.HTML(tag="div", classes=["aieco-note"], unsafe_innerHTML=(
            f"None yet in <code>{html.escape(str(folder))}</code>: the live page's "
            "<b>Save run</b> writes one there."))
        return
    table = [[datetime.fromtimestamp(r["saved"]).strftime("%Y-%m-%d %H:%M:%S"),
              f"<code>{html.escape(r['command'])}</code>", r["steps"], r["config_hash"],
              f"{r['wall_time_s']:.2f}" if isinstance(r["wall_time_s"], float) else ""]
             for r in rows]
    solara.HTML(tag="div", unsafe_innerHTML=table_html(
        ["saved", "command", "quarters", "config hash", "wall time [s]"], table,
        testid="saved-runs", left=2))
    names = [r["name"] for r in rows]
    solara.Select("Show the manifest of", values=names, value=manifest_of,
                  classes=["manifest-picker"])
    chosen = [r for r in rows if r["name"] == manifest_of.value]
    if chosen:
        solara.HTML(tag="pre", attributes={"data-testid": "manifest"}, unsafe_innerHTML=(
            html.escape(f"{chosen[0]['folder']}/manifest.json\n"
                        + json.dumps(chosen[0]["manifest"], indent=2))),
            style="font-size: 12px; background: #f6f6f6; padding: 8px; max-height: 360px; "
                  "overflow: auto")


@solara.component
def SweepsPage() -> None:
    """The sweeps page."""
    def first_visit() -> None:
        if not started.value:
            started.value = True
            if sweep_arg() and not path.value:
                open_folder(sweep_arg())

    solara.use_effect(first_visit, [])
    solara.Title("aieco explorer: sweeps")
    Picker()
    ErrorLine(error, "sweep-error")
    if sweep.value is not None:
        SweepView(sweep.value)
    History()
