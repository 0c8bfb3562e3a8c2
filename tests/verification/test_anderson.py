"""Verification: Anderson symmetry of the vulnerability race ("many eyes").

Claim (Anderson 2002, "Security in open versus closed systems: the dance of Boltzmann,
Coase and Moore"): scaling the auditors' and the attackers' discovery rates by the same
factor leaves the expected number of exploited vulnerabilities unchanged; only asymmetries
move it. In the model (``sim/rules/vulnerabilities.py``, ODD 7.10) a vulnerability found
in a quarter goes to the attackers with probability ``h_A / (h_D + h_A)``, free of a common
factor, and ``vulnerabilities_exploited`` counts distinct vulnerabilities.
``configs/experiment/verify_anderson.yaml`` sets up the conditions under which the expected
*count* is invariant, and runs where discovery is NOT saturated: about 700 vulnerabilities
arrive in the first four quarters and are found over the following ones (40% in their
first quarter at factor 1, 22% at factor 0.5, 86% at factor 4), so runs at different
factors differ; after 40 quarters about 1e-4 of them are still latent at factor 0.5.

Standard errors: paired. Every configuration runs on the same seeds, so with common random
numbers a seed's runs at two factors see the same vulnerabilities and the same auditors
and differ only in when and by whom each vulnerability is found: their exploited counts
correlate at 0.97 to 0.99, and the paired difference has a standard error 6 to 9 times
smaller than the unpaired one (0.55 to 0.83 against about 5.0 at 40 seeds). The
differences are independent across seeds, so ``sd(d_i)/sqrt(runs)`` is an honest standard
error of their mean, and that mean estimates the difference of expectations whatever the
coupling. (Independent seeds would be honest too, with the unpaired formula, but would
need 36 to 80 times more runs for the same power; the unpaired formula on paired runs
would overstate the error and hide real effects.)

* Symmetry: at factors 0.5, 2 and 4, ``|mean paired difference| < 4 SE``, and the test
  would catch a 1% effect (4 SE below 1% of the mean). A defender rate that scales as
  ``factor^1.1`` fails it.
* Magnitude: the mean count equals the mean of ``found x n_A / (n_A + (r_D/r_A) n_D)``
  within four standard errors of the binomial draws, so the count is the race's, neither 0
  nor fixed; attackers searching with half their access fail it.
* Asymmetries: more auditors and a faster defender rate lower the mean, patch lag
  (``patch_prob = 0.8``, n-day exploitation of known vulnerabilities) and the partial patch
  reach of open weights (0.5, at the same 1:1 access ratio) raise it, each by more than
  four paired standard errors; each fails when its mechanism is removed (auditors not
  counted, the defender rate ignored, no n-day exploitation, patches reaching every copy).
"""

from __future__ import annotations

import numpy as np
import pytest
from verification_checks import (
    ANDERSON_ASYMMETRIES,
    ANDERSON_FACTORS,
    anderson_asymmetry_check,
    anderson_magnitude_check,
    anderson_sample,
    anderson_symmetry_check,
    experiment,
    rate_override,
)
from verification_mutants import mutant

from sim import EcosystemModel
from sim.state import Kind
from sim.vocabulary import ATTACK_ACCESS, Level

RUNS = 40  # per factor, paired
ASYM_RUNS = 20
MUTANT_RUNS = 10


pytestmark = pytest.mark.usefixtures("one_numba_thread")


def test_config_holds_the_conditions_of_the_symmetry():
    """Fast: what makes the count invariant holds quarter by quarter at factors 1 and 4,
    and discovery is spread over quarters (not saturated)."""
    params = experiment("verify_anderson")
    rate = params.civil_society.discovery_rate
    assert params.malicious.discovery_rate == rate
    assert experiment("verify_anderson", *rate_override(4.0)).malicious.discovery_rate == 4 * rate
    exposure = ATTACK_ACCESS[Level.API] * params.population.n_malicious
    paths = {}
    for factor in (1.0, 4.0):
        p = experiment("verify_anderson", *rate_override(factor))
        model = EcosystemModel(p, rng=7)
        auditing = model.civil_society.kind != Kind.WATCHDOG
        path, latent = [], []
        for _ in range(p.run.steps):
            model.step()
            assert model.labs.release_level.tolist() == [Level.API]
            np.testing.assert_allclose(model.quarter.misuse.exposure, [exposure])  # all attack
            assert np.all(model.civil_society.target[auditing] == 0)  # all audit the one lab
            assert model.labs.known_vulns.sum() == 0  # no n-day window
            path.append(model.history[-1]["frontier_capability"])
            latent.append(int(model.labs.latent_vulns.sum()))
        paths[factor] = path
        # vulnerabilities arrive in the first four quarters only, then growth stops
        assert path[3] == path[-1] == 26.0 and path[2] < 26.0
        assert latent[-1] == 0
        if factor == 1.0:  # not saturated: still latent several quarters after the last arrival
            assert latent[6] > 0.05 * latent[3]
    # growth, hence the Poisson stream of new vulnerabilities, ignores the rates
    assert paths[1.0] == paths[4.0]
    # the old design's rates (20 times these) find everything in its first quarter: the
    # non-saturation condition above fails there, so it is a real condition
    saturated = EcosystemModel(experiment("verify_anderson", *rate_override(20.0)), rng=7)
    latent = []
    for _ in range(7):
        saturated.step()
        latent.append(int(saturated.labs.latent_vulns.sum()))
    assert latent[3] < 5 and not latent[6] > 0.05 * max(latent[3], 1)


@pytest.mark.slow
def test_common_scaling_leaves_expected_exploited_unchanged():
    checks = [anderson_symmetry_check(f, RUNS) for f in ANDERSON_FACTORS]
    for check in checks:
        d = check.detail
        assert check.passed, (str(check), d)
        assert check.tolerance < 0.01 * d["mean_base"], d  # the power it claims
        assert d["mean_base"] > 300 and d["latent_share"] < 1e-3, d
        # the factors really change the runs: some seed's pair differs (the mean of the
        # integer differences can be exactly 0 by chance, as at factor 0.5 on 40 seeds)
        assert d["se_paired"] > 0 or check.statistic != 0.0, d
        assert d["se_paired"] < 0.5 * d["se_unpaired"], d  # pairing pays
    for overrides in ((), *(rate_override(f) for f in ANDERSON_FACTORS)):
        check = anderson_magnitude_check(overrides, RUNS)
        assert check.passed, check


@pytest.mark.slow
def test_symmetry_and_magnitude_checks_fail_on_broken_races():
    """A defender rate that scales as factor^1.1 gives defenders 7% more at factor 2 and
    lowers the attacker share by about 3%; halving the attackers' access lowers the count
    by about a fifth but leaves it symmetric."""
    with mutant("discovery_asymmetric"):
        asymmetric = anderson_symmetry_check(2.0, RUNS)
    assert not asymmetric.passed, (str(asymmetric), asymmetric.detail)
    with mutant("attack_exposure_halved"):
        magnitude = anderson_magnitude_check((), RUNS)
    assert not magnitude.passed, magnitude


@pytest.mark.slow
@pytest.mark.parametrize("name", list(ANDERSON_ASYMMETRIES))
def test_asymmetries_move_expected_exploited_the_predicted_way(name):
    check = anderson_asymmetry_check(name, ASYM_RUNS)
    assert check.passed, (str(check), check.detail)
    if ANDERSON_ASYMMETRIES[name][1] < 0:  # defenders' side: the size follows the share
        assert anderson_magnitude_check(ANDERSON_ASYMMETRIES[name][0], ASYM_RUNS).passed


BROKEN = {"more_auditors": "auditors_uncounted", "faster_defenders": "defender_rate_ignored",
          "patch_lag": "no_nday", "partial_patch_reach": "full_patch_reach"}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BROKEN))
def test_asymmetry_checks_fail_without_their_mechanism(name):
    with mutant(BROKEN[name]):
        check = anderson_asymmetry_check(name, MUTANT_RUNS)
        assert anderson_sample((), MUTANT_RUNS)["exploited"].mean() > 0
    assert not check.passed, (str(check), check.detail)
