# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - Staged starts at release_level: test_conditional_iff_it_starts_below_release_level
# - MandatedOpen without a floor: test_floor_is_the_mandated_level, test_mandatory_iff_a_floor
# - Closed.levels HOSTED only: test_internal_is_allowed_too
# - Endogenous ignores revision: test_labs_that_do_not_revise_keep_their_level
# - Endogenous writes into the labs: test_desired_levels_do_not_mutate_the_labs
# - Endogenous not random: test_strategic_iff_the_stream_matters
# - RiskTiered ignores clean audits: test_cap_table, test_classifier_matches_the_hooks
# - OpenWeightRestriction at any positive sigma: test_cap_table
# - Licensing cap inf for everyone: test_classifier_matches_the_hooks, test_table
# - Licensing cap at the threshold for every lab: test_hooks_in_range, test_table
# - Liability share unclipped: test_hooks_in_range, test_table
# - Transparency floor on covered labs only: test_classifier_matches_the_hooks, test_table
# - RiskTiered compliance on every lab: test_classifier_matches_the_hooks
# - release_cap returns floats: test_hooks_shape_and_dtype, test_short_run_keeps_invariants, ...
# - Liability classifier dropped: test_classifier_is_as_declared
# Since issue 14 (released weights stay released; contributors paid where the licence
# allows; open licences only where weights are released):
# - released weights recalled within a version (no floor in release.decide_release):
#   test_released_weights_stay_out_within_a_version (staged, endogenous; and under
#   open_weight_restriction and risk_tiered in test_short_run_keeps_invariants)
# - released_level not reset on a new version: test_the_ban_gates_new_versions
# - proprietary accepted again where weights are released: test_licences_are_as_declared,
#   test_levels_and_licences_are_what_validation_accepts
# - sponsorship paid under a fee-charging licence (noncommercial sponsored, or the
#   phase passing the share whatever the licence): test_licence_table,
#   test_builders_sponsor_contributors_only_where_the_licence_allows
# - sponsorship ignored by the phase (0 passed under every licence):
#   test_builders_sponsor_contributors_only_where_the_licence_allows
"""The contract every regime is tested through, in the manner of Axelrod's ``TestPlayer``.

Each registered regime has a small subclass here that names it and states its expected
behaviour (its classifier written out, and tables of what its hooks return); the base
classes hold the shared tests, so a regime added to a registry without a subclass fails
:func:`test_every_registered_regime_has_a_contract`.

The metadata is tested against behaviour, read as follows.

Openness (``levels``, ``licences``, ``classifier``):

* ``levels`` are the ``release_level`` values the regime accepts (validation refuses the
  others), and every level its hooks produce or a laissez-faire run reaches is one of them,
  except the *gate* levels a ``conditional`` regime holds labs at until a condition is met;
* ``mandatory`` iff ``floor_levels`` is non-zero (and then it is ``release_level``);
* ``conditional`` iff the regime starts every lab below ``release_level``;
* ``fixed_level`` iff every desired level is ``release_level`` or a gate level;
* ``strategic`` iff the desired levels depend on the random stream.

Regulation (``classifier``), over a grid of labs (below and above the compute threshold,
safe and unsafe, with and without clean audits) and stringencies (0 to 3):

* ``weight_ban`` iff ``release_cap`` holds covered labs below weights where stringency
  binds, whatever their audits; ``tiered`` iff clean audits lift that cap (pre-release
  audits), and then every obligation falls on covered labs only;
* ``licensing`` iff ``capability_cap`` binds somewhere;
* ``liability`` iff ``liability_share`` can be positive;
* ``disclosure`` iff ``transparency_floor`` can be positive; a disclosure regime that is
  not tiered obliges uncovered labs too;
* ``compliance_cost`` can be positive iff the regime discloses or licenses, and
  ``inspection`` iff it is tiered or licenses;
* at stringency 0 nothing binds, and no hook loosens as stringency rises.
"""

from __future__ import annotations

import copy
import functools
import itertools
from typing import Any, ClassVar

import numpy as np
import pytest
from conftest import tiny_params
from invariants import check_invariants

from sim import EcosystemModel
from sim.params import ConfigError, Params
from sim.regimes import (
    BINDING_STRINGENCY,
    OPENNESS,
    REGULATION,
    Level,
    make_openness,
    make_regulation,
)
from sim.regimes.openness import licence_for
from sim.rules import market, startups
from sim.state import LabStore
from sim.streams import Draws
from sim.validation import validate

SIZES = (0, 1, 5)
STEPS = 5
SIGMAS = (0.0, 0.25, BINDING_STRINGENCY, 1.0, 3.0)
LICENCES = ("proprietary", "permissive", "copyleft", "noncommercial", "use_restricted")
#: the licences a regime that releases weights accepts (issue 14: not ``proprietary``)
OPEN_LICENCES = ("permissive", "copyleft", "noncommercial", "use_restricted")
#: instruments set to non-zero values, so a hook that ignores one cannot pass for neutral
INSTRUMENTS = {"regulation.compute_threshold": 26.0, "regulation.transparency_floor": 0.5,
               "regulation.compliance_cost": 0.2, "regulation.licence_fee": 0.2,
               "regulation.liability_share": 0.5, "regulation.inspection": 0.5,
               "regulation.audits_required": 2}
#: the same, as large as allowed: hooks must clip what stringency multiplies
SATURATED = {**INSTRUMENTS, "regulation.transparency_floor": 1.0,
             "regulation.compliance_cost": 1.0, "regulation.licence_fee": 1.0,
             "regulation.liability_share": 1.0, "regulation.inspection": 1.0}


@functools.cache
def option_params(group: str, name: str, overrides: tuple[tuple[str, Any], ...]) -> Params:
    """The tiny scenario with ``group=name`` and the dotted overrides (cached: immutable)."""
    changes = {"run.steps": STEPS, "run.progress": False, **dict(overrides)}
    return Params.from_options(changes, population="tiny", **{group: name})


@functools.cache
def lab_scenario(n: int) -> Params:
    return tiny_params(population={"n_labs": n})


def make_labs(n: int, seed: int = 0, **arrays: Any) -> LabStore:
    """``n`` labs built from a tiny scenario, then the arrays given set as they are."""
    store = LabStore(lab_scenario(n), Draws(seed, 0),
                     np.full(n, Level.API, dtype=np.int64))
    for name, values in arrays.items():
        old = getattr(store, name)
        setattr(store, name, np.broadcast_to(np.asarray(values, dtype=old.dtype), (n,)).copy())
    return store


def varied_labs(n: int, seed: int = 0) -> LabStore:
    """``n`` labs in varied states: capability, strategy, audits, revenue, levels."""
    rng = np.random.default_rng(seed)
    return make_labs(
        n, seed, capability=rng.uniform(24.0, 28.0, n), safe=rng.random(n) < 0.5,
        clean_audits=rng.integers(0, 6, n), clean_quarters=rng.integers(0, 10, n),
        revenue=rng.uniform(0.0, 50.0, n) * (rng.random(n) < 0.8),
        users=rng.integers(0, 500, n), release_level=rng.integers(1, 4, n),
        jurisdiction=np.zeros(n, dtype=np.int64))


def assert_unchanged(before: LabStore, after: LabStore) -> None:
    assert vars(before).keys() == vars(after).keys()
    for key, value in vars(before).items():
        other = getattr(after, key)
        if isinstance(value, np.ndarray):
            assert value.dtype == other.dtype and np.array_equal(value, other), key
        else:
            assert value == other, key


def run_short(params: Params, versions: list | None = None) -> list[np.ndarray]:
    """Run ``params`` for its steps, checking the invariants after each; the levels held
    (and each step's ``version_capability`` appended to ``versions`` if given)."""
    model = EcosystemModel(params, rng=3)
    levels = [model.labs.release_level.copy()]
    track = versions if versions is not None else []
    track.append(model.labs.version_capability.copy())
    for _ in range(params.run.steps):
        model.step()
        check_invariants(model)
        levels.append(model.labs.release_level.copy())
        track.append(model.labs.version_capability.copy())
    assert model.steps == params.run.steps
    return levels


def weights_withdrawn(levels: list, versions: list) -> tuple[np.ndarray, np.ndarray]:
    """Per step and lab: weights withdrawn within a version (a recall), and at a new one."""
    lv, ver = np.array(levels), np.array(versions)
    withdrawn = (lv[:-1] >= Level.WEIGHTS) & (lv[1:] < Level.WEIGHTS)
    new_version = ver[1:] != ver[:-1]
    return withdrawn & ~new_version, withdrawn & new_version


#: settings under which labs would leave weights if they could: every endogenous lab
#: redraws its level at random each quarter, and staged labs that released after one clean
#: quarter have incidents (unsafe, disaster risk 1/2)
WOBBLE = {"openness.revision_prob": 1.0, "openness.choice_beta": 0.0,
          "openness.probation": 1, "race.disaster_risk": 0.5,
          "race.initial_safe_share": 0.0, "run.steps": 6}


class RegimeContract:
    """Tests shared by every regime; subclasses set ``name`` and the expectations."""

    group: ClassVar[str]
    registry: ClassVar[dict[str, type]]
    name: ClassVar[str]
    expected_classifier: ClassVar[dict[str, Any]]

    @classmethod
    def params(cls, **overrides: Any) -> Params:
        return option_params(cls.group, cls.name, tuple(sorted(overrides.items())))

    def make(self, params: Params | None = None):
        raise NotImplementedError

    def test_builds_from_its_option(self):
        params = self.params()
        validate(params)
        regime = self.make(params)
        assert type(regime) is self.registry[self.name]
        assert regime.name == self.name == getattr(params, self.group).name

    def test_classifier_is_as_declared(self):
        assert dict(self.registry[self.name].classifier) == self.expected_classifier


# ---- openness ------------------------------------------------------------------------

class OpennessContract(RegimeContract):
    group = "openness"
    registry = OPENNESS
    #: the level the option file sets
    release_level: ClassVar[int]
    #: the licences the regime accepts
    expected_licences: ClassVar[tuple[str, ...]] = OPEN_LICENCES
    #: whether builders on its weights sponsor contributors (its licence charges no fee)
    sponsored: ClassVar[bool] = True
    #: levels outside ``levels`` a conditional regime holds labs at until it releases
    gate_levels: ClassVar[tuple[int, ...]] = ()

    def make(self, params=None):
        return make_openness((params or self.params()).openness)

    @staticmethod
    def desired(regime, labs, liability, seed):
        return regime.desired_levels(labs, liability, Draws(seed, 1))

    def liabilities(self, n, seed):
        return [np.zeros((n, 5)), np.random.default_rng(seed).uniform(0.0, 100.0, (n, 5))]

    def produced(self, regime):
        """Every level the hooks produce over varied states, liabilities and streams."""
        out = set(regime.initial_levels(7).tolist())
        for seed in range(4):
            labs = varied_labs(40, seed)
            for k, liability in enumerate(self.liabilities(40, seed)):
                out |= set(self.desired(regime, labs, liability, 10 * seed + k).tolist())
        return out

    def test_option_sets_the_expected_level(self):
        assert self.params().openness.release_level == self.release_level

    def test_licences_are_as_declared(self):
        licences = self.registry[self.name].licences
        assert tuple(licences) == self.expected_licences
        # issue 14: a regime that can release weights does not accept proprietary
        releases_weights = any(level >= Level.WEIGHTS for level in self.registry[self.name].levels)
        assert ("proprietary" in licences) == (not releases_weights)
        assert set(licences) <= set(LICENCES)

    def test_builders_sponsor_contributors_only_where_the_licence_allows(self, monkeypatch):
        # what the phases pass as sponsorship: openness.sponsorship_share under a licence
        # that asks no fee and lets builders give, 0 where a fee is charged or no weights
        passed = {"pay_upstream": [], "prospects": []}
        pay, judge = market.pay_upstream, startups.prospects

        def spy_pay(labs, st, contributor_share, sponsorship, ledger):
            passed["pay_upstream"].append(sponsorship)
            return pay(labs, st, contributor_share, sponsorship, ledger)

        def spy_prospects(*args, **kwargs):
            passed["prospects"].append(args[5] if len(args) > 5 else kwargs["sponsorship"])
            return judge(*args, **kwargs)

        monkeypatch.setattr(market, "pay_upstream", spy_pay)
        monkeypatch.setattr(startups, "prospects", spy_prospects)
        model = EcosystemModel(self.params(**{"openness.sponsorship_share": 0.07,
                                              "run.steps": 1}), rng=1)
        model.step()
        expected = 0.07 if self.sponsored else 0.0
        assert passed["pay_upstream"] == [expected]
        assert passed["prospects"] == [expected]
        assert model.openness.licence.sponsored == self.sponsored

    def test_released_weights_stay_out_within_a_version(self):
        versions: list = []
        levels = run_short(self.params(**WOBBLE), versions)
        recalled, _ = weights_withdrawn(levels, versions)
        assert not recalled.any(), np.argwhere(recalled).tolist()

    @pytest.mark.parametrize("n", SIZES)
    def test_hooks_shape_dtype_and_range(self, n):
        regime = self.make()
        for seed in range(3):
            labs = varied_labs(n, seed)
            for liability in self.liabilities(n, seed):
                got = self.desired(regime, labs, liability, seed)
                assert got.shape == (n,) and got.dtype == np.int64
                assert np.all((got >= Level.INTERNAL) & (got <= Level.FULLY_OPEN))
        for got in (regime.initial_levels(n), regime.floor_levels(n)):
            assert got.shape == (n,) and got.dtype == np.int64
            assert np.all((got >= Level.INTERNAL) & (got <= Level.FULLY_OPEN))

    def test_desired_levels_do_not_mutate_the_labs(self):
        regime = self.make()
        for seed in range(3):
            labs = varied_labs(12, seed)
            liability = np.random.default_rng(seed).uniform(0, 5, (12, 5))
            before, liability_before = copy.deepcopy(labs), liability.copy()
            self.desired(regime, labs, liability, seed)
            assert_unchanged(before, labs)
            assert np.array_equal(liability, liability_before)

    def test_levels_cover_what_the_hooks_produce(self):
        regime = self.make()
        allowed = set(regime.levels) | set(self.gate_levels)
        assert self.produced(regime) <= allowed
        assert set(self.gate_levels).isdisjoint(regime.levels)

    def test_short_run_keeps_invariants_and_reaches_declared_levels(self):
        regime_cls = self.registry[self.name]
        reached = set(np.concatenate(run_short(self.params())).tolist())
        assert reached <= set(regime_cls.levels) | set(self.gate_levels)

    def test_levels_and_licences_are_what_validation_accepts(self):
        regime_cls = self.registry[self.name]
        base = self.params()
        assert base.openness.licence in regime_cls.licences
        for level in Level:
            params = base.replace(openness={"release_level": int(level)})
            if level in regime_cls.levels:
                validate(params)
            else:
                with pytest.raises(ConfigError, match=r"openness\.release_level"):
                    validate(params)
        for licence in LICENCES:
            params = base.replace(openness={"licence": licence})
            if licence in regime_cls.licences:
                validate(params)
            else:
                with pytest.raises(ConfigError, match=r"openness\.licence"):
                    validate(params)

    def test_mandatory_iff_a_floor(self):
        regime = self.make()
        floor = regime.floor_levels(6)
        assert bool(floor.any()) == self.expected_classifier["mandatory"]
        if floor.any():
            assert np.all(floor == regime.params.release_level)

    def test_conditional_iff_it_starts_below_release_level(self):
        regime = self.make()
        start = regime.initial_levels(6)
        conditional = self.expected_classifier["conditional"]
        assert bool(np.all(start < regime.params.release_level)) == conditional
        if not conditional:
            assert np.all(start == regime.params.release_level)
        assert bool(self.gate_levels) == conditional  # only a condition holds labs back

    def test_fixed_level_iff_it_wants_its_release_level(self):
        regime = self.make()
        wanted = self.produced(regime) - set(regime.initial_levels(3).tolist())
        fixed = wanted <= {regime.params.release_level, *self.gate_levels}
        assert fixed == self.expected_classifier["fixed_level"]

    def test_strategic_iff_the_stream_matters(self):
        # every lab reconsiders, indifferent between levels: as random as the regime can be
        regime = self.make(self.params(**{"openness.revision_prob": 1.0,
                                          "openness.choice_beta": 0.0}))
        labs = varied_labs(60, 1)
        liability = np.zeros((60, 5))
        draws = {tuple(self.desired(regime, labs, liability, s))
                 for s in range(3)}
        assert (len(draws) > 1) == self.expected_classifier["strategic"]


FIXED = {"fixed_level": True, "conditional": False, "mandatory": False, "strategic": False}


class TestClosed(OpennessContract):
    name = "closed"
    release_level = Level.HOSTED
    expected_classifier = FIXED
    expected_licences = ("proprietary",)
    sponsored = False

    def test_internal_is_allowed_too(self):
        # validate raises ConfigError for a level the regime refuses
        assert validate(self.params(**{"openness.release_level": 0})).openness.release_level \
            == Level.INTERNAL


class TestApiOnly(OpennessContract):
    name = "api_only"
    release_level = Level.API
    expected_classifier = FIXED
    expected_licences = ("proprietary",)
    sponsored = False


class TestOpenWeights(OpennessContract):
    name = "open_weights"
    release_level = Level.WEIGHTS
    expected_classifier = FIXED


class TestFullyOpen(OpennessContract):
    name = "fully_open"
    release_level = Level.FULLY_OPEN
    expected_classifier = FIXED


class TestDualLicense(OpennessContract):
    name = "dual_license"
    release_level = Level.WEIGHTS
    expected_classifier = FIXED
    expected_licences = ("noncommercial",)
    sponsored = False  # contributors get contributor_share of the fee instead

    def test_commercial_builders_pay(self):
        licence = self.make().licence
        assert licence.commercial_fee == self.params().openness.commercial_fee > 0


class TestMandatedOpen(OpennessContract):
    name = "mandated_open"
    release_level = Level.WEIGHTS
    expected_classifier: ClassVar[dict[str, Any]] = {**FIXED, "mandatory": True}

    @pytest.mark.parametrize("level", [Level.WEIGHTS, Level.FULLY_OPEN])
    def test_floor_is_the_mandated_level(self, level):
        regime = self.make(self.params(**{"openness.release_level": int(level)}))
        assert regime.floor_levels(4).tolist() == [level] * 4


class TestStaged(OpennessContract):
    name = "staged"
    release_level = Level.WEIGHTS
    gate_levels = (Level.API,)
    expected_classifier: ClassVar[dict[str, Any]] = {**FIXED, "conditional": True}

    @pytest.mark.parametrize(("clean", "probation", "level", "expected"), [
        (0, 4, 3, Level.API), (3, 4, 3, Level.API), (4, 4, 3, Level.WEIGHTS),
        (9, 4, 4, Level.FULLY_OPEN), (0, 0, 3, Level.WEIGHTS), (2, 3, 4, Level.API)])
    def test_probation_table(self, clean, probation, level, expected):
        regime = self.make(self.params(**{"openness.probation": probation,
                                          "openness.release_level": level}))
        labs = make_labs(3, clean_quarters=clean)
        got = self.desired(regime, labs, np.zeros((3, 5)), 0)
        assert got.tolist() == [expected] * 3


class TestEndogenous(OpennessContract):
    name = "endogenous"
    release_level = Level.API
    expected_classifier: ClassVar[dict[str, Any]] = {**FIXED, "fixed_level": False,
                                                     "strategic": True}

    def test_labs_that_do_not_revise_keep_their_level(self):
        regime = self.make(self.params(**{"openness.revision_prob": 0.0}))
        labs = varied_labs(30, 2)
        got = self.desired(regime, labs, np.zeros((30, 5)), 0)
        assert np.array_equal(got, labs.release_level)

    def test_heavy_liability_keeps_revising_labs_off_weights(self):
        regime = self.make(self.params(**{"openness.revision_prob": 1.0}))
        labs = varied_labs(30, 3)
        liability = np.zeros((30, 5))
        liability[:, Level.WEIGHTS:] = 1e6
        got = self.desired(regime, labs, liability, 0)
        assert set(got.tolist()) <= {Level.HOSTED, Level.API}


# ---- regulation ----------------------------------------------------------------------

def regulation_grid() -> tuple[LabStore, np.ndarray]:
    """Labs below and above the threshold (26), safe and unsafe, with 0 or 5 clean audits,
    each at every stringency of ``SIGMAS``."""
    rows = list(itertools.product((25.0, 26.5), (True, False), (0, 5), SIGMAS))
    cap, safe, audits, sigma = (np.array(c) for c in zip(*rows, strict=True))
    labs = make_labs(len(rows), capability=cap, safe=safe, clean_audits=audits,
                     release_level=Level.WEIGHTS)
    return labs, sigma.astype(float)


HOOKS = ("release_cap", "capability_cap", "compliance_cost", "transparency_floor",
         "inspection", "liability_share")
SHARES = ("compliance_cost", "transparency_floor", "inspection", "liability_share")


class RegulationContract(RegimeContract):
    group = "regulation"
    registry = REGULATION

    def make(self, params=None):
        return make_regulation((params or self.params(**INSTRUMENTS)).regulation)

    def hooks(self, regime, labs, sigma):
        return {hook: getattr(regime, hook)(labs, sigma) for hook in HOOKS}

    @pytest.mark.parametrize("n", SIZES)
    def test_hooks_shape_and_dtype(self, n):
        regime = self.make()
        labs = varied_labs(n)
        for hook, got in self.hooks(regime, labs, np.linspace(0, 3, n)).items():
            assert got.shape == (n,), hook
            assert got.dtype == (np.int64 if hook == "release_cap" else np.float64), hook

    @pytest.mark.parametrize("instruments", [INSTRUMENTS, SATURATED])
    def test_hooks_in_range(self, instruments):
        regime = self.make(self.params(**instruments))
        labs, sigma = regulation_grid()
        got = self.hooks(regime, labs, sigma)
        assert np.all((got["release_cap"] >= 0) & (got["release_cap"] <= Level.FULLY_OPEN))
        cap = got["capability_cap"]
        assert np.all((cap >= labs.capability) | (cap == np.inf))
        for hook in SHARES:
            assert np.all((got[hook] >= 0.0) & (got[hook] <= 1.0)), hook

    def test_hooks_do_not_mutate_the_labs(self):
        regime = self.make()
        labs, sigma = regulation_grid()
        before, sigma_before = copy.deepcopy(labs), sigma.copy()
        self.hooks(regime, labs, sigma)
        assert_unchanged(before, labs)
        assert np.array_equal(sigma, sigma_before)

    def test_short_run_keeps_invariants(self):
        # labs start above a lowered threshold, under open weights, so the rules bite
        params = self.params(**{**INSTRUMENTS, "regulation.compute_threshold": 24.5})
        versions: list = []
        levels = run_short(params.with_options(openness="open_weights"), versions)
        # issue 14: a cap binds on versions whose weights are not yet out
        recalled, _ = weights_withdrawn(levels, versions)
        assert not recalled.any(), np.argwhere(recalled).tolist()

    def test_nothing_binds_at_zero_stringency(self):
        regime = self.make()
        labs, sigma = regulation_grid()
        got = self.hooks(regime, labs, np.zeros_like(sigma))
        assert np.all(got["release_cap"] == Level.FULLY_OPEN)
        assert np.all(got["capability_cap"] == np.inf)
        for hook in SHARES:
            assert not got[hook].any(), hook

    def test_no_hook_loosens_as_stringency_rises(self):
        regime = self.make()
        labs, _ = regulation_grid()
        steps = [self.hooks(regime, labs, np.full(labs.n, s)) for s in SIGMAS]
        for lo, hi in itertools.pairwise(steps):
            assert np.all(hi["release_cap"] <= lo["release_cap"])
            assert np.all(hi["capability_cap"] <= lo["capability_cap"])
            for hook in SHARES:
                assert np.all(hi[hook] >= lo[hook]), hook

    def test_classifier_matches_the_hooks(self):
        regime = self.make()
        labs, sigma = regulation_grid()
        got = self.hooks(regime, labs, sigma)
        covered = labs.capability > regime.params.compute_threshold
        binds = sigma >= BINDING_STRINGENCY
        audited = labs.clean_audits >= regime.params.audits_required
        held = got["release_cap"] < Level.WEIGHTS
        c = self.expected_classifier
        assert bool(np.any(held & covered & binds & audited)) == c["weight_ban"]
        if c["weight_ban"]:
            assert np.all(held[covered & binds])
        assert bool(np.any(held & covered & ~audited) and not np.any(held & audited)) \
            == c["tiered"]
        assert bool(np.any(got["capability_cap"] < np.inf)) == c["licensing"]
        assert bool(np.any(got["liability_share"] > 0)) == c["liability"]
        assert bool(np.any(got["transparency_floor"] > 0)) == c["disclosure"]
        assert bool(np.any(got["compliance_cost"] > 0)) == (c["disclosure"] or c["licensing"])
        assert bool(np.any(got["inspection"] > 0)) == (c["tiered"] or c["licensing"])
        if c["tiered"]:
            for hook in ("compliance_cost", "transparency_floor", "inspection"):
                assert not np.any(got[hook][~covered]), hook
        if c["disclosure"] and not c["tiered"]:
            assert np.any(got["transparency_floor"][~covered] > 0)


NEUTRAL = {"disclosure": False, "tiered": False, "licensing": False, "liability": False,
           "weight_ban": False}


class TestLaissezFaire(RegulationContract):
    name = "laissez_faire"
    expected_classifier = NEUTRAL


class TestTransparency(RegulationContract):
    name = "transparency"
    expected_classifier: ClassVar[dict[str, Any]] = {**NEUTRAL, "disclosure": True}

    @pytest.mark.parametrize(("sigma", "floor", "cost"), [
        (0.0, 0.0, 0.0), (1.0, 0.5, 0.2), (0.5, 0.25, 0.1), (3.0, 1.0, 0.6)])
    def test_table(self, sigma, floor, cost):
        labs = make_labs(2, capability=[25.0, 27.0])
        regime = self.make()
        s = np.full(2, sigma)
        np.testing.assert_allclose(regime.transparency_floor(labs, s), floor)
        np.testing.assert_allclose(regime.compliance_cost(labs, s), cost)


class TestRiskTiered(RegulationContract):
    name = "risk_tiered"
    expected_classifier: ClassVar[dict[str, Any]] = {**NEUTRAL, "tiered": True, "disclosure": True}

    @pytest.mark.parametrize(("capability", "sigma", "audits", "cap"), [
        (26.5, 1.0, 0, Level.API), (26.5, 1.0, 1, Level.API), (26.5, 1.0, 2, Level.FULLY_OPEN),
        (26.5, 0.1, 0, Level.API),          # any positive stringency gates release
        (26.5, 0.0, 0, Level.FULLY_OPEN), (25.0, 3.0, 0, Level.FULLY_OPEN)])
    def test_cap_table(self, capability, sigma, audits, cap):
        labs = make_labs(1, capability=capability, clean_audits=audits)
        assert self.make().release_cap(labs, np.array([sigma])).tolist() == [cap]


class TestLicensing(RegulationContract):
    name = "licensing"
    expected_classifier: ClassVar[dict[str, Any]] = {**NEUTRAL, "licensing": True}

    @pytest.mark.parametrize(("capability", "safe", "sigma", "cap", "fee"), [
        (25.0, False, 1.0, 26.0, 0.0),      # unlicensed: stops at the threshold
        (27.0, False, 1.0, 27.0, 0.0),      # ... or where it already is
        (27.0, True, 1.0, np.inf, 0.2),     # licensed: grows, pays the fee
        (25.0, True, 1.0, np.inf, 0.0),     # not covered: no fee
        (27.0, False, 0.4, np.inf, 0.0),    # the rule does not bind
        (27.0, True, 3.0, np.inf, 0.6)])
    def test_table(self, capability, safe, sigma, cap, fee):
        labs = make_labs(1, capability=capability, safe=safe)
        regime, s = self.make(), np.array([sigma])
        assert regime.capability_cap(labs, s)[0] == cap
        assert regime.compliance_cost(labs, s)[0] == pytest.approx(fee)


class TestLiability(RegulationContract):
    name = "liability"
    expected_classifier: ClassVar[dict[str, Any]] = {**NEUTRAL, "liability": True}

    @pytest.mark.parametrize(("sigma", "share"), [(0.0, 0.0), (1.0, 0.5), (3.0, 1.0)])
    def test_table(self, sigma, share):
        labs = make_labs(2, capability=[25.0, 27.0])
        got = self.make().liability_share(labs, np.full(2, sigma))
        np.testing.assert_allclose(got, share)


class TestOpenWeightRestriction(RegulationContract):
    name = "open_weight_restriction"
    expected_classifier: ClassVar[dict[str, Any]] = {**NEUTRAL, "weight_ban": True}

    @pytest.mark.parametrize(("capability", "sigma", "cap"), [
        (26.5, 1.0, Level.API), (26.5, 0.5, Level.API), (26.5, 0.49, Level.FULLY_OPEN),
        (25.0, 3.0, Level.FULLY_OPEN)])
    def test_cap_table(self, capability, sigma, cap):
        labs = make_labs(1, capability=capability, clean_audits=100)
        assert self.make().release_cap(labs, np.array([sigma])).tolist() == [cap]

    def test_the_ban_gates_new_versions(self):
        # every lab starts with its weights out and above a lowered threshold: the ban keeps
        # them out until the lab's next version, which stays behind the API
        params = self.params(**{"regulation.compute_threshold": 24.5, "run.steps": 8})
        versions: list = []
        levels = run_short(params.with_options(openness="open_weights"), versions)
        recalled, at_new_version = weights_withdrawn(levels, versions)
        assert not recalled.any()
        assert at_new_version.any()
        assert np.all(np.array(levels)[-1] < Level.WEIGHTS)  # every version since is gated


@pytest.mark.parametrize(("name", "fee", "sponsored"), [
    ("proprietary", False, False),    # no weights to build on
    ("permissive", False, True),
    ("copyleft", False, True),
    ("noncommercial", True, False),   # a fee is charged: contributors get a share of it
    ("use_restricted", False, True),
])
def test_licence_table(name, fee, sponsored):
    licence = licence_for(Params().replace(openness={"licence": name}).openness)
    assert (licence.commercial_fee > 0) == fee
    assert licence.sponsored == sponsored


def test_every_registered_regime_has_a_contract():
    for base, registry in ((OpennessContract, OPENNESS), (RegulationContract, REGULATION)):
        named = [cls.name for cls in base.__subclasses__()]
        assert sorted(named) == sorted(registry), base.__name__
