"""The sentence that says what an outcome hangs on names every factor in one of three groups."""

import pandas as pd

from analysis.sensitivity_report import drivers


def test_factors_whose_interval_spans_the_threshold_are_named_as_undecided():
    rows = [("a", 0.6, 0.3, 0.9), ("b", 0.43, 0.044, 0.82), ("c", 0.001, 0.0, 0.002)]
    ind = pd.DataFrame([{"outcome": "hhi_final", "index": "ST", "factor": f, "value": v,
                         "lo": lo, "hi": hi} for f, v, lo, hi in rows])
    text = drivers(ind, "hhi_final")
    assert text.startswith("`hhi_final` hangs on `a` (ST 0.6 [0.3, 0.9])")
    assert "undecided at this N (interval spans 0.05): `b` (ST 0.43 [0.044, 0.82])" in text
    assert text.split("negligible: ")[1].startswith("`c`")
