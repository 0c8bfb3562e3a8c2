"""Every page renders without a browser, is driven through its widgets, and keeps errors to a line.

Solara's ``solara.render`` builds the widgets in this process (no server, no browser); the
module-level reactives are then plain globals, reset before each test.
"""

from __future__ import annotations

import re
import time

import pytest

pytest.importorskip("solara", reason="the explorer's extra (solara) is not installed")
pytest.importorskip("ipyvuetify", reason="the explorer's extra (ipyvuetify<3) is not installed")

import ipyvuetify as v
import pandas as pd
import solara
import solara.widgets
from solara.autorouting import RenderPage, RoutingProvider

from experiments.explore import app, ui_compare, ui_live, ui_sweeps
from experiments.explore.controls import by_group, controls
from sim import run

from .helpers import QUESTION, plotted


@pytest.fixture(autouse=True)
def fresh(monkeypatch, tmp_path):
    monkeypatch.setenv("AIECO_EXPLORE_OUT", str(tmp_path / "outputs"))
    monkeypatch.delenv("AIECO_EXPLORE_SWEEP", raising=False)
    for page in (ui_live, ui_compare, ui_sweeps):
        page.reset_state()
    yield
    ui_live.running.value = False


def render(element):
    """Render a page without a browser; returns the render context to find widgets in."""
    return solara.render(element, handle_error=False)[1]


def html_widget(rc, testid: str):
    found = [w for w in rc.find(solara.widgets.HTML).widgets
             if (w.attributes or {}).get("data-testid") == testid]
    assert len(found) == 1, testid
    return found[0]


def has_html(rc, testid: str) -> bool:
    return any((w.attributes or {}).get("data-testid") == testid
               for w in rc.find(solara.widgets.HTML).widgets)


def all_html(rc) -> str:
    return "".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)


def button(rc, label: str):
    return rc.find(v.Btn, children=[label]).widget


def text_field(rc, label: str):
    found = [w for w in rc.find(v.TextField).widgets if (w.label or "").split(" (")[0] == label]
    assert len(found) == 1, (label, [w.label for w in rc.find(v.TextField).widgets])
    return found[0]


def type_into(field, text: str) -> None:
    field.v_model = text
    field.fire_event("keyup.enter", None)


def pick(rc, label: str, value: str) -> None:
    rc.find(v.Select, label=label).widget.v_model = value


def wait_for(condition, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("path", ["/", "/compare", "/sweeps", "/model"])
def test_every_page_renders_under_the_banner(path):
    main = RoutingProvider(routes=app.routes, pathname=path, children=[RenderPage()])
    rc = render(main)
    banner = html_widget(rc, "banner").unsafe_innerHTML
    assert "not forecasts" in banner and "href='/model'" in banner
    assert [t.children[0] for t in rc.find(v.Tab).widgets] == [
        "Live run", "Compare", "Sweeps", "Model (ODD)"]
    if path == "/model":
        assert "ODD" in html_widget(rc, "odd").unsafe_innerHTML
    rc.close()


def test_controls_are_generated_for_every_parameter():
    rc = render(ui_live.LivePage())
    seen = set()
    for group, group_controls in by_group().items():
        ui_live.group.value = group
        labels = {w.label.split(" (")[0] for kind in (v.TextField, v.Select, v.Switch)
                  for w in rc.find(kind).widgets if w.label}
        for c in group_controls:
            if c.role == "option":
                assert c.group in labels or f"{c.group} option" in labels or \
                    len(ui_live.option_groups()[c.group]) == 1
                seen.add(c.key)
            elif c.label in labels:
                seen.add(c.key)
    assert seen == set(controls())
    rc.close()


def status(rc) -> dict:
    """The data attributes of the live page's status line."""
    text = all_html(rc)
    tag = re.search(r"<div class='aieco-status' ([^>]*)>", text)
    assert tag, "no status line"
    return dict(re.findall(r"(data-[\w-]+)='([^']*)'", tag[1]))


def test_a_live_run_through_the_widgets_equals_sim_run():
    rc = render(ui_live.LivePage())
    pick(rc, "population", "tiny")
    pick(rc, "openness", "open_weights")
    type_into(text_field(rc, "seed"), "11")
    type_into(text_field(rc, "steps [quarters]"), "6")
    for _ in range(3):
        button(rc, "Step").click()
    assert status(rc)["data-t"] == "3"
    button(rc, "Run").click()
    wait_for(lambda: status(rc)["data-t"] == "6" and status(rc)["data-running"] == "false")
    live = ui_live.live.value
    expected = run(live.scenario.params(), rng=11).metrics
    pd.testing.assert_frame_equal(live.metrics(), expected)
    shown = plotted(all_html(rc), "chart-concentration")
    assert shown["hhi"] == [float(x) for x in expected["hhi"]]
    assert "aieco run population=tiny openness=open_weights run.seed=11 run.steps=6" in \
        all_html(rc)
    assert button(rc, "Step").disabled and button(rc, "Run").disabled
    rc.close()


def test_bad_input_is_one_line_and_keeps_the_page():
    rc = render(ui_live.LivePage())
    pick(rc, "population", "tiny")
    before = ui_live.scenario.value
    field = text_field(rc, "reconsider_prob")
    type_into(field, "5")
    field = text_field(rc, "reconsider_prob")
    assert field.error and field.messages == [
        "market.reconsider_prob=5.0 is invalid: must be a probability in [0, 1]"]
    assert ui_live.scenario.value == before and not ui_live.error.value
    type_into(field, "0.3")
    assert not text_field(rc, "reconsider_prob").error
    assert ui_live.scenario.value.value("market.reconsider_prob") == 0.3
    ui_live.group.value = "jurisdictions"
    type_into(text_field(rc, "stringency"), "1, 0.5")  # one value per jurisdiction needed
    alerts = [str(a.children) for a in rc.find(v.Alert).widgets]
    assert any("needs one value per jurisdiction" in a for a in alerts), alerts
    button(rc, "Step").click()  # the page still works
    assert status(rc)["data-t"] == "1"
    rc.close()


def test_changes_after_the_first_step_wait_for_reset():
    rc = render(ui_live.LivePage())
    pick(rc, "population", "tiny")
    button(rc, "Step").click()
    type_into(text_field(rc, "beta_quality [utils/OOM]"), "3")
    assert ui_live.live.value.scenario.value("market.beta_quality") == 2.0
    assert any("press Reset" in str(a.children) for a in rc.find(v.Alert).widgets)
    type_into(text_field(rc, "steps [quarters]"), "9")  # applies at once
    assert status(rc)["data-stop"] == "9" and status(rc)["data-t"] == "1"
    button(rc, "Step").click()
    type_into(text_field(rc, "steps [quarters]"), "1")  # fewer than run: refused, one line
    assert text_field(rc, "steps [quarters]").messages == [
        "run.steps=1 is invalid: is below the 2 quarters already run; press Reset first to "
        "run fewer"]
    assert status(rc)["data-stop"] == "9"
    button(rc, "Reset").click()
    assert status(rc)["data-t"] == "0"
    assert ui_live.live.value.scenario.value("market.beta_quality") == 3.0
    assert not [a for a in rc.find(v.Alert).widgets if "Reset" in str(a.children)]
    rc.close()


def test_compare_page_runs_in_the_background_and_summarises():
    rc = render(ui_compare.ComparePage())
    for select in rc.find(v.Select, label="population").widgets:
        select.v_model = "tiny"
    type_into(text_field(rc, "Seeds"), "2")
    type_into(text_field(rc, "steps [quarters]"), "3")
    button(rc, "Run comparison").click()
    wait_for(lambda: ui_compare.result.value is not None or ui_compare.error.value)
    assert not ui_compare.error.value
    wait_for(lambda: has_html(rc, "cmp-summary"))
    summary = html_widget(rc, "cmp-summary").unsafe_innerHTML
    assert "2 seeds, each run under both scenarios, 3 quarters" in summary
    assert "cmp-diff-hhi" in all_html(rc) and "cmp-table" in all_html(rc)
    rc.close()


def test_a_comparison_can_be_cancelled_from_the_page():
    rc = render(ui_compare.ComparePage())
    for select in rc.find(v.Select, label="population").widgets:
        select.v_model = "tiny"
    type_into(text_field(rc, "Seeds"), "200")
    button(rc, "Run comparison").click()
    wait_for(lambda: ui_compare.progress.value[0] >= 1)
    button(rc, "Cancel").click()
    wait_for(lambda: bool(ui_compare.status.value))
    assert ui_compare.status.value.startswith("Cancelled after ")
    assert ui_compare.result.value is None and not ui_compare.error.value
    rc.close()


def test_compare_settings_errors_are_one_line():
    rc = render(ui_compare.ComparePage())
    fields = [w for w in rc.find(v.TextField).widgets if w.label.startswith("More settings")]
    type_into(fields[0], "market.beta_qualty=2")
    assert "did you mean 'market.beta_quality'" in ui_compare.error.value
    type_into(text_field(rc, "Seeds"), "0")
    assert "must be an integer in [1, 100000]" in ui_compare.error.value
    rc.close()


def test_sweeps_page_opens_a_sweep_and_refuses_other_folders(tiny_sweep, tmp_path):
    rc = render(ui_sweeps.SweepsPage())
    type_into(text_field(rc, "Sweep folder"), str(tiny_sweep))
    wait_for(lambda: has_html(rc, "sweep-head") or ui_sweeps.error.value)
    assert not ui_sweeps.error.value
    head = html_widget(rc, "sweep-head").unsafe_innerHTML
    assert QUESTION in head and "8 runs" in head
    assert "sweep-heatmap" in all_html(rc) and "sweep-series" in all_html(rc)
    assert "sweep-means" in all_html(rc) and "sweep-findings" in all_html(rc)
    wait_for(lambda: not ui_sweeps.load_task.pending)  # its thread may still be rendering
    time.sleep(0.2)
    type_into(text_field(rc, "Sweep folder"), str(tmp_path))
    wait_for(lambda: bool(ui_sweeps.error.value))
    alerts = [str(a.children) for a in rc.find(v.Alert).widgets]
    assert any("is not a sweep" in a for a in alerts), alerts
    rc.close()
