"""The experiment catalogue is generated from the configs and stays in step with them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_catalogue_matches_the_experiment_configs():
    path = ROOT / "experiments" / "catalogue.py"
    spec = importlib.util.spec_from_file_location("catalogue", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.render()
    assert (ROOT / "experiments" / "catalogue.md").read_text() == expected, (
        "run: python experiments/catalogue.py")
    for path in (ROOT / "configs" / "experiment").glob("*.yaml"):
        assert f"+experiment={path.stem}" in expected
