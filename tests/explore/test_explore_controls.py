"""Controls come from the schema, check values as the model does, and compose as the CLI does."""

from __future__ import annotations

import dataclasses
import shlex

import pytest

from experiments.explore.controls import (
    Scenario,
    by_group,
    controls,
    option_groups,
    parse_arguments,
    picker_groups,
)
from sim.params import ConfigError, Params, describe, sections
from sim.provenance import config_hash


def test_every_parameter_of_the_schema_has_a_control():
    keys = [row["key"] for row in describe()]
    assert list(controls()) == keys
    assert sum(len(v) for v in by_group().values()) == len(keys)
    for row in describe():
        c = controls()[row["key"]]
        assert (c.type, c.lo, c.hi, c.unit, c.doc) == (row["type"], row["lo"], row["hi"],
                                                        row["unit"], row["doc"])
        assert c.label.startswith(c.name) and (not c.unit or c.unit in c.label)
        assert (row["doc"][1:] in c.hint) and ("Reset" in c.hint or "once" in c.hint
                                                or "replicate" in c.hint)


def test_each_group_name_is_its_option_picker():
    names = [c for c in controls().values() if c.name == "name"]
    assert names and all(c.role == "option" for c in names)
    for group in sections():
        assert option_groups()[group], group
    assert {"openness", "regulation", "jurisdictions", "population"} <= set(picker_groups())


def test_widgets_follow_the_types():
    widgets = {c.key: c.widget for c in controls().values()}
    assert widgets["regulation.merger_control"] == "switch"
    assert widgets["diffusion.variant"] == "select"
    assert widgets["jurisdictions.stringency"] == "list"
    assert widgets["population.n_users"] == "integer"
    assert widgets["market.beta_quality"] == "number"
    assert controls()["run.steps"].when == "applies at once"
    assert controls()["market.beta_quality"].when == "takes effect on Reset"


@pytest.mark.parametrize(("key", "text", "wanted"), [
    ("market.reconsider_prob", "5", "must be a probability in [0, 1]"),
    ("market.reconsider_prob", "abc", "expected a number"),
    ("population.n_users", "1.5", "expected an integer"),
    ("population.n_users", "0", "must be an integer in [1, 10000000]"),
    ("market.alpha_mean", "nan", "expected a finite number"),
    ("diffusion.variant", "netwrk", "did you mean 'network'"),
    ("regulation.adaptive", "maybe", "expected true or false"),
    ("jurisdictions.stringency", "1, x", "numbers separated by commas"),
    ("market.beta_quality", "  ", "is empty"),
])
def test_bad_values_fail_in_one_line_naming_the_key(key, text, wanted):
    with pytest.raises(ConfigError) as err:
        controls()[key].parse(text)
    message = str(err.value)
    assert message.startswith(key) and wanted in message and "\n" not in message


def test_values_parse_to_the_schema_types():
    c = controls()
    assert c["population.n_users"].parse("1e4") == 10_000
    assert c["market.beta_quality"].parse(" 2.5 ") == 2.5
    assert c["regulation.adaptive"].parse("TRUE") is True
    assert c["jurisdictions.stringency"].parse("[1, 0.5]") == (1.0, 0.5)
    assert c["market.beta_quality"].show(c["market.beta_quality"].parse("0.1")) == "0.1"


def scenario() -> Scenario:
    return dataclasses.replace(
        Scenario().with_option("openness", "staged").with_option("jurisdictions", "two_blocs")
        .with_value("market.beta_quality", "2.5").with_value("regulation.merger_control", True)
        .with_value("jurisdictions.stringency", "1, 0.25")
        .with_value("market.alpha_mean", "1e-06"), seed=7, steps=12)


def test_the_command_line_composes_the_same_parameters():
    from experiments.cli.config import compose_params

    sc = scenario()
    args = shlex.split(sc.command())
    assert args[:2] == ["aieco", "run"]
    composed, _ = compose_params(args[2:])
    assert config_hash(composed) == config_hash(sc.params())
    assert sc.params() == Params.from_options(
        openness="staged", jurisdictions="two_blocs", overrides={
            "market.beta_quality": 2.5, "regulation.merger_control": True,
            "jurisdictions.stringency": (1.0, 0.25), "market.alpha_mean": 1e-6,
            "run.seed": 7, "run.steps": 12})


def test_arguments_parse_back_to_the_scenario():
    sc = scenario()
    assert parse_arguments(sc.command()) == sc
    assert parse_arguments(" ".join(shlex.quote(a) for a in sc.arguments())) == sc
    with pytest.raises(ConfigError, match="did you mean 'openness'"):
        parse_arguments("opennes=closed")
    with pytest.raises(ConfigError, match=r"did you mean 'market\.beta_quality'"):
        parse_arguments("market.beta_qualty=2")
    with pytest.raises(ConfigError, match="write group=option"):
        parse_arguments("closed")
    with pytest.raises(ConfigError, match="Compare page"):
        parse_arguments("run.replicates=3")


def test_a_value_equal_to_the_options_is_not_an_override():
    sc = Scenario().with_value("market.beta_quality", "2.5")
    assert dict(sc.overrides) == {"market.beta_quality": 2.5}
    back = sc.with_value("market.beta_quality", str(Params().market.beta_quality))
    assert dict(back.overrides) == {} and back == Scenario()
    assert sc.without_group("market") == Scenario()
    assert sc.differences(Scenario()) == ["market.beta_quality"]


def test_a_scenario_the_model_refuses_fails_in_one_line():
    sc = Scenario().with_value("jurisdictions.stringency", "1, 2")
    with pytest.raises(ConfigError, match="one value per jurisdiction"):
        sc.params()
    with pytest.raises(ConfigError, match="choose one of"):
        Scenario().with_option("openness", "half_open")


def test_controls_show_the_plausible_range_samplers_use():
    from sim.params.plausible import PLAUSIBLE

    numeric = [k for k, spec in PLAUSIBLE.items() if spec.lo is not None]
    assert numeric
    for key in numeric:
        spec, hint = PLAUSIBLE[key], controls()[key].hint
        assert f"plausible {spec.lo:.12g} to {spec.hi:.12g}" in hint, (key, hint)
        assert spec.source in hint
    assert "plausible" not in controls()["run.seed"].hint
