"""A real browser drives ``aieco explore``, started as a subprocess, through all three pages.

Headless Chromium is Debian's ``chromium`` package, launched by its path (Playwright's own
browser download is not reachable from our machines); ``.ci/run`` installs it. The test reads
the plotted values back from the page and checks them against ``sim.run`` for the command
line the page shows, and saves a screenshot of every page (in ``$AIECO_SCREENSHOTS`` if set,
else in pytest's temporary folder).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: the browser "
                       "test needs Debian's chromium (apt-get install -y chromium)"),
]
pytest.importorskip("solara", reason="the explorer's extra (solara) is not installed")
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (pip install playwright)")
expect = sync_api.expect

from .helpers import QUESTION  # noqa: E402


def explore_command() -> list[str]:
    """``aieco explore`` once the command table has it, else the same function by module."""
    from experiments.cli import COMMANDS

    aieco = Path(sys.executable).with_name("aieco")
    if "explore" in COMMANDS and aieco.exists():
        return [str(aieco), "explore"]
    return [sys.executable, "-m", "experiments.explore"]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("AIECO_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tiny_sweep: Path):
    """``aieco explore --port 0 --sweep <tiny sweep>``; yields its address, stops it after."""
    out = tmp_path_factory.mktemp("outputs")
    log = (out / "server.log").open("w")
    start = time.perf_counter()
    proc = subprocess.Popen([*explore_command(), "--port", "0", "--sweep", str(tiny_sweep),
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=log, text=True,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"},
                            start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    try:
        first = lines.get(timeout=120)
    except queue.Empty:
        proc.kill()
        pytest.fail("aieco explore printed no address within 120 s: "
                    + (out / "server.log").read_text()[-2000:])
    url = re.search(r"http://127\.0\.0\.1:\d+/", first)
    assert url, first
    yield {"url": url[0], "out": out, "ready_s": time.perf_counter() - start, "line": first}
    proc.send_signal(signal.SIGINT)  # as Ctrl-C: a clean shutdown
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: only what it started
    log.close()
    assert proc.returncode in (0, -signal.SIGINT, 130), (out / "server.log").read_text()[-2000:]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def pick(page, label: str, option: str, scope: str = "body") -> None:
    """Choose ``option`` in the select labelled ``label`` (inside ``scope``)."""
    page.locator(scope).get_by_label(label, exact=True).click(force=True)
    page.locator(".menuable__content__active").get_by_role(
        "option", name=option, exact=True).click()
    page.wait_for_timeout(300)


def type_into(page, css: str, text: str) -> None:
    field = page.locator(f"{css} input")
    field.fill(text)
    field.press("Enter")
    page.wait_for_timeout(200)


def no_traceback(page) -> None:
    assert "Traceback (most recent call last)" not in page.locator("body").inner_text()


def test_the_address_is_loopback_and_printed(server):
    assert server["url"].startswith("http://127.0.0.1:")
    assert "open http://127.0.0.1:" in server["line"]


def test_a_live_run_shows_the_numbers_of_its_command_line(server, page, shots):
    from experiments.cli.config import compose_params
    from sim import run

    start = time.perf_counter()
    page.goto(server["url"])
    page.locator(".btn-step").wait_for()
    usable_s = time.perf_counter() - start
    expect(page.get_by_test_id("banner")).to_contain_text("not forecasts")
    pick(page, "population", "tiny")
    pick(page, "openness", "open_weights")
    type_into(page, ".field-run-seed", "5")
    type_into(page, ".field-run-steps", "6")
    status = page.get_by_test_id("live-status")
    for t in (1, 2):
        page.locator(".btn-step").click()
        expect(status).to_have_attribute("data-t", str(t))
    page.locator(".btn-run").click()
    expect(status).to_have_attribute("data-t", "6")
    expect(status).to_have_attribute("data-running", "false")
    command = page.get_by_test_id("command").inner_text()
    assert command.startswith("aieco run population=tiny openness=open_weights run.seed=5")
    params, _ = compose_params(shlex.split(command)[2:])
    metrics = run(params, rng=params.run.seed).metrics
    checked = 0
    for chart in page.locator("svg.aieco-line").all():
        series = json.loads(chart.get_attribute("data-series"))
        for outcome, values in series.items():
            want = [None if v != v else float(v) for v in metrics[outcome].astype(float)]
            assert values == want, outcome
            checked += 1
    assert checked >= 15
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "live.png"), full_page=True)
    print(f"\nexplore: address after {server['ready_s']:.1f} s; first page usable "
          f"{usable_s:.1f} s after opening it")


def test_bad_input_is_one_visible_line(server, page, shots):
    page.goto(server["url"])
    page.locator(".btn-step").wait_for()
    type_into(page, ".field-market-reconsider_prob", "5")
    message = "market.reconsider_prob=5.0 is invalid: must be a probability in [0, 1]"
    expect(page.get_by_text(message)).to_be_visible()
    pick(page, "Parameter group", "jurisdictions")
    type_into(page, ".field-jurisdictions-stringency", "1, 0.5")
    expect(page.locator(".aieco-invalid")).to_contain_text("needs one value per jurisdiction")
    page.screenshot(path=str(shots / "live_error.png"), full_page=False)
    no_traceback(page)
    page.locator(".btn-step").click()  # the page still works
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-t", "1")


def test_compare_two_scenarios_over_seeds(server, page, shots):
    page.goto(server["url"] + "compare")
    page.locator(".btn-compare").wait_for()
    expect(page.get_by_test_id("banner")).to_be_visible()
    pick(page, "population", "tiny", scope=".scenario-a")
    pick(page, "population", "tiny", scope=".scenario-b")
    type_into(page, ".cmp-seeds", "3")
    type_into(page, ".cmp-steps", "5")
    page.locator(".btn-compare").click()
    summary = page.get_by_test_id("cmp-summary")
    expect(summary).to_contain_text("3 seeds, each run under both scenarios, 5 quarters",
                                    timeout=180_000)
    expect(page.get_by_test_id("cmp-diff-hhi")).to_be_visible()
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "compare.png"), full_page=True)
    no_traceback(page)


def test_sweeps_page_shows_the_sweep_and_refuses_a_folder_that_is_not_one(server, page, shots,
                                                                         tmp_path):
    page.goto(server["url"] + "sweeps")
    expect(page.get_by_test_id("sweep-head")).to_contain_text(QUESTION, timeout=120_000)
    expect(page.get_by_test_id("sweep-heatmap")).to_be_visible()
    expect(page.get_by_test_id("sweep-series")).to_be_visible()
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "sweeps.png"), full_page=True)
    type_into(page, ".sweep-path", str(tmp_path))
    expect(page.locator(".aieco-sweep-error")).to_contain_text("is not a sweep")
    page.screenshot(path=str(shots / "sweeps_error.png"), full_page=False)
    no_traceback(page)


def test_the_banner_links_the_model_description(server, page):
    page.goto(server["url"] + "sweeps")
    link = page.get_by_test_id("odd-link")
    expect(link).to_have_attribute("href", "/model")
    page.goto(server["url"] + "model")
    expect(page.get_by_test_id("odd")).to_contain_text("ODD")
