"""The plausible-range spec: inside the validity limits, holding the defaults, sampled right."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.params import ConfigError, Params
from sim.params.options import option_groups
from sim.params.plausible import PLAUSIBLE, factor, parse_factor, scenario, space
from sim.validation import validate


@pytest.mark.parametrize("key", sorted(PLAUSIBLE))
def test_every_range_is_valid_and_holds_the_default(key):
    spec = PLAUSIBLE[key]
    assert spec.source, f"{key} needs a source or reasoning"
    f = factor(key)  # refuses ranges outside the validity limits
    if f.kind == "option":
        assert set(f.choices) <= set(option_groups()[key])
        return
    group, name = key.split(".")
    default = getattr(getattr(Params(), group), name)
    assert f.lo <= default <= f.hi
    # the extremes of the range make valid scenarios
    for u in (0.0, 1.0):
        (value,) = f.values([u])
        validate(Params().replace(**{key: value}))


def test_values_follow_the_distribution():
    u = np.linspace(0, 1, 1001)
    lin = factor("market.beta_quality").values(u)
    assert lin[0] == 1.0 and lin[-1] == 4.0 and np.isclose(np.median(lin), 2.5)
    log = factor("race.disaster_risk").values(u)
    assert np.isclose(np.median(log), np.sqrt(0.001 * 0.05))
    tri = np.array(factor("openness.cannibalisation").values(u))
    mode = Params().openness.cannibalisation
    assert tri.min() == pytest.approx(0.5) and tri.max() == pytest.approx(1.0)
    # the CDF at the mode is (mode - lo) / (hi - lo)
    assert np.mean(tri < mode) == pytest.approx((mode - 0.5) / 0.5, abs=0.01)
    ints = factor("population.n_labs").values(np.linspace(0, 1, 18 * 100, endpoint=False))
    assert sorted(set(ints)) == list(range(3, 21))
    assert np.ptp(np.bincount(ints)[3:]) == 0  # every integer equally likely
    opts = factor("openness").values([0.0, 0.21, 0.99, 1.0])
    assert opts == ["closed", "api_only", "endogenous", "endogenous"]


@pytest.mark.parametrize("text, words", [
    ("market.beta_qualty", "did you mean 'beta_quality'"),
    ("market.beta_quality=0:200", "outside the validity limits"),
    ("market.beta_quality=2:1", "LO < HI"),
    ("regulation.fine", "no plausible range"),
    ("diffusion.variant", "not a number"),
    ("openness=closed|opne", "unknown option"),
    ("population.n_labs=2.5:9", "integer bounds"),
    ("diffusion.bass_p=0:0.1:loguniform", "LO > 0"),
    ("market.beta_quality=1:2:normal", "unknown distribution"),
])
def test_bad_factors_are_refused_in_one_line(text, words):
    with pytest.raises(ConfigError) as info:
        parse_factor(text)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_named_twice_is_refused():
    with pytest.raises(ConfigError, match="named twice"):
        space(["market.beta_quality", "market.beta_quality=1:2"])


def test_scenario_sets_options_then_parameters():
    fs = space(["openness", "openness.probation=1:8", "market.beta_quality"])
    p = scenario(Params(), fs, ["staged", 7, 3.0])
    assert p.openness.name == "staged" and p.openness.probation == 7
    assert p.market.beta_quality == 3.0
    assert dataclasses.replace(p.market, beta_quality=2.0) == Params().market
