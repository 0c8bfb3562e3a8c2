"""Fuzzing whole configurations: each runs with every invariant intact, or is refused
at validation with the one-line error. Never a traceback from inside the model.

``make test`` runs a fixed, derandomised set of examples (``FUZZ_EXAMPLES``). A longer,
random run: ``AIECO_FUZZ_EXAMPLES=2000 AIECO_FUZZ_SEED=random .venv/bin/pytest
tests/robustness/test_fuzz.py`` (see docs/RELIABILITY.md).
"""

from __future__ import annotations

import os

import numpy as np
from conftest import aieco
from fuzzing import CROSS_FIELD, FIELDS, OPTIONS, build, configs
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from invariants import check_invariants

from sim import EcosystemModel
from sim.io import is_complete
from sim.params import ConfigError
from sim.validation import validate

FUZZ_EXAMPLES = int(os.environ.get("AIECO_FUZZ_EXAMPLES", "120"))
DERANDOMIZE = os.environ.get("AIECO_FUZZ_SEED", "fixed") != "random"
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=DERANDOMIZE,
                database=None, suppress_health_check=[HealthCheck.too_slow,
                                                      HealthCheck.data_too_large])


def assert_one_line(exc: ConfigError) -> None:
    text = str(exc)
    assert "\n" not in text and text.startswith(f"{exc.key}=")
    assert "is invalid: " in text and exc.allowed


@FUZZ
@given(drawn=configs(), seed=st.integers(0, 2**32 - 1))
def test_fuzzed_config_runs_with_invariants_or_is_refused(drawn, seed):
    config, invalid = drawn
    try:
        model = EcosystemModel(build(config), rng=seed)
    except ConfigError as exc:
        assert_one_line(exc)
        assert exc.key in invalid or exc.key in CROSS_FIELD, (exc.key, invalid)
        event("refused at validation")
        return
    assert not invalid, f"{sorted(invalid)} out of range but accepted"
    for _ in range(model.params.run.steps):
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            model.step()
        check_invariants(model)
    event("ran with invariants intact")


KEYS = sorted(FIELDS)
VALUE_TEXT = st.one_of(
    st.integers(-10**20, 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "true", "null", "", "[]", "[1,2", "[0.5,0.5]",
                     "${oops}", "'quoted'", "1e400", "0x1F", "abc", "=", "a=b", "{}",
                     "${now:%Y}", "1_000", " 3"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
            max_size=12))
OVERRIDE = st.one_of(
    st.tuples(st.sampled_from(KEYS), VALUE_TEXT).map(lambda kv: f"{kv[0]}={kv[1]}"),
    st.tuples(st.sampled_from([*OPTIONS, "experiment", "+experiment", "nope"]),
              st.one_of(st.sampled_from(sorted({o for g in OPTIONS.values() for o in g})),
                        VALUE_TEXT)).map(lambda kv: f"{kv[0]}={kv[1]}"),
    st.sampled_from(["run.steps", "=1", "population..n_users=3", "~openness",
                     "+market.extra=1", "market.alpha_mean=1,2", "run.seed=range(3)"]))


@settings(max_examples=max(FUZZ_EXAMPLES // 4, 10), deadline=None, derandomize=DERANDOMIZE,
          database=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=st.lists(OVERRIDE, max_size=4))
def test_fuzzed_command_line_overrides_compose_or_fail_in_one_line(overrides):
    """Whatever a user types as overrides, composing gives valid parameters or one
    ConfigError line; Hydra and OmegaConf errors never escape."""
    from experiments.cli.config import compose_params

    try:
        params, _ = compose_params(overrides)
    except ConfigError as exc:
        assert_one_line(exc)
        event("refused")
        return
    assert validate(params) is params
    event("composed")


def hydra_value(value: object) -> str:
    """A Python value as Hydra override text."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ",".join(hydra_value(v) for v in value) + "]"
    if isinstance(value, float):
        return repr(value)
    return str(value)


@settings(max_examples=max(FUZZ_EXAMPLES // 20, 4), deadline=None, derandomize=DERANDOMIZE,
          database=None, suppress_health_check=[HealthCheck.too_slow,
                                                HealthCheck.function_scoped_fixture])
@given(drawn=configs())
def test_fuzzed_configs_through_the_real_command(tmp_path_factory, drawn):
    """End to end: ``aieco run`` with a drawn configuration as overrides either writes a
    complete run folder or exits 2 with one line; never a traceback."""
    config, _ = drawn
    overrides = [f"{group}.{key}={hydra_value(value)}"
                 for group, values in config.items() for key, value in values.items()]
    out = tmp_path_factory.mktemp("cli") / "run"
    res = aieco("run", *overrides, "run.progress=false", f"hydra.run.dir={out}")
    assert "Traceback" not in res.stderr + res.stdout, res.stderr[-3000:]
    if res.returncode == 0:
        assert is_complete(out)
        event("ran")
    else:
        assert res.returncode == 2, res.stderr[-3000:]
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("aieco: error: "), res.stderr
        assert not (out / "manifest.json").exists()
        event("refused")
