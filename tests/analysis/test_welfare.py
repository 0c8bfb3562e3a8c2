"""Where a report's welfare ranking flips as the weight on harm grows."""

from __future__ import annotations

import numpy as np
import pytest
from test_answer import SEEDS, design, summary_of

from analysis.welfare import flip_weight, harm_weight_lines

SIZE = 100.0  # market.market_size: harm counts harm / SIZE in welfare per user-quarter


def welfare_of(harm: dict[tuple[str, str], float], gain: dict[tuple[str, str], float]):
    """Cells whose run-mean welfare is ``gain - harm / SIZE`` (the model's weight of 1)."""
    noise = np.random.default_rng(1).normal(0, 0.01, SEEDS)
    s = summary_of({k: h + noise for k, h in harm.items()})
    s["welfare_mean"] = [gain[(e, o)] - h / SIZE for e, o, h in
                         zip(s["enf"], s["open"], s["harm_mean"], strict=True)]
    return s


def test_the_flip_weight_is_where_the_weighted_difference_changes_sign():
    d_w, d_h = 0.5, 10.0  # half a price unit more welfare, 10 harm units more a quarter
    w = flip_weight(d_w, d_h, SIZE)
    assert w == pytest.approx(6.0)
    assert d_w - (w - 1) * d_h / SIZE == pytest.approx(0.0)


def test_each_cell_says_whether_and_where_its_ranking_flips():
    harm = {("weak", "api"): 2.0, ("strong", "api"): 1.0, ("weak", "weights"): 12.0,
            ("strong", "weights"): 2.0}
    gain = {("weak", "api"): 1.0, ("strong", "api"): 1.02, ("weak", "weights"): 1.6,
            ("strong", "weights"): 0.98}
    lines = harm_weight_lines(welfare_of(harm, gain), design(summary_of(
        {k: np.zeros(SEEDS) for k in harm})), SIZE)
    text = "\n".join(lines)
    assert len(lines) == 3
    # weights: +0.6 - 0.1 = +0.5 more welfare, +10 harm: flips above 1 + 100 * 0.5 / 10 = 6
    assert "enf=weak, open=weights: welfare +0.5 at the model's weight" in text
    assert "flips if a harm unit costs more than 6 price units" in text
    # strong enforcement behind an API: more welfare and less harm, at every weight
    assert "enf=strong, open=api: welfare +0.03" in text  # 0.02 + 1 / SIZE
    assert "holds at every weight on harm" in text
    # the same harm and a little less welfare: the harm difference is noise-free zero
    assert "enf=strong, open=weights" in text and "does not hang on the weight" in text


def test_a_cell_identical_to_the_reference_says_so():
    s = welfare_of({("weak", "api"): 2.0, ("strong", "api"): 2.0, ("weak", "weights"): 2.0,
                    ("strong", "weights"): 2.0}, dict.fromkeys(
                       [("weak", "api"), ("strong", "api"), ("weak", "weights"),
                        ("strong", "weights")], 1.0))
    lines = harm_weight_lines(s, design(s), SIZE)
    assert lines and all(line.endswith("the same welfare and harm as the reference in every "
                                       "seed.") for line in lines)


def test_no_section_without_the_market_size_or_welfare():
    s = summary_of({("weak", "api"): np.ones(SEEDS), ("strong", "api"): np.ones(SEEDS)})
    assert harm_weight_lines(s, design(s), SIZE) == []
    s["welfare_mean"] = 1.0
    assert harm_weight_lines(s, design(s), None) == []
