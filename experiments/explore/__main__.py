"""``python -m experiments.explore [flags]``: the same as ``aieco explore [flags]``."""

from __future__ import annotations

import sys

from experiments.cli.args import fail
from experiments.explore.cli import explore_command
from sim.params import ConfigError

if __name__ == "__main__":
    try:
        explore_command(sys.argv[1:])
    except ConfigError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted", code=130)
