"""The golden run is unchanged: every number of every stored table, NaN included."""

from __future__ import annotations

import pandas as pd
import pytest
from golden import CASES, GOLDEN, tables


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_run_is_unchanged(name):
    metrics, agents = tables(name)
    for kind, now in (("metrics", metrics), ("agents", agents)):
        stored = pd.read_parquet(GOLDEN / f"{name}.{kind}.parquet")
        pd.testing.assert_frame_equal(now, stored, check_exact=True)
