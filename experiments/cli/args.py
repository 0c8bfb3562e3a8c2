"""Argument parsing for the ``aieco`` commands: one-line errors that suggest the right word.

Python 3.11's :mod:`argparse` prints its usage and a bare ``unrecognized arguments`` on a
mistyped flag, and silently accepts an abbreviation (``--opennes`` for ``--openness``).
:class:`Parser` instead prints one line, ``aieco: error: ...``, on stderr and exits with 2,
naming the closest known flag or choice; abbreviations are refused, so a typo never runs
anything.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``aieco: error: message`` (one line) on stderr and exit with ``code``."""
    one_line = " ".join(line.strip() for line in message.strip().splitlines())
    print(f"aieco: error: {one_line}", file=sys.stderr)
    raise SystemExit(code)


def suggest(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'X'?"`` for the choice closest to ``word``, or ``""`` if none is close.

    Examples
    --------
    >>> suggest("--quik", ["--quick", "--out"])
    "; did you mean '--quick'?"
    >>> suggest("zzz", ["run", "sweep"])
    ''
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class Parser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose errors are one suggesting line on stderr.

    Unknown flags name the closest known option string, invalid choices the closest choice;
    the line ends with a pointer to ``PROG --help``. Abbreviated flags are refused
    (``allow_abbrev=False`` unless given).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Print ``aieco: error: message (see 'PROG --help')`` on stderr and exit with 2."""
        fail(f"{message} (see '{self.prog} --help')")

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: Any = None) -> Any:
        """Parse like argparse, but name each unrecognized argument with a suggestion."""
        ns, extras = self.parse_known_args(args, namespace)
        if extras:
            self.error(self._unrecognized(extras))
        return ns

    def parse_intermixed_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                              namespace: Any = None) -> Any:
        """Parse flags and positionals in any order, with the same unrecognized messages."""
        ns, extras = self.parse_known_intermixed_args(args, namespace)
        if extras:
            self.error(self._unrecognized(extras))
        return ns

    def _unrecognized(self, extras: list[str]) -> str:
        flags = [a for a in extras if a.startswith("-") and a != "-"]
        if not flags:
            return "unexpected argument" + ("s " if len(extras) > 1 else " ") + " ".join(
                f"'{a}'" for a in extras)
        name = flags[0].split("=", 1)[0]
        message = f"unrecognized flag '{name}'{suggest(name, self._option_string_actions)}"
        others = [a for a in extras if a is not flags[0]]
        if others:
            message += " (also unrecognized: " + " ".join(f"'{a}'" for a in others) + ")"
        return message

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        # argparse's own check, with the closest choice named and the choices unquoted
        choices = action.choices
        if choices is not None and value not in choices:
            names = [str(c) for c in choices]
            raise argparse.ArgumentError(
                action, f"invalid choice '{value}'{suggest(str(value), names)} "
                        f"(choose from {', '.join(names)})")
