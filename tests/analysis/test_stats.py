"""The effects a report states: paired differences, interactions, bounded intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.stats import Effect, bootstrap_ci, cell_ci, interaction, mean_ci, paired


def grid(values: dict[tuple[str, str], np.ndarray]) -> pd.DataFrame:
    """A summary table: one row per (a, b, seed) with ``harm_mean`` (a flow) as given."""
    rows = []
    for (a, b), xs in values.items():
        rows += [{"a": a, "b": b, "seed": 0, "replicate": i, "harm_mean": x}
                 for i, x in enumerate(xs)]
    return pd.DataFrame(rows)


def test_paired_difference_removes_the_seed_noise_the_cells_share():
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 10, 8)  # the same draws in both cells: common random numbers
    summary = grid({("x", "p"): 50 + noise, ("y", "p"): 52 + noise + rng.normal(0, 0.1, 8)})
    e = paired(summary, "harm", {"a": "y", "b": "p"}, {"a": "x", "b": "p"})
    assert e.n == 8 and e.mean == pytest.approx(2, abs=0.2)
    lo, hi = e.ci
    assert 0 < lo < 2 < hi and hi - lo < 0.5  # unpaired, the interval would be ~20 wide
    assert e.clear and "clear at 95%" == e.verdict()


def test_pairs_are_matched_by_seed_not_by_row_order():
    summary = grid({("x", "p"): np.array([1.0, 2.0, 3.0]), ("y", "p"): np.array([2.0, 3.0, 4.0])})
    summary = summary.iloc[[0, 1, 2, 5, 4, 3]]  # the treated cell's rows in reverse
    e = paired(summary, "harm", {"a": "y", "b": "p"}, {"a": "x", "b": "p"})
    assert e.fixed and e.mean == 1.0 and "+1 (+50%) in every seed (no seed-to-seed" in e.text()


def test_one_seed_gives_no_interval_and_is_never_clear():
    summary = grid({("x", "p"): np.array([1.0]), ("y", "p"): np.array([5.0])})
    e = paired(summary, "harm", {"a": "y", "b": "p"}, {"a": "x", "b": "p"})
    assert e.n == 1 and not e.clear and e.verdict() == ""
    assert "one seed: no interval" in e.text()
    assert np.isnan(mean_ci([3.0])[1]) and np.isnan(bootstrap_ci([3.0])[2])


def test_a_zero_difference_in_every_seed_is_fixed_not_a_finding():
    summary = grid({("x", "p"): np.zeros(5), ("y", "p"): np.zeros(5)})
    e = paired(summary, "harm", {"a": "y", "b": "p"}, {"a": "x", "b": "p"})
    assert e.fixed and not e.clear and e.text() == "0 in every seed (identical)"


def test_interaction_is_the_difference_of_paired_effects():
    rng = np.random.default_rng(2)
    base = rng.normal(10, 3, 6)
    # effect of a: -4 at b=p, -1 at b=q: interaction +3; b itself adds 2
    summary = grid({("x", "p"): base, ("y", "p"): base - 4, ("x", "q"): base + 2,
                    ("y", "q"): base + 2 - 1})
    e = interaction(summary, "harm", "a", "b", ("x", "y", "p", "q"), {})
    assert e.mean == pytest.approx(3.0) and e.fixed and e.base == pytest.approx(-4.0)


def test_intervals_of_shares_and_counts_stay_in_range():
    skewed = np.array([0.0] * 9 + [30.0])  # a rare disaster: t-interval dips below 0
    assert mean_ci(skewed)[1] < 0
    m, lo, hi = cell_ci(skewed, "harm")
    assert lo >= 0 and hi <= 30 and lo <= m <= hi
    m, lo, hi = cell_ci(np.array([0.97, 1.0, 1.0, 0.99]), "safe_share")
    assert hi <= 1.0


def test_effect_text_gives_sign_interval_and_relative_change():
    e = Effect("harm", np.array([-1.0, -1.2, -0.8, -1.1]), base=2.0)
    assert e.text().startswith("-1.02 [") and "(-51%)" in e.text()


def test_a_paired_difference_of_shares_stays_within_minus_one_and_one():
    ref = np.array([0.0, 0.0, 0.0, 0.9])  # inspections make every lab safe in every seed
    summary = pd.concat([grid({("x", "p"): np.zeros(4)}).assign(safe_share_final=ref),
                         grid({("y", "p"): np.zeros(4)}).assign(safe_share_final=1.0)])
    e = paired(summary, "safe_share", {"a": "y", "b": "p"}, {"a": "x", "b": "p"})
    lo, hi = e.ci
    assert e.mean == pytest.approx(0.775) and hi == 1.0 and mean_ci(e.diffs)[2] > 1.0
    assert lo == mean_ci(e.diffs)[1]  # only the side beyond the range is clipped
