"""``aieco explore``: start the explorer in this process and print its address.

The server listens on 127.0.0.1 unless ``--host`` names another interface, and then says
on stderr who can reach it. Flags are checked before anything starts, each failure in one
line (``aieco: error: ...``, exit code 2).
"""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import os
import socket
import sys
import threading
import time
import warnings
from pathlib import Path

from experiments.cli.args import Parser, fail

DEFAULT_PORT = 8765
LOOPBACK = ("127.0.0.1", "localhost", "::1")
INSTALL_HINT = ("pip install solara solara-assets 'ipyvuetify<3' 'ipyvue<3' (the explorer's "
                "extra)")

DESCRIPTION = """\
Open the aieco explorer in your browser: run a scenario live (step, run, pause, reset, with
the 'aieco run' line that reproduces it), compare two scenarios over the same seeds (paired
differences with 95% bands), and browse sweep folders and the runs you saved.

It listens on 127.0.0.1 (this machine only) and prints the address to open; Ctrl-C stops
it. Runs saved from the live page go to OUT/explore/; the sweeps page lists OUT/sweeps/."""

EXAMPLES = """\
examples:
  aieco explore
  aieco explore --sweep outputs/sweeps/concentration
  aieco explore --port 8800 --out results"""


def parser() -> Parser:
    """The ``aieco explore`` argument parser."""
    p = Parser(prog="aieco explore", description=DESCRIPTION, epilog=EXAMPLES,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N",
                   help="port to listen on; 0 picks a free one (default: %(default)s)")
    p.add_argument("--host", default="127.0.0.1", metavar="H",
                   help="interface to listen on (default: %(default)s, this machine only; "
                        "anything else lets other machines reach the explorer)")
    p.add_argument("--sweep", metavar="DIR", help="a sweep folder to open on the sweeps page")
    p.add_argument("--threads", type=int, default=1, metavar="N",
                   help="Numba threads for the explorer's models; results are the same on "
                        "any number (default: %(default)s, which leaves the other cores to "
                        "the page and the browser)")
    p.add_argument("--out", default="outputs", metavar="DIR",
                   help="where saved runs go (DIR/explore) and sweeps are listed from "
                        "(DIR/sweeps) (default: %(default)s)")
    return p


def check(ns: argparse.Namespace) -> None:
    """Check the flags (one-line failures); pick a port for ``--port 0``."""
    from experiments.explore.sweeps import DEPTH, holds_runs

    if importlib.util.find_spec("solara") is None:
        fail(f"the explorer needs Solara, which is not installed: {INSTALL_HINT}")
    if not 1 <= ns.threads <= (os.cpu_count() or 1):
        fail(f"--threads={ns.threads} is invalid: must be an integer in "
             f"[1, {os.cpu_count() or 1}] (the cores of this machine)")
    if not 0 <= ns.port <= 65535:
        fail(f"--port={ns.port} is invalid: must be an integer in [0, 65535]")
    if ns.sweep is not None:
        sweep = Path(ns.sweep).expanduser()
        if not sweep.is_dir():
            fail(f"--sweep={ns.sweep} is invalid: not a folder")
        if not holds_runs(sweep):
            fail(f"--sweep={ns.sweep} is invalid: not a sweep (no run folder with a "
                 f"manifest.json within {DEPTH} levels below it)")
    out = Path(ns.out).expanduser()
    if out.exists() and not out.is_dir():
        fail(f"--out={ns.out} is invalid: exists and is not a folder")
    try:
        ns.port = free_port(ns.host, ns.port)
    except OSError as exc:
        reason = "is in use" if ns.port else "has no free port"
        if exc.errno not in (98, 48):  # EADDRINUSE on Linux, macOS
            reason = f"cannot be used ({exc.strerror or exc})"
        fail(f"--port={ns.port} on --host={ns.host} {reason}; choose another with --port "
             "(0 picks a free one)")


def free_port(host: str, port: int) -> int:
    """``port`` if it can be bound on ``host`` now (a free one for 0); OSError if not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        return int(s.getsockname()[1])


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only."""
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def explore_command(args: list[str]) -> None:
    """Start the explorer: check the flags, print the address, serve until Ctrl-C."""
    ns = parser().parse_args(args)
    check(ns)
    if not is_loopback(ns.host):
        print(f"aieco explore: warning: listening on {ns.host}, not only on this machine: "
              f"anyone who can reach port {ns.port} can use the explorer, run simulations "
              "with it and read the sweep folders it shows. Use --host 127.0.0.1 unless "
              "you trust that network.", file=sys.stderr)
    if importlib.util.find_spec("solara_assets") is None:
        print("aieco explore: warning: solara-assets is not installed, so the page loads "
              "its scripts from cdn.jsdelivr.net and stays blank without internet access; "
              f"{INSTALL_HINT}", file=sys.stderr)
    os.environ["AIECO_EXPLORE_OUT"] = str(Path(ns.out).expanduser().resolve())
    os.environ["AIECO_EXPLORE_THREADS"] = str(ns.threads)
    if ns.sweep:
        os.environ["AIECO_EXPLORE_SWEEP"] = str(Path(ns.sweep).expanduser().resolve())
    serve(ns.host, ns.port)


def serve(host: str, port: int) -> None:
    """Serve the app in this process with uvicorn; print the address once it listens."""
    os.environ["SOLARA_APP"] = "experiments.explore.app"
    os.environ["SOLARA_MODE"] = "production"  # no reloading, no tracebacks on the page
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    warnings.filterwarnings("ignore", message=".*samesite=none.*")
    import logging

    import solara.server.starlette  # noqa: F401 - reads SOLARA_APP when imported
    import uvicorn

    logging.getLogger("MESA").setLevel(logging.WARNING)
    server = uvicorn.Server(uvicorn.Config("solara.server.starlette:app", host=host,
                                           port=port, log_level="warning", access_log=False,
                                           loop="asyncio"))
    address = address_of(host, port)

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.02)
        if server.started:
            print(f"aieco explore: open {address} in a browser (Ctrl-C stops it)",
                  flush=True)
            warm()

    threading.Thread(target=announce, daemon=True, name="aieco-announce").start()
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after shutting down cleanly
        pass


def address_of(host: str, port: int) -> str:
    """The address to open: this machine's for a wildcard host, which no browser opens."""
    if host in ("0.0.0.0", "::", ""):
        return (f"http://127.0.0.1:{port}/ here, or http://{socket.gethostname()}:{port}/ "
                "from another machine,")
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def warm() -> None:
    """Import the model and load its compiled kernels before the first page asks for them."""
    try:
        from experiments.explore.controls import Scenario
        from experiments.explore.live import LiveRun

        LiveRun(Scenario().with_option("population", "tiny")).step()
    except Exception:
        pass
