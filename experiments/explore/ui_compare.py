"""The compare page: two scenarios over the same seeds, paired differences with 95% bands.

Runs in a background task with progress and a Cancel button; the summary sentences and
every chart are computed from the runs (:mod:`.compare`).
"""

from __future__ import annotations

import dataclasses
import html
from typing import cast

import solara
import solara.lab

from experiments.explore import compare as cmp
from experiments.explore.controls import (
    Scenario,
    controls,
    option_groups,
    parse_arguments,
    picker_groups,
)
from experiments.explore.svg import Series, line_chart, number
from experiments.explore.ui_common import ErrorLine, guarded, threads
from experiments.explore.views import chart_unit, note_of, table_html

MAX_SEEDS = 200


def _start(openness: str) -> Scenario:
    return dataclasses.replace(Scenario().with_option("population", "small")
                               .with_option("openness", openness), steps=40)


scenario_a = solara.reactive(cast(Scenario | None, None))
scenario_b = solara.reactive(cast(Scenario | None, None))
seeds = solara.reactive(10)
result = solara.reactive(cast(cmp.Comparison | None, None))
progress = solara.reactive((0, 0))
cancel_requested = solara.reactive(False)
status = solara.reactive("")
error = solara.reactive("")
detail = solara.reactive("hhi")


def reset_state() -> None:
    """Forget this session's comparison (tests call it between cases)."""
    for r, v in ((scenario_a, None), (scenario_b, None), (seeds, 10), (result, None),
                 (progress, (0, 0)), (cancel_requested, False), (status, ""), (error, ""),
                 (detail, "hhi")):
        r.value = v


@solara.lab.task
def compare_task() -> None:
    """Run both scenarios on every seed; keep the result, or say why there is none."""
    a, b, n = scenario_a.value, scenario_b.value, seeds.value
    if a is None or b is None:
        return
    cancel_requested.value = False
    progress.value = (0, 2 * n)
    status.value = ""
    try:
        result.value = cmp.run_pairs(
            a, b, n, progress=lambda done, total: progress.set((done, total)),
            cancelled=lambda: cancel_requested.value or not compare_task.is_current(),
            threads=threads())
    except cmp.Cancelled:
        done, total = progress.value
        status.value = f"Cancelled after {done} of {total} runs; nothing was kept."
    except Exception as exc:
        from experiments.explore.ui_common import one_line

        error.value = one_line(exc)


def set_seeds(text: str) -> None:
    """The number of seeds (1 to MAX_SEEDS)."""
    value = controls()["run.replicates"].parse(text)
    if value > MAX_SEEDS:
        from sim.params import ConfigError

        raise ConfigError("seeds", value, f"must be an integer in [1, {MAX_SEEDS}]")
    seeds.value = int(value)


def set_shared(key: str, text: str) -> None:
    """The base seed or the run length, for both scenarios."""
    for r in (scenario_a, scenario_b):
        if r.value is not None:
            r.value = r.value.with_value(key, text)


@solara.component
def ScenarioEditor(name: str, state: solara.Reactive[Scenario | None]) -> None:
    """Option pickers and further ``aieco run`` arguments of one scenario."""
    sc = state.value or Scenario()
    extra = " ".join(a for a in sc.arguments() if "." in a.split("=")[0]
                     and not a.startswith(("run.seed=", "run.steps=")))

    def set_extra(text: str) -> None:
        base = Scenario(options=dict(sc.options), seed=sc.seed, steps=sc.steps)
        state.value = parse_arguments(text or "", start=base)

    with solara.Card(f"Scenario {name}", margin=0, style={"min-width": "300px", "flex": "1"},
                     classes=[f"scenario-{name.lower()}"]):
        for g in picker_groups():
            solara.Select(g, values=option_groups()[g], value=sc.options[g],
                          on_value=guarded(lambda o, g=g: state.set(sc.with_option(g, o)),
                                           error), classes=[f"{name.lower()}-picker-{g}"])
        solara.InputText("More settings (as for aieco run)", value=extra,
                         on_value=guarded(set_extra, error),
                         message="e.g. market.beta_quality=2.5 regulation.merger_control=true",
                         classes=[f"{name.lower()}-extra"])
        solara.Button("Take the live page's scenario", text=True, on_click=guarded(
            lambda: _from_live(state), error))


def _from_live(state: solara.Reactive[Scenario | None]) -> None:
    from experiments.explore import ui_live

    live = ui_live.live.value
    if live is None:
        raise ValueError("the live page has no scenario yet; open it first")
    current = state.value or Scenario()
    state.value = dataclasses.replace(live.scenario, seed=current.seed, steps=current.steps)


@solara.component
def Settings() -> None:
    """Seeds, base seed, length, and Run / Cancel with progress."""
    a = scenario_a.value or Scenario()
    busy = compare_task.pending
    with solara.Row(gap="10px", style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputText("Seeds (pairs of runs)", value=str(seeds.value),
                         on_value=guarded(set_seeds, error), classes=["cmp-seeds"],
                         message=f"1 to {MAX_SEEDS}; both scenarios run on each seed")
        for key in ("run.seed", "run.steps"):
            c = controls()[key]
            solara.InputText("base seed" if key == "run.seed" else c.label,
                             value=c.show(a.value(key)), classes=[f"cmp-{key.split('.')[1]}"],
                             on_value=guarded(lambda v, k=key: set_shared(k, v), error))
        solara.Button("Run comparison", color="primary", disabled=busy,
                      on_click=guarded(compare_task, error), classes=["btn-compare"])
        solara.Button("Cancel", disabled=not busy, classes=["btn-cancel"],
                      on_click=guarded(lambda: cancel_requested.set(True), error))
    if busy:
        done, total = progress.value
        solara.ProgressLinear(100 * done / total if total else True)
        solara.HTML(tag="div", classes=["aieco-note"], attributes={"data-testid": "cmp-progress"},
                    unsafe_innerHTML=f"{done} of {total} runs done")
    if status.value:
        solara.Info(status.value, dense=True)


@solara.component
def Results() -> None:
    """Summary sentences, paired-difference charts and the detail of one outcome."""
    comp = result.value
    if comp is None and compare_task.pending:
        return
    if comp is None:
        solara.HTML(tag="div", classes=["aieco-note"], unsafe_innerHTML=(
            "Pick two scenarios and press <b>Run comparison</b>. Both run on the same seeds, "
            "so each seed gives one paired difference B − A; the bands are 95% confidence "
            "intervals of the mean difference over seeds."))
    else:
        ResultsView(comp)


@solara.component
def ResultsView(comp: cmp.Comparison) -> None:
    """What one comparison shows."""
    table = solara.use_memo(lambda: cmp.summary(comp), [comp])
    text = solara.use_memo(lambda: cmp.sentences(comp, table), [comp])
    items = "".join(f"<li>{html.escape(s)}</li>" for s in text[2:])
    solara.HTML(tag="div", attributes={"data-testid": "cmp-summary"}, unsafe_innerHTML=(
        f"<div class='aieco-h'>What the runs say</div><p>{html.escape(text[0])} "
        f"{html.escape(text[1]) if len(text) > 1 else ''}</p>"
        f"<ul class='aieco-sentences'>{items}</ul>"))
    charts = solara.use_memo(lambda: _diff_charts(comp), [comp])
    solara.HTML(tag="div", classes=["aieco-charts"], unsafe_innerHTML=charts)
    numeric = [c for c in comp.a_runs[0].columns if c not in ("step", "seed", "replicate")
               and comp.a_runs[0][c].dtype.kind in "fiub"] if comp.a_runs else []
    solara.Select("Outcome in detail", values=numeric, value=detail, classes=["cmp-detail"])
    if detail.value in numeric:
        solara.HTML(tag="div", classes=["aieco-charts"],
                    unsafe_innerHTML=_detail(comp, detail.value))
    rows = [[r["outcome"], r["how"], number(r["a"]), number(r["b"]), number(r["diff"]),
             f"{number(r['lo'])} to {number(r['hi'])}", cmp.verdict(r)]
            for _, r in table.iterrows()]
    solara.HTML(tag="div", unsafe_innerHTML=table_html(
        ["outcome", "run summary", "A", "B", "B − A", "95% CI of B − A", "verdict"], rows,
        testid="cmp-table", left=2))


def _diff_charts(comp: cmp.Comparison) -> str:
    out = []
    for o in cmp.OUTCOMES:
        p = cmp.paired(comp, o)
        s = Series("B − A", p["step"], p["diff"], p["diff_lo"], p["diff_hi"], note=note_of(o))
        out.append(line_chart([s], title=f"{o}: B − A", unit=chart_unit((o,)),
                              testid=f"cmp-diff-{o}", zero_line=True, width=360, height=200))
    return "".join(out)


def _detail(comp: cmp.Comparison, outcome: str) -> str:
    p = cmp.paired(comp, outcome)
    levels = [Series(f"A: {comp.a.label()}", p["step"], p["a"], p["a_lo"], p["a_hi"]),
              Series(f"B: {comp.b.label()}", p["step"], p["b"], p["b_lo"], p["b_hi"])]
    unit = chart_unit((outcome,))
    diff = Series("B − A", p["step"], p["diff"], p["diff_lo"], p["diff_hi"], color="#444")
    return (line_chart(levels, title=f"{outcome}: mean of each scenario", unit=unit,
                       testid="cmp-levels", width=560, height=280)
            + line_chart([diff], title=f"{outcome}: paired difference B − A", unit=unit,
                         testid="cmp-diff-detail", zero_line=True, width=460, height=280))


@solara.component
def ComparePage() -> None:
    """The compare page."""
    if scenario_a.value is None:
        scenario_a.value = _start("closed")
    if scenario_b.value is None:
        scenario_b.value = _start("open_weights")
    solara.Title("aieco explorer: compare")
    ErrorLine(error, "compare-error")
    solara.HTML(tag="div", classes=["aieco-note"], unsafe_innerHTML=(
        "Two scenarios run on the same seeds (replicate i of both uses the seed a sweep "
        "gives replicate i), so differences between them are paired. Settings are checked "
        "as <code>aieco run</code> checks them."))
    with solara.Row(gap="14px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        ScenarioEditor("A", scenario_a)
        ScenarioEditor("B", scenario_b)
    Settings()
    Results()
