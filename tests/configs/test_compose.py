"""Config tests: every option of every group composes into valid parameters."""

from __future__ import annotations

import dataclasses

import pytest

from experiments.cli.config import compose_params, config_dir, groups
from sim.params import ConfigError, Params
from sim.regimes import OPENNESS, REGULATION

GROUP_OPTIONS = [(g, o) for g, opts in groups().items() for o in opts]


def test_every_schema_group_has_a_config_folder():
    names = {f.name for f in dataclasses.fields(Params)}
    assert names == set(groups())


@pytest.mark.parametrize("group,option", GROUP_OPTIONS)
def test_every_option_composes_and_validates(group, option):
    params, cfg = compose_params([f"{group}={option}"])
    section = getattr(params, group)
    if hasattr(section, "name") and group not in ("population",):
        assert section.name == option
    assert cfg[group] is not None


def test_regime_options_match_registries():
    assert set(groups()["openness"]) == set(OPENNESS)
    assert set(groups()["regulation"]) == set(REGULATION)


def test_default_config_equals_schema_defaults_where_not_overridden():
    params, _ = compose_params([])
    assert params.market == Params().market
    assert params.run == Params().run
    assert params.openness.name == "api_only"


def test_config_dir_is_shipped_with_the_package():
    assert (config_dir() / "config.yaml").exists()


@pytest.mark.parametrize("override,key", [
    ("market.nope=1", "market.nope"),
    ("run.steps=abc", "run.steps"),
    ("market.reconsider_prob=1.5", "market.reconsider_prob"),
    ("population.n_civil_society=-1", "population.n_civil_society"),
    ("openness=nope", "openness"),
    ("jurisdictions.market_share=[0.5,0.6]", "jurisdictions.market_share"),
])
def test_bad_overrides_name_the_key(override, key):
    with pytest.raises(ConfigError) as info:
        compose_params([override])
    assert info.value.key == key
    assert "\n" not in str(info.value)
