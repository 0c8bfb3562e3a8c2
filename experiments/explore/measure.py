"""Measure the explorer against its speed targets, in a real browser.

``python -m experiments.explore.measure [--steps N] [--population TIER] [--runs K]`` starts
``aieco explore`` as a subprocess (as a user would), opens it in headless Chromium and reports:

* **start-up**: from starting the process to the printed address, and to the first page
  being usable (its Step button drawn);
* **a live step**: from clicking Step to the page showing the new quarter, painted (timed
  inside the browser, so Playwright's own overhead is not counted), with the model's time
  for the step and the server's time to render the frame, at the given population tier;
* **running**: quarters a second and frames a second shown while Run is on.

It needs Playwright and Debian's Chromium (``/usr/bin/chromium``). Figures vary with the
machine's load, which is printed with them; run it twice for a warm cache.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-quic", "--no-first-run"]

#: click Step in the page, resolve once the status shows quarter ``t`` and two frames painted
STEP_JS = """async (t) => {
  const t0 = performance.now();
  const shown = () => {
    const el = document.querySelector('[data-testid=live-status]');
    return el && el.getAttribute('data-t') === String(t);
  };
  const done = new Promise(resolve => {
    const obs = new MutationObserver(() => {
      if (shown()) { obs.disconnect(); resolve(performance.now() - t0); }
    });
    obs.observe(document.body, {subtree: true, attributes: true, childList: true,
                                characterData: true});
  });
  document.querySelector('.btn-step').click();
  const updated = await done;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return [updated, performance.now() - t0];
}"""


def command() -> list[str]:
    """``aieco explore`` if the command table has it, else the same function by module."""
    from experiments.cli import COMMANDS

    aieco = Path(sys.executable).with_name("aieco")
    if "explore" in COMMANDS and aieco.exists():
        return [str(aieco), "explore"]
    return [sys.executable, "-m", "experiments.explore"]


def start_server(out: Path) -> tuple[subprocess.Popen, str, float, float]:
    """Start the explorer; return it, its address, the start time and seconds to the address."""
    start = time.perf_counter()
    proc = subprocess.Popen([*command(), "--port", "0", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"},
                            start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in proc.stdout or []:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    line = lines.get(timeout=180)
    found = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if not found:
        raise RuntimeError(f"no address in {line!r}")
    return proc, found[0], start, time.perf_counter() - start


def pick(page: Any, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).click(force=True)
    page.locator(".menuable__content__active").get_by_role(
        "option", name=option, exact=True).click()
    page.wait_for_timeout(400)


def quantiles(values: list[float]) -> str:
    """``median (p10 to p90)`` in ms."""
    v = sorted(values)
    p = (lambda q: v[min(len(v) - 1, int(q * len(v)))]) if v else (lambda q: float("nan"))
    return f"{statistics.median(v):.0f} ms ({p(0.1):.0f} to {p(0.9):.0f})"


def step_clicks(page: Any, steps: int) -> dict[str, list[float]]:
    """Click Step ``steps`` times; per click: browser time to update and to paint, model
    time, and the server's render time (reported with the next frame)."""
    status = page.get_by_test_id("live-status")
    out: dict[str, list[float]] = {"update": [], "painted": [], "model": [], "render": [],
                                   "html": []}
    for t in range(1, steps + 1):
        updated, drawn = page.evaluate(STEP_JS, t)
        out["update"].append(updated)
        out["painted"].append(drawn)
        out["model"].append(float(status.get_attribute("data-step-ms") or "nan"))
        page.wait_for_timeout(120)
        out["render"].append(float(status.get_attribute("data-render-ms") or "nan"))
        out["html"].append(float(status.get_attribute("data-html-ms") or "nan"))
    out["render"] = out["render"][1:]  # the first reading is the frame before the clicks
    out["html"] = out["html"][1:]
    return out


def run_for(page: Any, seconds: float) -> tuple[float, float]:
    """Press Run for ``seconds``; quarters a second, and status updates a second."""
    status = page.get_by_test_id("live-status")
    q0, t0 = int(status.get_attribute("data-t") or 0), time.perf_counter()
    frames = page.evaluate("""(secs) => new Promise(resolve => {
        let n = 0; const obs = new MutationObserver(() => n++);
        const el = document.querySelector('[data-testid=live-status]');
        obs.observe(el.parentNode.parentNode, {subtree: true, attributes: true,
                                               childList: true});
        document.querySelector('.btn-run').click();
        setTimeout(() => { obs.disconnect(); resolve(n); }, secs * 1000); })""", seconds)
    page.locator(".btn-pause").click()
    page.wait_for_timeout(500)
    elapsed = time.perf_counter() - t0
    return (int(status.get_attribute("data-t") or q0) - q0) / elapsed, frames / seconds


def measure(steps: int, population: str, run_seconds: float) -> dict[str, Any]:
    """One measurement: start-up, ``steps`` Step clicks, then ``run_seconds`` of Run."""
    import tempfile

    from playwright.sync_api import sync_playwright

    out = Path(tempfile.mkdtemp(prefix="aieco-measure-"))
    load_before = os.getloadavg()
    with sync_playwright() as p:  # the browser is up first, as a user's usually is
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        proc, url, start, to_address = start_server(out)
        try:
            page.goto(url)
            page.locator(".btn-step").wait_for(timeout=120_000)
            usable = time.perf_counter() - start
            if population != "default":
                pick(page, "population", population)
            field = page.locator(".field-run-steps input")
            field.fill(str(steps + 400))
            field.press("Enter")
            page.wait_for_timeout(400)
            clicks = step_clicks(page, steps)
            per_s, frames_per_s = run_for(page, run_seconds)
        finally:
            browser.close()
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    return {"population": population, "steps": steps, "to_address_s": to_address,
            "first_page_usable_s": usable, "click_to_update_ms": clicks["update"],
            "click_to_painted_ms": clicks["painted"], "model_step_ms": clicks["model"],
            "server_render_ms": clicks["render"], "server_html_ms": clicks["html"],
            "run_quarters_per_s": per_s,
            "run_updates_per_s": frames_per_s, "load_before": load_before,
            "load_after": os.getloadavg()}


def report(r: dict[str, Any]) -> str:
    """The figures as lines of text."""
    lines = [
        f"population={r['population']}, {r['steps']} Step clicks; load average "
        f"{r['load_before'][0]:.1f} before, {r['load_after'][0]:.1f} after (2 cores)",
        f"  start to address:       {r['to_address_s']:.1f} s",
        f"  start to page usable:   {r['first_page_usable_s']:.1f} s",
        f"  Step click to update:   {quantiles(r['click_to_update_ms'])}",
        f"  Step click to painted:  {quantiles(r['click_to_painted_ms'])}",
        f"    model step:           {quantiles(r['model_step_ms'])}",
        f"    server render:        {quantiles(r['server_render_ms'])}",
        f"      of which the HTML:  {quantiles(r['server_html_ms'])}",
        f"  Run: {r['run_quarters_per_s']:.1f} quarters/s, "
        f"{r['run_updates_per_s']:.1f} page updates/s",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the measurement ``--runs`` times and print each."""
    parser = argparse.ArgumentParser(prog="python -m experiments.explore.measure",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="Step clicks (default 20)")
    parser.add_argument("--population", default="default",
                        help="population tier of the live run (default: default)")
    parser.add_argument("--runs", type=int, default=2,
                        help="measurements; the first warms the caches (default 2)")
    parser.add_argument("--run-seconds", type=float, default=5.0,
                        help="seconds of Run after the clicks (default 5)")
    ns = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    for i in range(ns.runs):
        print(f"run {i + 1} of {ns.runs}:", flush=True)
        print(report(measure(ns.steps, ns.population, ns.run_seconds)), flush=True)


if __name__ == "__main__":
    main()
