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


def test_odd_process_overview_names_the_phases_in_the_codes_order(odd):
    from sim.phases import PHASES

    overview = odd[odd.index("### 3.1"):odd.index("### 3.2")]
    positions = [overview.find(f"`{phase.name}`") for phase in PHASES]
    assert -1 not in positions, [p.name for p, i in zip(PHASES, positions, strict=True) if i < 0]
    assert positions == sorted(positions)


def test_readme_documents_every_agent_snapshot_column():
    from sim.metrics import AGENT_COLUMNS

    readme = README.read_text()
    assert [k for k in AGENT_COLUMNS if f"| `{k}` |" not in readme] == []
