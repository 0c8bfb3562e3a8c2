"""The live page: pick a scenario, step it, watch outcomes, labs, startups, vulnerabilities.

The controls are generated from the parameter schema (:mod:`.controls`); the model runs in a
background task that publishes a frame only after the page has drawn the previous one (a
frame published while another is still rendering makes Solara re-render without end), at
most ten a second. Every parameter change takes effect on Reset, except the run length;
before the first step a change applies at once.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, cast

import solara
import solara.lab

from experiments.explore import views
from experiments.explore.controls import (
    Control,
    Scenario,
    by_group,
    controls,
    option_groups,
    picker_groups,
)
from experiments.explore.live import Frame, LiveRun, save_run
from experiments.explore.ui_common import ErrorLine, guarded, one_line, out_dir, threads

#: the fastest frame rate of a running model (the page is redrawn at most this often)
MIN_FRAME_S = 0.1

# per-session state (module-level reactives are per browser session under solara-server)
scenario = solara.reactive(cast(Scenario | None, None))  # what the controls show
live = solara.reactive(cast(LiveRun | None, None))  # the model that runs
frame = solara.reactive(cast(Frame | None, None))  # what the views show
running = solara.reactive(False)
group = solara.reactive("market")
field_errors = solara.reactive(cast(dict[str, str], {}))
error = solara.reactive("")
saved = solara.reactive("")
position = solara.reactive("start")  # start, middle or end of the run: what the buttons allow


def reset_state() -> None:
    """Forget this session's live run (tests call it between cases)."""
    running.value = False
    for r, v in ((scenario, None), (live, None), (frame, None), (field_errors, {}),
                 (error, ""), (saved, ""), (group, "market"), (position, "start")):
        r.value = v


def apply() -> None:
    """Rebuild the model from the scenario the controls show (its seed, from quarter 0)."""
    running.value = False
    new = LiveRun(scenario.value or Scenario(), threads=threads())
    live.value = new
    show(new, new.frame())
    saved.value = ""


def edit(new: Scenario) -> None:
    """Change the scenario; before the first step (or with no model) apply it at once."""
    old = live.value
    if old is not None and new.steps < old.t:
        from sim.params import ConfigError

        raise ConfigError("run.steps", new.steps, f"is below the {old.t} quarters already "
                          "run; press Reset first to run fewer")
    scenario.value = new
    if old is not None and new.steps != old.stop_at:  # the run length applies mid-run
        old.stop_at = new.steps
        old.scenario = dataclasses.replace(old.scenario, steps=new.steps)
        if not running.value:
            show(old, old.frame())
    if old is None or (old.t == 0 and not running.value):
        if not invalid(new):
            apply()


def invalid(sc: Scenario) -> str:
    """Why the model cannot be built from ``sc`` (one line), or ``""``."""
    try:
        sc.params()
    except Exception as exc:
        return one_line(exc)
    return ""


def set_field(key: str, value: Any) -> None:
    """A value typed or picked for one parameter: applied, or its one-line error kept."""
    try:
        edit((scenario.value or Scenario()).with_value(key, value))
    except Exception as exc:  # shown under the field; the old value is kept
        field_errors.value = {**field_errors.value, key: one_line(exc)}
        return
    field_errors.value = {k: e for k, e in field_errors.value.items() if k != key}


def show(run: LiveRun, f: Frame) -> None:
    """Put a frame on the page through its reactive state (a render of the live views)."""
    frame.value = f
    locate(run, f)


def locate(run: LiveRun, f: Frame) -> None:
    """Where the run is: the buttons re-render only when this changes."""
    position.value = "start" if f.t == 0 else ("end" if f.t >= run.stop_at else "middle")


def page_html(run: LiveRun, f: Frame, busy: bool) -> str:
    """The live views' HTML for a frame, timing how long building it takes."""
    t = {"step_ms": f.step_ms, "render_ms": run.render_ms, "html_ms": run.html_ms}
    command = dataclasses.replace(f.scenario, steps=run.stop_at).command()
    start = time.perf_counter()
    page = views.live_html(f, busy, t, command)
    run.html_ms = 1000 * (time.perf_counter() - start)
    return page


def publish(run: LiveRun, f: Frame) -> None:
    """Show a new quarter; time it (the time is shown with the next frame).

    Once the live views are on the page their widget is updated directly: one message to
    the browser and no re-render of the page's components, which took about as long as the
    model's step. The views read the newest frame whenever they do re-render.
    """
    start = time.perf_counter()
    run.published = f.t
    run.latest = f
    widget = run.view
    if widget is None:
        show(run, f)
    else:
        widget.unsafe_innerHTML = page_html(run, f, running.value)
        run.shown = f.t
        locate(run, f)
    run.render_ms = 1000 * (time.perf_counter() - start)


def step_once() -> None:
    """One quarter (the Step button)."""
    run = live.value
    if run is None or run.done or running.value:
        return
    publish(run, run.step())


@solara.lab.task
def run_loop() -> None:
    """Step until paused, reset or at the run length; publish acknowledged frames."""
    run = live.value
    if run is None:
        return
    run.shown = run.published = -1
    published_at, frame_s = 0.0, MIN_FRAME_S
    try:
        while running.value and live.value is run and not run.done and run_loop.is_current():
            f = run.step()
            now = time.perf_counter()
            drawn = run.shown == run.published or run.view is None  # None: views not shown
            if drawn and now - published_at >= frame_s:
                published_at = now
                publish(run, f)
                frame_s = max(MIN_FRAME_S, 1.5 * run.render_ms / 1000)
            time.sleep(0.001)  # let the websocket thread take the GIL
    except Exception as exc:
        error.value = one_line(exc)
    finally:
        if live.value is run:
            running.value = False
            show(run, run.frame())


def start() -> None:
    """The Run button."""
    run = live.value
    if run is None or run.done:
        return
    running.value = True
    run_loop()


@solara.lab.task
def save_task() -> None:
    """Write the quarters run so far as a run folder (the way ``aieco run`` writes one)."""
    run = live.value
    if run is None or run.t == 0:
        saved.value = "Nothing to save yet: run a few quarters first."
        return
    try:
        path = save_run(run, out_dir() / "explore")
        saved.value = f"Saved {run.t} quarters to {path} (listed under Sweeps, 'Runs saved')."
    except Exception as exc:
        error.value = one_line(exc)


@solara.component
def Field(control: Control, value: Any, pending: bool) -> None:
    """One parameter's control, generated from its metadata."""
    err = field_errors.value.get(control.key, "")
    mark = " (changed: applies on Reset)" if pending else ""
    disabled = control.role == "fixed"

    on_value = guarded(lambda v: set_field(control.key, v), error)
    classes = [f"field-{control.key.replace('.', '-')}"]
    if control.widget == "switch":
        solara.Switch(label=control.label + mark, value=bool(value), on_value=on_value,
                      disabled=disabled, classes=classes)
        solara.HTML(tag="div", unsafe_innerHTML=control.hint, classes=["aieco-note"])
    elif control.widget == "select":
        solara.Select(control.label + mark, values=list(control.choices or ()), value=value,
                      on_value=on_value, disabled=disabled, classes=classes)
        solara.HTML(tag="div", unsafe_innerHTML=control.hint, classes=["aieco-note"])
    else:
        solara.InputText(control.label + mark, value=control.show(value), on_value=on_value,
                         error=err or False, message=control.hint, disabled=disabled,
                         classes=classes)


@solara.component
def GroupFields(sc: Scenario, applied: Scenario | None) -> None:
    """The option picker and the parameters of the selected config group."""
    name = group.value
    options = option_groups().get(name, [])
    with solara.Row(gap="8px", style={"align-items": "center"}):
        solara.Select("Parameter group", values=list(by_group()), value=group,
                      classes=["group-picker"])
        if len(options) > 1:
            solara.Select(f"{name} option", values=options, value=sc.options[name],
                          on_value=guarded(lambda o: edit(sc.with_option(name, o)), error))
    changed = [k for k in sc.overrides if k.startswith(name + ".")]
    if changed:
        solara.Button(f"Restore the {sc.options[name]} option's values ({len(changed)})",
                      text=True, on_click=guarded(lambda: edit(sc.without_group(name)), error))
    with solara.Column(gap="4px", classes=["aieco-group-fields"]):
        for control in by_group()[name]:
            if control.role in ("option", "seed") or control.key == "run.steps":
                continue
            pending = applied is not None and control.key not in ("run.steps",) and \
                applied.value(control.key) != sc.value(control.key)
            Field(control, sc.value(control.key), pending)


@solara.component
def ScenarioPanel() -> None:
    """Scenario pickers, seed and length, buttons, and the selected group's parameters."""
    sc = scenario.value or Scenario()
    run = live.value
    applied = run.scenario if run is not None else None
    pending = [d for d in sc.differences(applied) if d != "run.steps"] if applied else []
    problem = solara.use_memo(lambda: invalid(sc), [sc])
    with solara.Column(gap="6px", style={"min-width": "330px", "max-width": "420px"}):
        solara.HTML(tag="div", classes=["aieco-h"], unsafe_innerHTML="Scenario")
        for g in picker_groups():
            solara.Select(g, values=option_groups()[g], value=sc.options[g],
                          on_value=guarded(lambda o, g=g: edit(sc.with_option(g, o)), error),
                          classes=[f"picker-{g}"])
        with solara.Row(gap="8px"):
            for key in ("run.seed", "run.steps"):
                c = controls()[key]
                solara.InputText(c.label, value=c.show(sc.value(key)),
                                 on_value=guarded(lambda v, k=key: set_field(k, v), error),
                                 error=field_errors.value.get(key) or False,
                                 message=c.when, classes=[f"field-{key.replace('.', '-')}"])
        Buttons()
        if problem:
            solara.Error(f"These settings cannot run: {problem}. The model keeps the last "
                         "settings that could; fix the value, or undo it.", dense=True,
                         classes=["aieco-invalid"])
        elif pending:
            solara.Warning(f"{len(pending)} change{'s' if len(pending) > 1 else ''} not yet "
                           f"applied ({', '.join(pending[:4])}{', ...' if len(pending) > 4 else ''}"
                           "): press Reset to rebuild the model with them.", dense=True,
                           classes=["aieco-pending"])
        solara.HTML(tag="div", classes=["aieco-note"], unsafe_innerHTML=(
            "Every parameter takes effect on <b>Reset</b>, which rebuilds the model from the "
            "seed, so what you see is always one <code>aieco run</code>; before the first "
            "step a change applies at once. Only the number of steps applies mid-run."))
        GroupFields(sc, applied)


def pause() -> None:
    """The Pause button."""
    running.value = False


# handlers made once: new closures on every render would update every button's widget
on_step, on_run, on_pause, on_reset, on_save = (
    guarded(f, error) for f in (step_once, start, pause, apply, save_task))


@solara.component
def Buttons() -> None:
    """Step, Run, Pause, Reset and Save (they follow the run's position, not each frame)."""
    at, busy = position.value, running.value
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.Button("Step", on_click=on_step, disabled=busy or at == "end",
                      classes=["btn-step"])
        solara.Button("Run", on_click=on_run, color="primary", disabled=busy or at == "end",
                      classes=["btn-run"])
        solara.Button("Pause", on_click=on_pause, disabled=not busy, classes=["btn-pause"])
        solara.Button("Reset", on_click=on_reset, classes=["btn-reset"], outlined=True)
        solara.Button("Save run", on_click=on_save, text=True,
                      disabled=busy or at == "start" or save_task.pending,
                      classes=["btn-save"])
    if at == "end" and not busy:
        solara.HTML(tag="div", classes=["aieco-note"], unsafe_innerHTML=(
            "The run is at its last step: raise <b>steps</b> to go on, or Reset."))
    if save_task.pending:
        solara.ProgressLinear(True)
    if saved.value:
        solara.HTML(tag="div", classes=["aieco-note"], unsafe_innerHTML=saved.value,
                    attributes={"data-testid": "saved"})


@solara.component
def LiveViews() -> None:
    """Status, command line, charts and agent views of the newest frame."""
    f = frame.value
    run = live.value
    if f is None or run is None:
        solara.Info("Building the model ...")
        return
    if run.latest is not None and run.latest.t > f.t:  # published straight to the widget
        f = run.latest
    LiveBody(run, f, running.value)


@solara.component
def LiveBody(run: LiveRun, f: Frame, busy: bool) -> None:
    """The live views as one widget that :func:`publish` also updates directly.

    The widget is made here rather than as an element, so re-renders of the page leave it
    alone: an element's widget gets its recorded properties back on every render, which
    would undo a direct update.
    """
    widget = solara.use_memo(
        lambda: solara.widgets.HTML(tag="div", attributes={"class": "aieco-live"}), [])
    widget.unsafe_innerHTML = page_html(run, f, busy)
    solara.Column(children=[widget], gap="0px")

    def attach() -> Any:
        run.view = widget
        run.shown = f.t

        def detach() -> None:
            run.view = None
        return detach

    solara.use_effect(attach, [run])
    solara.use_effect(lambda: widget.close, [])  # closed when the views leave the page


@solara.component
def LivePage() -> None:
    """The live page."""
    if scenario.value is None:
        scenario.value = Scenario()
    if live.value is None and not error.value:
        guarded(apply, error)()
    solara.Title("aieco explorer: live run")
    ErrorLine(error, "live-error")
    with solara.Row(gap="18px", style={"align-items": "flex-start", "flex-wrap": "nowrap"}):
        ScenarioPanel()
        with solara.Column(gap="8px", style={"flex": "1", "min-width": "0"}):
            LiveViews()
