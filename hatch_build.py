"""Build hook: record the git commit the wheel was built from in ``sim/_build.json``."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _git(*args: str, cwd: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                             timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


class CustomBuildHook(BuildHookInterface):
    """Writes the commit (with ``-dirty`` for uncommitted changes) into the wheel."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Add ``sim/_build.json`` with the commit to the files the wheel includes."""
        commit = _git("rev-parse", "HEAD", cwd=self.root)
        if commit and _git("status", "--porcelain", "--untracked-files=no", cwd=self.root):
            commit += "-dirty"
        path = Path(tempfile.mkdtemp()) / "_build.json"
        path.write_text(json.dumps({"commit": commit}))
        build_data["force_include"][str(path)] = "sim/_build.json"
