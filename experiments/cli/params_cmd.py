"""``aieco params [GROUP]``: every parameter a user can set, with its meaning and range.

Read from the schema (:func:`sim.params.describe`) and the option files, so the listing
cannot drift from what the model accepts.
"""

from __future__ import annotations

import argparse
import csv
import sys
import textwrap
from typing import Any

COLUMNS = ("key", "default", "range", "unit", "meaning", "source")
WIDTHS = {"key": 32, "default": 10, "range": 16, "unit": 12, "meaning": 38, "source": 26}


def value_text(value: Any) -> str:
    """A default as the command line spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ",".join(value_text(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def range_text(row: dict[str, Any]) -> str:
    """The valid values of a parameter, in words."""
    if row["choices"]:
        return " | ".join(row["choices"])
    if row["type"] == "bool":
        return "true | false"
    if row["type"].startswith("tuple"):
        return "list of numbers"
    lo, hi = row["lo"], row["hi"]
    if lo is None and hi is None:
        return "any " + {"str": "label"}.get(row["type"], row["type"])
    return f"{value_text(lo)} to {value_text(hi)}"


def records(group: str | None) -> list[dict[str, str]]:
    """The rows of the listing, for one group or all."""
    from sim.params import describe

    rows = []
    for row in describe():
        if group is not None and row["key"].split(".", 1)[0] != group:
            continue
        rows.append({"key": row["key"], "default": value_text(row["default"]),
                     "range": range_text(row), "unit": row["unit"] or "-",
                     "meaning": row["doc"], "source": row["source"] or "-"})
    return rows


def table(rows: list[dict[str, str]]) -> str:
    """Rows as an aligned text table; long cells wrap inside their column (keys never)."""
    widths = {**WIDTHS, "key": max(WIDTHS["key"], *(len(r["key"]) for r in rows))}

    def line(cells: dict[str, list[str]]) -> list[str]:
        height = max(len(v) for v in cells.values())
        return ["  ".join((cells[c][i] if i < len(cells[c]) else "").ljust(widths[c])
                          for c in COLUMNS).rstrip() for i in range(height)]

    out = line({c: [c] for c in COLUMNS})
    out.append("  ".join("-" * widths[c] for c in COLUMNS))
    for row in rows:
        out += line({c: textwrap.wrap(row[c], widths[c]) or [""] for c in COLUMNS})
    return "\n".join(out)


def params_command(args: list[str]) -> None:
    """Print the parameters of one group or of all, and each group's named options."""
    from experiments.cli.args import Parser
    from sim.params import ConfigError, nearest, option_groups

    groups = option_groups()
    parser = Parser(
        prog="aieco params", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="List every parameter of the schema: its key (as 'aieco run' takes it), "
                    "default,\nvalid range, unit, meaning and source; and each config "
                    "group's named options.",
        epilog="examples:\n  aieco params\n  aieco params market\n"
               "  aieco params --format csv > params.csv")
    parser.add_argument("group", nargs="?", metavar="GROUP",
                        help="one config group: " + ", ".join(groups))
    parser.add_argument("--format", choices=("table", "csv"), default="table",
                        help="a text table (default) or CSV")
    parser.add_argument("--plausible", action="store_true",
                        help="list the plausible ranges instead (the default space of "
                             "'aieco sensitivity' and 'aieco discover'), with their sources")
    ns = parser.parse_args(args)
    if ns.group is not None and ns.group not in groups:
        raise ConfigError("GROUP", ns.group, f"unknown config group{nearest(ns.group, groups)}; "
                          "groups are: " + ", ".join(groups))
    if ns.plausible:
        _plausible(ns.group, ns.format)
        return
    rows = records(ns.group)
    if ns.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    shown = [ns.group] if ns.group else list(groups)
    print("options (pick one with group=option; set a value with group.key=value):")
    for g in shown:
        print(f"  {g:14s} {', '.join(groups[g])}")
    print()
    print(table(rows))


PLAUSIBLE_COLUMNS = ("key", "default", "plausible", "dist", "source")
PLAUSIBLE_WIDTHS = {"key": 30, "default": 10, "plausible": 22, "dist": 10, "source": 60}


def _plausible(group: str | None, fmt: str) -> None:
    """Print the plausible ranges (of one group or all) as a table or CSV."""
    from sim.params.plausible import table as plausible_table

    rows = [{k: value_text(v) if k == "default" else str(v) for k, v in r.items()}
            for r in plausible_table()
            if group is None or r["key"].split(".", 1)[0] == group]
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=PLAUSIBLE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    widths = PLAUSIBLE_WIDTHS
    print("plausible ranges: the default space of 'aieco sensitivity' and 'aieco discover' "
          "(sim/params/plausible.py)")
    print("  ".join(c.ljust(widths[c]) for c in PLAUSIBLE_COLUMNS).rstrip())
    print("  ".join("-" * widths[c] for c in PLAUSIBLE_COLUMNS))
    for row in rows:
        cells = {c: textwrap.wrap(row[c], widths[c]) or [""] for c in PLAUSIBLE_COLUMNS}
        for i in range(max(len(v) for v in cells.values())):
            print("  ".join((cells[c][i] if i < len(cells[c]) else "").ljust(widths[c])
                            for c in PLAUSIBLE_COLUMNS).rstrip())
