"""Tables for papers: CSV keeps numbers and intervals whole; LaTeX is booktabs with units."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.tables import escape, header, to_latex, write_table
from experiments.cli.compare import COLUMNS, write_tables


def test_csv_and_latex(tmp_path):
    df = pd.DataFrame({"regime": ["closed", "open_weights"], "hhi_final": [2500.0, 1200.5],
                       "hhi_final_lo": [2400.0, np.nan], "hhi_final_hi": [2600.0, np.nan],
                       "runs": [10, 10]})
    csv, tex = write_table(df, tmp_path / "t" / "means",
                           ci={"hhi_final": ("hhi_final", "hhi_final_lo", "hhi_final_hi")},
                           caption="Means 50% & more.")
    back = pd.read_csv(csv)
    assert list(back.columns) == ["regime", "hhi_final [0-10000]",
                                  "hhi_final [0-10000] 95% lo", "hhi_final [0-10000] 95% hi",
                                  "runs"]
    assert back.iloc[0, 1] == 2500.0
    text = tex.read_text()
    for part in (r"\toprule", r"\midrule", r"\bottomrule", r"\caption{Means 50\% \& more.",
                 r"open\_weights & 1200 & 10 \\", r"closed & 2500 [2400, 2600] & 10 \\",
                 r"\label{tab:means}", "{lrr}"):
        assert part in text, part


def test_escape_and_header():
    assert escape("a_b & 5% #1") == r"a\_b \& 5\% \#1"
    assert header("harm_mean") == "harm_mean [harm units/quarter]"
    assert header("x", {"x": "mu"}) == "x [mu]"
    assert to_latex(pd.DataFrame({"a": [1.0]})).startswith(r"\begin{tabular}{r}")


def test_compare_writes_paired_differences(tmp_path):
    rng = np.random.default_rng(0)
    values = {r: {k: rng.normal(size=5) + i for k, _ in COLUMNS}
              for i, r in enumerate(("closed", "open_weights"))}
    csv, tex = write_tables(values, tmp_path / "compare")
    df = pd.read_csv(csv)
    assert len(df) == len(COLUMNS)
    assert "open_weights - closed 95% lo" in df.columns
    row = df[df["outcome"].str.startswith("hhi (final) [0-10000]")].iloc[0]
    d = values["open_weights"]["hhi"] - values["closed"]["hhi"]
    assert row["open_weights - closed"] == np.float64(d.mean())
    assert row["open_weights - closed 95% lo"] < d.mean() < row["open_weights - closed 95% hi"]
    assert "paired difference" in tex.read_text()


def test_a_study_summarises_runs_as_summarise_does():
    from pathlib import Path

    from experiments.engine.study_runs import summary_row
    from sim.metrics import summarise

    golden = Path(__file__).resolve().parents[1] / "regression" / "golden"
    for path in sorted(golden.glob("*.metrics.parquet")):
        metrics = pd.read_parquet(path)
        want = {k: float(v) for k, v in summarise(metrics).items()
                if k.endswith(("_final", "_mean"))}
        got = summary_row(metrics)
        assert set(got) == set(want)
        for k, v in want.items():
            assert np.isclose(got[k], v, equal_nan=True), k
