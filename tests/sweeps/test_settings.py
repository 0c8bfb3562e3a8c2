"""A sweep's settings derived from one composition equal Hydra's, setting by setting; folder
names follow Hydra's override_dirname and stay short enough."""

from __future__ import annotations

import pytest

from experiments.cli.config import experiments
from experiments.engine.settings import Composer, define, folder_name

TINY = ["population=tiny", "run.steps=3"]


def compare(args: list[str], every: bool) -> Composer:
    composer = Composer(define(args))
    settings = composer.settings()
    assert composer.fast, composer.note  # the first setting agreed with Hydra
    jobs = composer.d.jobs
    picks = range(len(jobs)) if every else sorted({0, len(jobs) // 2, len(jobs) - 1})
    for i in picks:
        reference = composer._hydra(jobs[i])
        assert settings[i].params == reference.params, jobs[i]
        assert settings[i].config_yaml == reference.config_yaml, jobs[i]
        assert settings[i].folder == reference.folder, jobs[i]
    return composer


@pytest.mark.parametrize("name", experiments())
def test_derived_settings_equal_hydras_for_every_experiment(name):
    compare([f"+experiment={name}", *TINY], every=False)


@pytest.mark.slow
@pytest.mark.parametrize("name", experiments())
def test_derived_settings_equal_hydras_for_every_setting_of_every_experiment(name):
    compare([f"+experiment={name}", *TINY], every=True)


def test_swept_groups_keep_the_experiments_values_and_the_fixed_overrides():
    # race sets race.imitation_events; sweeping the race group must keep it, as Hydra does
    composer = compare(["+experiment=race", *TINY, "race=default", "race.speed_factor=1.5,3.0",
                        "openness=open_weights,fully_open", "openness.licence=copyleft"],
                       every=True)
    for s in composer.settings():
        assert s.params.race.imitation_events == 2
        assert s.params.openness.licence == "copyleft"


def test_interpolations_resolve_against_each_setting():
    composer = compare(["+experiment=verify_anderson", *TINY,
                        "civil_society.discovery_rate=0.1,0.3"], every=True)
    rates = [s.params.civil_society.discovery_rate for s in composer.settings()]
    assert rates == [0.1, 0.3]


def test_overrides_it_does_not_derive_go_through_hydra():
    composer = Composer(define([*TINY, "++market.beta_quality=1.5", "run.seed=0,1"]))
    assert not composer.fast  # a forced add: every setting composed by Hydra
    settings = composer.settings()
    assert [s.params.run.seed for s in settings] == [0, 1]
    assert {s.params.market.beta_quality for s in settings} == {1.5}


def test_a_bad_swept_value_fails_in_one_line():
    from sim.params import ConfigError

    with pytest.raises(ConfigError) as bad:
        Composer(define([*TINY, "race.speed_factor=1.5,fast"])).settings()
    assert "race.speed_factor" in str(bad.value) and len(str(bad.value).splitlines()) == 1
    with pytest.raises(ConfigError) as bad:
        Composer(define([*TINY, "openness=closed,nope"])).settings()
    assert "nope" in str(bad.value) and "closed" in str(bad.value)


def test_folder_names_are_hydras_and_never_too_long():
    assert folder_name(["openness=closed", "+experiment=race", "run.replicates=3",
                        "population=tiny"]) == "openness=closed,population=tiny"
    assert folder_name(["run.seed=0"]) == "run.seed=0"
    assert folder_name(["+experiment=race"]) == ""  # the sweep folder itself, as in Hydra
    long = folder_name([f"population.name='{'é' * 200}'", "run.seed=1"])
    assert len(long.encode()) <= 255 and "~" in long
    assert long == folder_name([f"population.name='{'é' * 200}'", "run.seed=1"])
    assert long != folder_name([f"population.name='{'é' * 200}'", "run.seed=2"])
    assert "/" not in folder_name(["population.name='a/b'"])
