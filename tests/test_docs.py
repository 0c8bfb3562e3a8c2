"""The documents stay true to the code: every parameter and outcome is described."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.metrics import OUTCOMES
from sim.params import describe
from sim.regimes import OPENNESS, REGULATION

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "ODD.md"
README = ROOT / "README.md"


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD.read_text()


def test_odd_has_the_seven_elements(odd):
    for element in ("Purpose and patterns", "Entities, state variables and scales",
                    "Process overview and scheduling", "Design concepts", "Initialisation",
                    "Input data", "Submodels"):
        assert element in odd, element


def test_odd_documents_every_parameter(odd):
    missing = [row["key"] for row in describe() if f"`{row['key']}`" not in odd]
    assert missing == []


def test_odd_and_readme_document_every_outcome(odd):
    readme = README.read_text()
    assert [k for k in OUTCOMES if f"`{k}`" not in odd] == []
    assert [k for k in OUTCOMES if f"`{k}`" not in readme] == []


def test_odd_names_every_regime(odd):
    assert [r for r in (*OPENNESS, *REGULATION) if f"`{r}`" not in odd] == []


def test_readme_shows_the_two_commands():
    readme = README.read_text()
    assert "make run" in readme and "make test" in readme
