"""What every page of the explorer shares: settings, the banner, guarded handlers, styles.

An exception in a Solara event handler replaces the whole page with a traceback and ends the
session, so every handler goes through :func:`guarded`: a :class:`sim.params.ConfigError`
(or any other error) becomes one line on the page, and the traceback goes to the server's
console.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara

#: environment variables through which ``aieco explore`` passes its flags to the app
ENV_OUT, ENV_SWEEP = "AIECO_EXPLORE_OUT", "AIECO_EXPLORE_SWEEP"
ENV_THREADS = "AIECO_EXPLORE_THREADS"
ODD_PATH = "/model"

CSS = """
.aieco-banner { background: #fff4d6; border-bottom: 1px solid #e5c96f; padding: 8px 16px;
  font-size: 14px; line-height: 1.45; color: #3b3222; width: 100%; }
.aieco-banner a { font-weight: 600; }
.aieco-charts { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: flex-start; }
.aieco-charts svg { background: #fff; }
.aieco-live > div { margin-bottom: 8px; }
.aieco-status { font-size: 14px; color: #333; }
.aieco-status b { color: #111; }
.aieco-cmd { display: flex; gap: 8px; align-items: center; background: #f4f6f8;
  border: 1px solid #dde2e6; border-radius: 4px; padding: 6px 10px; }
.aieco-cmd code { font-size: 13px; user-select: all; white-space: pre-wrap;
  word-break: break-word; background: none; color: #1a3d5c; flex: 1; }
.aieco-cmd button { border: 1px solid #9ab; border-radius: 4px; padding: 2px 10px;
  background: #fff; cursor: pointer; font-size: 12px; }
table.aieco-table { border-collapse: collapse; font-size: 13px; }
table.aieco-table th, table.aieco-table td { border-bottom: 1px solid #e3e3e3;
  padding: 3px 8px; text-align: right; white-space: nowrap; }
table.aieco-table th { background: #f3f3f3; font-weight: 600; }
table.aieco-table td.l, table.aieco-table th.l { text-align: left; }
.aieco-note { font-size: 13px; color: #555; }
.aieco-h { font-size: 16px; font-weight: 600; margin: 6px 0 2px 0; color: #222; }
.aieco-sentences li { margin-bottom: 3px; }
.aieco-odd { max-width: 1000px; font-size: 14px; line-height: 1.5; }
.aieco-odd table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
.aieco-odd th, .aieco-odd td { border: 1px solid #ddd; padding: 3px 6px; vertical-align: top; }
.aieco-odd code { font-size: 12.5px; }
.aieco-group-fields .v-input { margin-top: 10px; }
.aieco-group-fields .v-messages__message { line-height: 1.3; }
"""


def out_dir() -> Path:
    """Where the explorer saves runs (``<out>/explore``) and finds sweeps (``<out>/sweeps``)."""
    return Path(os.environ.get(ENV_OUT) or "outputs")


def threads() -> int:
    """Numba threads for the explorer's models (``--threads``; 1 by default)."""
    try:
        return max(1, int(os.environ.get(ENV_THREADS) or 1))
    except ValueError:
        return 1


def sweep_arg() -> str:
    """The ``--sweep`` folder given to ``aieco explore``, or ``""``."""
    return os.environ.get(ENV_SWEEP, "")


def one_line(exc: BaseException) -> str:
    """An exception as one line: a ConfigError's own message, else its type and first line."""
    from sim.params import ConfigError

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, ConfigError):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def guarded(fn: Callable[..., Any], error: solara.Reactive[str]) -> Callable[..., None]:
    """``fn`` as an event handler whose errors become one line in ``error``."""
    def handler(*args: Any) -> None:
        try:
            error.value = ""
            fn(*args)
        except Exception as exc:
            error.value = one_line(exc)
            traceback.print_exc(file=sys.stderr)
    return handler


@solara.component
def ErrorLine(error: solara.Reactive[str], testid: str = "error") -> None:
    """The page's one-line error, if any."""
    if error.value:
        solara.Error(error.value, dense=True, classes=["aieco-error", f"aieco-{testid}"])


@solara.component
def Banner() -> None:
    """Says on every page that results are conditional scenarios, with the ODD's link."""
    solara.HTML(tag="div", classes=["aieco-banner"], attributes={"data-testid": "banner"},
                unsafe_innerHTML=(
        "<b>aieco explorer.</b> These are <b>conditional scenarios of a model, not "
        "forecasts</b>: each number says what follows in this model if its assumptions "
        "hold, in normalised units, and comparisons between scenarios mean more than any "
        f"single value. How the model works and what it leaves out: <a href='{ODD_PATH}' "
        "target='_blank' rel='noopener' data-testid='odd-link'>the model description "
        "(ODD)</a>."))
