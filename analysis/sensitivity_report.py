"""The report of a sensitivity study: index plots with intervals, convergence, tables, text.

Reads only what the study saved (``study.json``, ``indices.parquet``,
``convergence.parquet``, ``seed_variance.parquet``, ``manifest.json``) and writes
``report.md``, ``figures/*.png`` and ``tables/*.csv|tex`` (:mod:`analysis.tables`). Sobol'
indices are shown after :func:`analysis.sensitivity.shown` (a negative index whose interval
covers zero is shown as zero).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.sensitivity import shown
from analysis.tables import write_table
from analysis.theme import DPI, PALETTE, num, set_theme
from sim.io import atomic_write, write_text

#: an index below this explains too little to name as a driver
NEGLIGIBLE = 0.05


def _save(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI), sync=False)
    plt.close(fig)


def _grid(n: int) -> tuple[Any, np.ndarray]:
    import matplotlib.pyplot as plt

    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.2 * rows + 0.6), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes


def sobol_figure(ind: pd.DataFrame, path: Path) -> None:
    """First-order and total indices per factor, one panel per outcome, 95% intervals."""
    t = shown(ind[(ind["phase"] == "sobol") & ind["index"].isin(["S1", "ST"])])
    outcomes = list(dict.fromkeys(t["outcome"]))
    fig, axes = _grid(len(outcomes))
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        d = t[t["outcome"] == outcome]
        factors = list(dict.fromkeys(d["factor"]))
        y = np.arange(len(factors))
        for k, (index, off) in enumerate((("S1", -0.18), ("ST", 0.18))):
            e = d[d["index"] == index].set_index("factor").reindex(factors)
            err = np.vstack([e["value"] - e["lo"], e["hi"] - e["value"]]).clip(min=0)
            ax.errorbar(e["value"], y + off, xerr=err, fmt="o", color=PALETTE[k], capsize=3,
                        label={"S1": "first order S1", "ST": "total ST"}[index])
        ax.set_yticks(y, factors)
        ax.invert_yaxis()
        ax.axvline(0, color="0.5", lw=0.8)
        ax.set_xlim(min(-0.05, float(d["lo"].min()) - 0.02), max(1.0, float(d["hi"].max())))
        ax.set_title(outcome)
        ax.set_xlabel("share of variance")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    # below the panels: inside one it can cover a factor's interval
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=9,
               bbox_to_anchor=(0.5, 0.0))
    fig.suptitle("Sobol' indices with 95% bootstrap intervals")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    _save(fig, path)


def morris_figure(ind: pd.DataFrame, path: Path) -> None:
    """Morris mu* (with its 95% interval) per factor, relative to the largest per outcome."""
    t = ind[(ind["phase"] == "morris") & (ind["index"] == "mu_star")]
    outcomes = list(dict.fromkeys(t["outcome"]))
    fig, axes = _grid(len(outcomes))
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        d = t[t["outcome"] == outcome]
        top = float(d["value"].max()) or 1.0
        y = np.arange(len(d))
        err = np.vstack([d["value"] - d["lo"], d["hi"] - d["value"]]).clip(min=0) / top
        ax.barh(y, d["value"] / top, xerr=err, color=PALETTE[0], capsize=3)
        ax.set_yticks(y, list(d["factor"]))
        ax.invert_yaxis()
        ax.set_title(f"{outcome} (max mu* = {num(top)})")
        ax.set_xlabel("mu* / largest mu*")
    fig.suptitle("Morris screening: mean absolute elementary effect, 95% intervals")
    fig.tight_layout()
    _save(fig, path)


def convergence_figure(conv: pd.DataFrame, path: Path) -> None:
    """Total indices against the number of base samples, with 95% bands."""
    conv = shown(conv)
    outcomes = list(dict.fromkeys(conv["outcome"]))
    fig, axes = _grid(len(outcomes))
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        d = conv[(conv["outcome"] == outcome) & (conv["index"] == "ST")]
        for k, (factor, e) in enumerate(d.groupby("factor", sort=False)):
            c = PALETTE[k % len(PALETTE)]
            ax.plot(e["n"], e["value"], "o-", color=c, label=str(factor), ms=3)
            ax.fill_between(e["n"], e["lo"], e["hi"], color=c, alpha=0.15)
        ax.set_xscale("log", base=2)
        ax.axhline(0, color="0.5", lw=0.8)
        ax.set_title(outcome)
        ax.set_xlabel("base samples N")
        ax.set_ylabel("total index ST")
    axes.flat[0].legend(fontsize=7, loc="upper right")
    fig.suptitle("Convergence of the total indices (95% bootstrap bands)")
    fig.tight_layout()
    _save(fig, path)


def index_table(ind: pd.DataFrame) -> pd.DataFrame:
    """One row per outcome and factor: S1, ST and mu* with their intervals (wide)."""
    t = shown(ind[ind["index"].isin(["S1", "ST", "mu_star"])])
    wide = t.pivot_table(index=["outcome", "factor"], columns="index",
                         values=["value", "lo", "hi"], aggfunc="first", sort=False)
    out = pd.DataFrame(index=wide.index)
    for index in ("S1", "ST", "mu_star"):
        if ("value", index) in wide.columns:
            out[index] = wide[("value", index)]
            out[f"{index}_lo"] = wide[("lo", index)]
            out[f"{index}_hi"] = wide[("hi", index)]
    return out.reset_index()


def drivers(ind: pd.DataFrame, outcome: str) -> str:
    """A sentence naming what ``outcome`` hangs on, by total index (or Morris mu*)."""
    t = shown(ind[(ind["outcome"] == outcome) & (ind["index"] == "ST")])
    if t.empty:
        m = ind[(ind["outcome"] == outcome) & (ind["index"] == "mu_star")]
        if m.empty:
            return (f"`{outcome}`: not analysed: constant, or undefined at some points (see "
                    "the seed-variance table).")
        m = m.sort_values("value", ascending=False)
        return (f"`{outcome}` (Morris): largest effects from "
                + ", ".join(f"`{f}`" for f in m["factor"].head(3)) + ".")
    t = t.sort_values("value", ascending=False)
    big = t[t["lo"] > NEGLIGIBLE]
    small = t[t["hi"] < NEGLIGIBLE]
    parts = [f"`{r['factor']}` (ST {num(float(r['value']))} [{num(float(r['lo']))}, "
             f"{num(float(r['hi']))}])" for r in big.to_dict("records")]
    text = (f"`{outcome}` hangs on " + ", ".join(parts) if parts
            else f"`{outcome}`: no factor's total index is clearly above {NEGLIGIBLE}")
    middle = t[~(t["lo"] > NEGLIGIBLE) & ~(t["hi"] < NEGLIGIBLE)]
    if not middle.empty:
        text += ("; undecided at this N (interval spans " + f"{NEGLIGIBLE}): " + ", ".join(
            f"`{r['factor']}` (ST {num(float(r['value']))} [{num(float(r['lo']))}, "
            f"{num(float(r['hi']))}])" for r in middle.to_dict("records")))
    if not small.empty:
        text += "; negligible: " + ", ".join(f"`{f}`" for f in small["factor"])
    s1 = float(t[t["index"] == "ST"]["value"].sum())
    return text + f" (sum of ST {num(s1)}; above 1 means interactions)."


#: a seed share of the replicate means above this makes an outcome's indices unreliable
NOISY = 0.2


def noisy(seedvar: pd.DataFrame, replicates: int) -> list[str]:
    """A warning for outcomes whose analysed means are mostly seed noise."""
    sv = seedvar[(seedvar["phase"] == "sobol") & (seedvar["seed_share_of_means"] > NOISY)]
    if sv.empty:
        return []
    names = ", ".join(f"`{r['outcome']}` ({num(float(r['seed_share_of_means']))})"
                      for r in sv.to_dict("records"))
    return ["", f"Seed noise: the seed accounts for more than {NOISY} of the variance of the "
            f"analysed means of {names}; read their indices with care, or run more "
            f"replicates (--replicates {2 * replicates}, a new study folder)."]


#: a total index that moves more than this between the last two sizes has not settled
SETTLED = 0.1


def converged(conv: pd.DataFrame, n: int) -> list[str]:
    """Whether each outcome's total indices settled between N/2 and N, in words."""
    st = conv[conv["index"] == "ST"]
    sizes = sorted(st["n"].unique())
    if len(sizes) < 2:
        return []
    last = st[st["n"] == sizes[-1]].set_index(["outcome", "factor"])["value"]
    prev = st[st["n"] == sizes[-2]].set_index(["outcome", "factor"])["value"]
    moved = (last - prev).abs().groupby(level="outcome").max()
    loose = [f"`{o}` (by {num(float(v))})" for o, v in moved.items() if v > SETTLED]
    if not loose:
        return [f"Convergence: every total index moved by at most {SETTLED} between "
                f"N = {sizes[-2]} and N = {sizes[-1]}."]
    return [f"Convergence: total indices still moved between N = {sizes[-2]} and "
            f"N = {sizes[-1]} for " + ", ".join(loose) + f"; the same command with "
            f"`--n {2 * n}` extends this study (only the new points run)."]


def write_report(root: Path) -> Path:
    """Write ``report.md``, its figures and tables from a study folder; returns its path."""
    set_theme()
    root = Path(root)
    study = json.loads((root / "study.json").read_text())
    manifest = json.loads((root / "manifest.json").read_text())
    ind = pd.read_parquet(root / "indices.parquet")
    conv = pd.read_parquet(root / "convergence.parquet")
    seedvar = pd.read_parquet(root / "seed_variance.parquet")
    figs = root / "figures"
    lines = _head(study, manifest)
    if (ind["phase"] == "morris").any():
        morris_figure(ind, figs / "morris.png")
        lines += ["## Morris screening", "", "![Morris mu*](figures/morris.png)", ""]
    if (ind["phase"] == "sobol").any():
        sobol_figure(ind, figs / "sobol.png")
        convergence_figure(conv, figs / "convergence.png")
        lines += ["## Sobol' indices", "", "![Sobol indices](figures/sobol.png)", "",
                  "![Convergence](figures/convergence.png)", ""]
    lines += ["## What the answers hang on", ""]
    lines += [f"- {drivers(ind, o)}" for o in study["outcomes"]]
    if not conv.empty:
        lines += ["", *converged(conv, study["sizes"].get("sobol", 0))]
    lines += noisy(seedvar, study["identity"]["replicates"])
    lines += ["", *_tables(root, ind, seedvar)]
    path = root / "report.md"
    write_text("\n".join(lines) + "\n", path)
    return path


def _head(study: dict[str, Any], manifest: dict[str, Any]) -> list[str]:
    ident = study["identity"]
    from sim.params.plausible import PLAUSIBLE

    lines = [f"# Sensitivity study: {ident['name']}", "",
             f"Phases and sizes: {', '.join(f'{k} {v}' for k, v in study['sizes'].items())} "
             f"(Morris: trajectories; Sobol': base samples N); {manifest['runs']} runs, "
             f"{ident['replicates']} replicates per point (common seeds, averaged); "
             f"design seed {ident['seed']}. Base scenario: "
             + base_text(study) + ".", "",
             "| factor | range | law | source |", "|---|---|---|---|"]
    for f in ident["factors"]:
        rng = " \\| ".join(f["choices"]) if f["kind"] == "option" else \
            f"{num(f['lo'])} to {num(f['hi'])} {f['unit']}".strip()
        src = PLAUSIBLE.get(f["key"])
        lines.append(f"| `{f['key']}` | {rng} | {f['dist']} | "
                     f"{src.source if src else 'given on the command line'} |")
    if "speed_ratio" in manifest:
        lines += ["", f"Speed: {manifest['runs_made']} runs made in {manifest['engine_s']:.1f} s "
                  f"on {manifest['workers']} workers; model time {manifest['model_s']:.1f} s; "
                  f"wall / (model time / workers) = {manifest['speed_ratio']:.2f}."]
    lines += ["", "Indices: 95% bootstrap intervals (SALib); negative Sobol' indices whose "
              "interval covers zero are shown as zero.", ""]
    return lines


def base_text(study: dict[str, Any]) -> str:
    """The base scenario in words: experiment, overrides, and each regime it runs."""
    ident = study["identity"]
    parts = [f"experiment `{study['experiment']}`"] if study.get("experiment") else []
    parts += [f"`{o}`" for o in ident["overrides"] if not o.startswith("hydra")]
    text = ", ".join(parts) if parts else "the defaults"
    options = study.get("base_options") or {}
    if options:
        text += " (" + ", ".join(f"{g}={v}" for g, v in options.items()) + ")"
    return text


def _tables(root: Path, ind: pd.DataFrame, seedvar: pd.DataFrame) -> list[str]:
    tables = root / "tables"
    wide = index_table(ind)
    ci = {k: (k, f"{k}_lo", f"{k}_hi") for k in ("S1", "ST", "mu_star") if k in wide.columns}
    units = {"S1": "share", "ST": "share", "mu_star": "outcome units", "factor": "",
             "outcome": ""}
    write_table(wide, tables / "indices", units=units, ci=ci,
                caption="Sensitivity indices per outcome and factor.")
    sv = seedvar.rename(columns={"seed_share": "seed share", "seed_share_of_means":
                                 "seed share of means"})
    write_table(sv, tables / "seed_variance",
                units={"seed share": "share", "seed share of means": "share"},
                caption="Share of variance due to the seed.")
    lines = ["## Tables", "", "Indices (also `tables/indices.csv` and `tables/indices.tex`):",
             "", "| outcome | factor | " + " | ".join(ci) + " |",
             "|---|---|" + "---|" * len(ci)]
    for r in wide.to_dict("records"):
        cells = [f"{num(r[k])} [{num(r[k + '_lo'])}, {num(r[k + '_hi'])}]"
                 if pd.notna(r[k]) else "" for k in ci]
        lines.append(f"| {r['outcome']} | `{r['factor']}` | " + " | ".join(cells) + " |")
    lines += ["", "Seed variance: the seed's share of the variance of single runs, and of "
              "the replicate means the indices are computed from (also "
              "`tables/seed_variance.csv|tex`):", "",
              "| phase | outcome | seed share | of means | undefined points |",
              "|---|---|---|---|---|"]
    for r in seedvar.to_dict("records"):
        lines.append(f"| {r['phase']} | {r['outcome']} | {num(r['seed_share'])} | "
                     f"{num(r['seed_share_of_means'])} | {r['undefined_points']} |")
    return lines
