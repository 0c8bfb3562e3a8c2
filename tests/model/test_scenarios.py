"""Scenarios built in Python equal the command line's, and bad input fails in one line.

The library composes named options from the option files that ship in the package; the
command line composes them through Hydra. For every option of every group, and with
overrides, both must give the same configuration (the config hash compares every value).
"""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import tiny_params

from analysis.collect import collect
from experiments.cli.config import compose_params, groups
from sim import ConfigError, Params, run, run_replicates
from sim.io import run_into
from sim.params import option_groups
from sim.params.options import option_section
from sim.provenance import config_hash
from sim.runner import replicate_seeds

GROUP_OPTIONS = [(g, o) for g, opts in groups().items() for o in opts]


def test_library_and_command_line_know_the_same_options():
    assert option_groups() == groups()


@pytest.mark.parametrize("group,option", GROUP_OPTIONS)
def test_every_option_equals_the_command_line(group, option):
    cli, _ = compose_params([f"{group}={option}"])
    assert config_hash(Params.from_options(**{group: option})) == config_hash(cli)
    assert Params.from_options(**{group: option}) == cli


def test_options_with_overrides_equal_the_command_line():
    cli, _ = compose_params(["openness=staged", "regulation=risk_tiered", "population=small",
                             "jurisdictions=two_blocs", "market.beta_quality=2.0",
                             "run.steps=20", "jurisdictions.stringency=[1.0,0.4]"])
    py = Params.from_options(openness="staged", regulation="risk_tiered", population="small",
                             jurisdictions="two_blocs",
                             overrides={"market.beta_quality": 2.0, "run.steps": 20,
                                        "jurisdictions.stringency": [1.0, 0.4]})
    assert py == cli and config_hash(py) == config_hash(cli)


def test_no_options_is_the_schema_default_and_the_command_lines_default():
    cli, _ = compose_params([])
    assert Params.from_options() == Params() == cli


def _differs(group: str, a: str, b: str) -> bool:
    sa, sb = (dataclasses.replace(option_section(group, o), name="") for o in (a, b))
    return sa != sb


#: (group, option, another option whose values differ from it)
LABELLED = [(g, o, next(b for b in option_groups()[g] if _differs(g, o, b)))
            for g in ("regulation", "openness", "population", "jurisdictions")
            for o in option_groups()[g]]


@pytest.mark.parametrize("group,option,base", LABELLED)
def test_a_label_without_its_values_is_refused(group, option, base):
    with pytest.raises(ConfigError) as info:
        Params.from_options(**{group: base}).replace(**{group: {"name": option}})
    assert info.value.key == f"{group}.name"
    assert "from_options" in str(info.value) and "\n" not in str(info.value)


def test_a_label_whose_values_match_is_accepted():
    # open_weight_restriction sets only the default compute threshold: same values
    p = Params().replace(regulation={"name": "open_weight_restriction"})
    assert p == Params.from_options(regulation="open_weight_restriction")


def test_the_issue_case_no_longer_runs_laissez_faire_as_risk_tiered():
    with pytest.raises(ConfigError, match=r"regulation\.name='risk_tiered'"):
        Params().replace(regulation={"name": "risk_tiered"})
    # going back to laissez-faire by label alone would keep risk-tiered audits: refused too
    with pytest.raises(ConfigError, match=r"regulation\.name='laissez_faire'"):
        Params.from_options(regulation="risk_tiered").replace(
            regulation={"name": "laissez_faire"})
    tiered = Params.from_options(regulation="risk_tiered")
    assert tiered.regulation.audits_required == 2 and tiered.regulation.compliance_cost > 0


def test_a_label_with_all_its_values_is_accepted():
    p = Params().replace(openness={"name": "open_weights", "release_level": 3,
                                   "licence": "permissive"})
    assert p == Params.from_options(openness="open_weights")


def test_with_options_keeps_the_other_groups():
    p = Params.from_options(population="small").with_options(regulation="liability")
    assert p.population.n_users == 20_000 and p.regulation.name == "liability"
    assert p.regulation.liability_share > 0


@pytest.mark.parametrize("change,key,hint", [
    ({"market": {"beta_qualty": 1.0}}, "market.beta_qualty", "beta_quality"),
    ({"market.beta_qualty": 1.0}, "market.beta_qualty", "beta_quality"),
    ({"markt": {"beta_quality": 1.0}}, "markt", "market"),
    ({"run": 5}, "run", "mapping"),
])
def test_unknown_keys_are_one_line_config_errors_naming_the_nearest(change, key, hint):
    with pytest.raises(ConfigError) as info:
        Params().replace(**change)
    assert info.value.key == key and hint in str(info.value) and "\n" not in str(info.value)


def test_unknown_option_names_the_nearest():
    with pytest.raises(ConfigError, match="did you mean 'risk_tiered'"):
        Params.from_options(regulation="risk_teired")


@pytest.mark.parametrize("value", [np.int64(40), 40.0, np.float64(40.0), np.int32(40)])
def test_samplers_values_are_accepted_for_integer_fields(value):
    p = Params.from_options(overrides={"run.steps": value, "population.n_labs": value / 5})
    assert p.run.steps == 40 and type(p.run.steps) is int
    assert p.population.n_labs == 8 and type(p.population.n_labs) is int
    assert config_hash(p) == config_hash(Params().replace(run={"steps": 40}))


def test_integers_for_float_fields_hash_like_the_command_line():
    cli, _ = compose_params(["market.market_size=100"])
    assert config_hash(Params().replace(**{"market.market_size": 100})) == config_hash(cli)


@pytest.mark.parametrize("value", [40.5, "40", True, np.nan])
def test_lossy_values_for_integer_fields_are_refused(value):
    with pytest.raises(ConfigError) as info:
        Params.from_options(overrides={"run.steps": value})
    assert info.value.key == "run.steps"


def test_params_are_immutable_and_hashable():
    p = Params.from_options(jurisdictions="two_blocs")
    assert isinstance(p.jurisdictions.stringency, tuple)
    assert hash(p) == hash(Params.from_options(jurisdictions="two_blocs"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.run.steps = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        p.jurisdictions.stringency.append(0.1)  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(p)) == p
    assert len({p, Params.from_options(jurisdictions="two_blocs"), Params()}) == 2


def test_run_refuses_replicates_it_would_ignore():
    with pytest.raises(ConfigError, match="run_replicates"):
        run(tiny_params(run={"replicates": 3}))


def test_replicates_use_the_sweeps_seeds(tmp_path):
    params = tiny_params(steps=2, run={"replicates": 3, "seed": 11})
    results = run_replicates(params)
    assert [int(r.metrics["replicate"].iloc[0]) for r in results] == [0, 1, 2]
    one = params.replace(run={"replicates": 1})
    for i, (res, seed_seq) in enumerate(zip(results, replicate_seeds(params), strict=True)):
        assert seed_seq.spawn_key == (i,)
        # the same run folder a sweep writes for replicate i
        run_into(tmp_path / f"rep{i:03d}", one, seed_seq, "")
        disk = pd.read_parquet(tmp_path / f"rep{i:03d}" / "metrics.parquet")
        pd.testing.assert_frame_equal(res.metrics, disk)
    assert not results[0].metrics.equals(results[1].metrics)


def test_replicates_through_an_executor_equal_serial():
    from concurrent.futures import ThreadPoolExecutor

    params = tiny_params(steps=2, run={"replicates": 2})
    with ThreadPoolExecutor(2) as pool:
        parallel = run_replicates(params, executor=pool)
    for a, b in zip(parallel, run_replicates(params), strict=True):
        pd.testing.assert_frame_equal(a.metrics, b.metrics)


def test_summary_is_the_sweeps_summary_row(tmp_path):
    params = tiny_params(steps=3)
    res = run(params, rng=5)
    run_into(tmp_path / "r", params, np.random.SeedSequence(5), "")
    _, summary = collect(tmp_path, write=False)
    row = summary.iloc[0]
    mine = res.summary()
    assert set(mine) <= set(row.index)
    for key, value in mine.items():
        assert (pd.isna(value) and pd.isna(row[key])) or row[key] == value, key


def test_stringency_above_what_governments_keep_is_refused():
    # the review clips stringency to [0, 3]: a larger input would silently act as 3
    with pytest.raises(ConfigError) as info:
        Params.from_options(jurisdictions="two_blocs",
                            overrides={"jurisdictions.stringency": [3.5, 0.3]})
    assert info.value.key == "jurisdictions.stringency" and "at most 3" in str(info.value)
