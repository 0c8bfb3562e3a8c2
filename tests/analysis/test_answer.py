"""The answer and the flags a report opens with, on summaries whose truth is known."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.answer import answer, effects_table, flags, interactions_table
from analysis.collect import ExperimentMeta
from analysis.design import Design

SEEDS = 6


def summary_of(cells: dict[tuple[str, str], np.ndarray]) -> pd.DataFrame:
    """Rows (enf, open, seed) with a flow (``harm_mean``) and a share (``safe_share_final``)."""
    rows = []
    for (enf, openness), harm in cells.items():
        for i, h in enumerate(harm):
            rows.append({"enf": enf, "open": openness, "seed": 0, "replicate": i,
                         "harm_mean": h, "safe_share_final": 0.0 if openness == "api" else 0.5,
                         "trust_final": 0.4 + 0.01 * i})
    return pd.DataFrame(rows)


def design(summary: pd.DataFrame) -> Design:
    levels = {"enf": ["weak", "strong"], "open": ["api", "weights"]}
    return Design(ExperimentMeta(name="t"), ["enf", "open"], levels,
                  {"enf": "weak", "open": "api"}, (SEEDS, SEEDS))


def interacting() -> pd.DataFrame:
    """Strong enforcement removes 1 behind an API and 5 with weights (seed noise shared)."""
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 2, SEEDS)  # shared by every cell, as common random numbers are

    def own() -> np.ndarray:  # what a cell adds of its own
        return rng.normal(0, 0.05, SEEDS)

    return summary_of({("weak", "api"): 2 + noise, ("strong", "api"): 1 + noise + own(),
                       ("weak", "weights"): 11 + noise + own(),
                       ("strong", "weights"): 6 + noise + own()})


def test_answer_states_the_effect_and_how_it_depends_on_the_second_lever():
    s = interacting()
    text = answer(s, design(s), "harm")
    assert text.startswith("Against `enf=weak` (with open=api), `harm` (run mean) changes at "
                           "`strong` by -")
    numbers = [float(x) for x in re.findall(r"[-+]?\d+\.\d+", text)]
    assert abs(numbers[0] + 1) < 0.1  # -1 behind the API
    assert any(abs(x + 5) < 0.1 for x in numbers)  # -5 with weights
    assert "at `open=weights` (difference -3.9" in text or "(difference -4" in text
    assert text.count("clear at 95%") == 2


def test_tables_hold_every_cell_and_every_contrast():
    s = interacting()
    d = design(s)
    effects = effects_table(s, d, ["harm"])
    assert len(effects) == 3 and effects["seeds"].eq(SEEDS).all()
    assert effects["harm"].str.endswith("*").all()
    inter = interactions_table(s, d, ["harm"])
    assert len(inter) == 1 and abs(float(inter.iloc[0]["harm"].split()[0]) + 4) < 0.1


def test_flags_name_fixed_outcomes_identical_cells_and_inert_levers():
    s = interacting()
    same = s["enf"] == "strong"
    s.loc[same & (s["open"] == "api"), "harm_mean"] = s.loc[
        (s["enf"] == "weak") & (s["open"] == "api"), "harm_mean"].to_numpy()
    found = flags(s, design(s), ["harm", "safe_share", "trust"])
    text = "\n".join(found)
    assert "`safe_share` (final value) is the same in every seed (fixed by the regime, or held " \
           "at a limit of its range) in " \
           "enf=weak, open=api (0); enf=weak, open=weights (0.5); enf=strong, open=api (0)" \
           in text
    assert "`enf` does not move `safe_share` (final value)" in text
    assert "`open` does not move `safe_share`" not in text and "`harm` (run" not in text
    assert "`enf` does not move `trust` (final" in text and "`open` does not move `trust`" in text
    assert "Identical in every seed and every outcome" in text
    assert "enf=weak, open=api and enf=strong, open=api" in text
    assert "One seed per setting" not in text


def test_an_outcome_equal_in_every_run_is_fixed_by_the_design():
    s = interacting().assign(trust_final=0.5)
    found = flags(s, design(s), ["trust"])
    assert found == ["`trust` (final value) is 0.5 in every run: fixed by the design, not a "
                     "finding."]


def test_a_declared_focus_is_followed_instead_of_the_largest_effect():
    s = interacting()
    d = design(s)
    d.levels["enf"] = ["weak", "mild", "strong"]
    mild = s[s["enf"] == "weak"].assign(enf="mild")
    mild["harm_mean"] += np.random.default_rng(4).normal(-0.2, 0.05, len(mild))
    s = pd.concat([s, mild], ignore_index=True)
    assert "The effect of `enf=strong`" in answer(s, d, "harm")
    d.meta.focus = "mild"
    assert "The effect of `enf=mild`" in answer(s, d, "harm")


def test_an_outcome_undefined_in_the_reference_cell_is_named():
    s = interacting()
    s.loc[(s["enf"] == "weak") & (s["open"] == "api"), "harm_mean"] = np.nan
    found = flags(s, design(s), ["harm"])
    assert any("undefined in every run of the reference cell (enf=weak, open=api)" in f
               for f in found)
