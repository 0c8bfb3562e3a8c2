"""Scenario discovery with EMA Workbench: a case of interest, PRIM boxes, feature scores.

Reads a study folder made by ``aieco discover`` (``samples.parquet``, ``outputs.parquet``,
``study.json``) and writes ``discovery.md``, its figures and tables. The case of interest is
a boolean expression over outcomes (``hhi > 2500``, ``harm > 0.5 and hhi > 2000``): outcome
names as ``aieco`` spells them (``hhi`` is the final value, ``harm`` the run mean) or summary
columns (``hhi_mean``). Each scenario's outcome is the mean over its replicates.

PRIM (Friedman & Fisher 1999) peels the factor space towards boxes dense in the case;
every box on its trajectory has a coverage (share of all cases inside the box) and a
density (share of the box's scenarios that are cases), and each restricted dimension a
quasi-p-value (the chance the restriction's gain in density arises by chance; Bryant &
Lempert 2010). The box reported is the one with the most coverage among those of density
at least the threshold (the last box if none reaches it). Extra-trees feature scores
(Jaxa-Rozen & Kwakkel 2018) cross-check which factors matter.

References
----------
Friedman, J. H. & Fisher, N. I. (1999). Bump hunting in high-dimensional data. Statistics
and Computing 9, 123-143. Bryant, B. P. & Lempert, R. J. (2010). Thinking inside the box.
Technological Forecasting and Social Change 77, 34-49. Kwakkel, J. H. (2017). The
Exploratory Modeling Workbench. Environmental Modelling & Software 96, 239-250.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.sensitivity_report import base_text
from analysis.tables import write_table
from analysis.theme import DPI, PALETTE, num, set_theme
from sim.io import atomic_write, write_text


def case_names(expr: str, column: Callable[[str], str]) -> dict[str, str]:
    """The outcome names of a case expression and their summary columns (checked).

    ``column`` maps a name to its summary column or raises ``ConfigError``.
    """
    from sim.params import ConfigError

    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise ConfigError("--case", expr, f"is not an expression ({exc.msg})") from None
    names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
                   - {"and", "or", "not", "True", "False"})
    if not names:
        raise ConfigError("--case", expr, "names no outcome (e.g. 'hhi > 2500')")
    out = {n: column(n) for n in names}
    # tried on made-up values now, so a case pandas cannot evaluate is refused before runs
    case(expr, out, pd.DataFrame({c: [1.0, 2.0] for c in out.values()}))
    return out


def case(expr: str, names: dict[str, str], outputs: pd.DataFrame) -> np.ndarray:
    """Whether each row of ``outputs`` is a case of interest."""
    from sim.params import ConfigError

    frame = pd.DataFrame({n: outputs[c].to_numpy(dtype=float) for n, c in names.items()})
    try:
        y = frame.eval(expr)
    except Exception as exc:
        raise ConfigError("--case", expr, f"cannot be evaluated ({exc})") from None
    y = np.asarray(y)
    if y.dtype != bool:
        raise ConfigError("--case", expr, "must be true or false for each scenario (a "
                          "comparison such as 'hhi > 2500')")
    return y


def factor_frame(samples: pd.DataFrame, factors: list[dict[str, Any]]) -> pd.DataFrame:
    """The scenarios' factor values: options as categoricals, numbers as numbers."""
    x = pd.DataFrame(index=range(len(samples)))
    for f in factors:
        values = samples[f["key"]].to_numpy()
        if f["kind"] == "option":
            x[f["key"]] = pd.Categorical(values.astype(str), categories=list(f["choices"]))
        else:
            x[f["key"]] = values.astype(float)
    return x


@dataclass
class Discovery:
    """What PRIM and feature scoring found."""

    trajectory: pd.DataFrame
    chosen: int
    limits: pd.DataFrame
    scores: pd.DataFrame
    cases: int
    scenarios: int


def discover(x: pd.DataFrame, y: np.ndarray, threshold: float = 0.8,
             seed: int = 0) -> Discovery:
    """PRIM's first box (its whole peeling trajectory) and extra-trees feature scores."""
    import warnings

    from ema_workbench.analysis import feature_scoring, prim

    from analysis.ema_compat import patch_prim

    patch_prim()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(x, y, threshold=threshold)
        box = p.find_box()
        traj = box.peeling_trajectory.copy()
        ok = traj[traj["density"] >= threshold]
        # the most coverage at the threshold's density; of equal coverage, the densest
        best = ok.sort_values(["coverage", "density"], kind="stable").index
        chosen = int(best[-1]) if not ok.empty else int(traj.index[-1])
        _, lims = box.inspect(chosen, style="data")[0]
        scores, _ = feature_scoring.get_ex_feature_scores(
            x, y, mode=feature_scoring.RuleInductionType.CLASSIFICATION, random_state=seed)
    return Discovery(traj, chosen, _limits(lims, x), scores.reset_index(), int(y.sum()),
                     len(y))


def _limits(lims: pd.DataFrame, x: pd.DataFrame) -> pd.DataFrame:
    """The box's restricted dimensions: factor, lower, upper (or options), quasi-p-value."""
    rows = []
    for factor, r in lims.iterrows():
        lo, hi, qp_lo, qp_hi = r.to_numpy()
        qps = [float(q) for q in (qp_lo, qp_hi) if q is not None and np.isfinite(float(q))]
        if isinstance(lo, set | frozenset):
            cats = [c for c in x[factor].cat.categories if c in lo]
            rows.append({"factor": factor, "box": ", ".join(cats), "full range":
                         ", ".join(x[factor].cat.categories), "qp": max(qps or [np.nan])})
        else:
            rows.append({"factor": factor, "box": f"{num(float(lo))} to {num(float(hi))}",
                         "full range": f"{num(float(x[factor].min()))} to "
                         f"{num(float(x[factor].max()))}", "qp": max(qps or [np.nan])})
    return pd.DataFrame(rows, columns=["factor", "box", "full range", "qp"])


def tradeoff_figure(d: Discovery, path: Path) -> None:
    """Coverage against density along PRIM's peeling trajectory; the chosen box marked."""
    import matplotlib.pyplot as plt

    t = d.trajectory
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    sc = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=22)
    ax.plot(t["coverage"], t["density"], color="0.7", lw=0.8, zorder=0)
    c = t.loc[d.chosen]
    ax.scatter([c["coverage"]], [c["density"]], s=140, facecolors="none",
               edgecolors=PALETTE[1], lw=2, label=f"box {d.chosen} (reported)")
    from matplotlib.ticker import MaxNLocator

    bar = fig.colorbar(sc, ax=ax, label="restricted dimensions")
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    ax.set_xlabel("coverage (share of cases in the box)")
    ax.set_ylabel("density (share of the box that are cases)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left")
    ax.set_title("PRIM peeling trajectory")
    _save(fig, path)


def scores_figure(d: Discovery, path: Path) -> None:
    """Extra-trees feature scores of the case."""
    import matplotlib.pyplot as plt

    s = d.scores.sort_values(d.scores.columns[1], ascending=True)
    fig, ax = plt.subplots(figsize=(5.6, 0.4 * len(s) + 1.2))
    ax.barh(s.iloc[:, 0].astype(str), s.iloc[:, 1], color=PALETTE[0])
    ax.set_xlabel("feature score (extra trees)")
    ax.set_title("Which factors separate the cases")
    _save(fig, path)


def _save(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI), sync=False)
    plt.close(fig)


def write_discovery(root: Path, expr: str, names: dict[str, str], threshold: float,
                    seed: int = 0) -> Path:
    """Run PRIM and feature scoring on a discover folder and write ``discovery.md``."""
    set_theme()
    root = Path(root)
    study = json.loads((root / "study.json").read_text())
    manifest = json.loads((root / "manifest.json").read_text())
    samples = pd.read_parquet(root / "samples.parquet").sort_values("point")
    outputs = pd.read_parquet(root / "outputs.parquet")
    means = outputs.groupby("point").mean(numeric_only=True).reindex(samples["point"])
    factors = study["identity"]["factors"]
    x = factor_frame(samples, factors)
    y = case(expr, names, means)
    head = _head(study, manifest, expr, y)
    if y.all() or not y.any():
        head.append(f"Every scenario is {'a case' if y.all() else 'not a case'}: there is "
                    "nothing to discover; widen the ranges or change the case.")
        path = root / "discovery.md"
        write_text("\n".join(head) + "\n", path)
        return path
    d = discover(x, y, threshold, seed)
    tradeoff_figure(d, root / "figures" / "prim_tradeoff.png")
    scores_figure(d, root / "figures" / "feature_scores.png")
    write_table(d.limits, root / "tables" / "prim_box", units={"qp": "quasi-p"},
                caption=f"PRIM box {d.chosen} for the case {expr}.")
    scores = d.scores.rename(columns={d.scores.columns[0]: "factor",
                                      d.scores.columns[1]: "score"})
    write_table(scores, root / "tables" / "feature_scores", units={"score": "share"},
                caption=f"Extra-trees feature scores for the case {expr}.")
    path = root / "discovery.md"
    write_text("\n".join([*head, *_body(d, scores)]) + "\n", path)
    return path


def _head(study: dict[str, Any], manifest: dict[str, Any], expr: str,
          y: np.ndarray) -> list[str]:
    ident = study["identity"]
    keys = ", ".join(f"`{f['key']}`" for f in ident["factors"])
    lines = [f"# Scenario discovery: {ident['name']}", "",
             f"Case of interest: `{expr}`; {int(y.sum())} of {len(y)} scenarios "
             f"({num(100 * float(y.mean()))}%). Latin hypercube over {keys}; "
             f"replicates per scenario: {ident['replicates']} (averaged). Base scenario: "
             + base_text(study) + "."]
    if "speed_ratio" in manifest:
        lines += ["", f"Speed: {manifest['runs_made']} runs made in {manifest['engine_s']:.1f} "
                  f"s on {manifest['workers']} workers; wall / (model time / workers) = "
                  f"{manifest['speed_ratio']:.2f}."]
    return [*lines, ""]


def _body(d: Discovery, scores: pd.DataFrame) -> list[str]:
    c = {str(k): float(v) for k, v in d.trajectory.loc[d.chosen].to_dict().items()}
    lines = ["## PRIM", "", "![trade-off](figures/prim_tradeoff.png)", "",
             f"Box {d.chosen}: coverage {num(float(c['coverage']))}, density "
             f"{num(float(c['density']))}, mass {num(float(c['mass']))}, "
             f"{int(c['res_dim'])} restricted dimensions (also `tables/prim_box.csv|tex`):",
             "", "| factor | box | full range | quasi-p |", "|---|---|---|---|"]
    for r in d.limits.to_dict("records"):
        lines.append(f"| `{r['factor']}` | {r['box']} | {r['full range']} | {num(r['qp'])} |")
    lines += ["", "A restriction with a quasi-p-value above 0.05 may be chance.", "",
              "## Feature scores", "", "![scores](figures/feature_scores.png)", "",
              "| factor | score |", "|---|---|"]
    for r in scores.sort_values("score", ascending=False).to_dict("records"):
        lines.append(f"| `{r['factor']}` | {num(float(r['score']))} |")
    return lines
