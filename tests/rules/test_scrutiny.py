# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - watchdogs audit: test_old_targets_are_cleared, test_watchdogs_never_audit
# - targets by share alone: test_targets_follow_share_plus_one_over_l
# - trust jumps to target: test_trust_table
# - harm does not lower trust: test_harm_lowers_trust, test_trust_table
# - transparency score unweighted: test_scores_weight_labs_by_share
# - trust not clipped: NOT caught, an equivalent mutant (a step toward a target in [0, 1])
"""Civil society: audit targets and public trust (ODD 7.10, 7.13)."""

from __future__ import annotations

import numpy as np
import pytest
from rule_states import make_labs, quarter, scenario

from sim.params import CivilSocietyParams
from sim.rules import scrutiny
from sim.state import CivilSocietyStore, Kind


def make_cs(kinds, seed=0, trust=0.5):
    cs = CivilSocietyStore(scenario(2, n_civil_society=len(kinds)),
                           quarter(seed, 0))
    cs.kind = np.asarray(kinds, dtype=np.int64)
    cs.trust = trust
    return cs


# ---- audit targets ----------------------------------------------------------------

@pytest.mark.parametrize(("kinds", "n_labs"), [
    ([Kind.WATCHDOG] * 5, 3),
    ([Kind.AUDITOR] * 4 + [Kind.WATCHDOG] * 3 + [Kind.RESEARCHER] * 2, 3),
    ([Kind.AUDITOR], 1),
    ([Kind.RESEARCHER, Kind.WATCHDOG], 4),
    ([], 2),
    ([Kind.AUDITOR] * 3, 0),
])
def test_watchdogs_never_audit(kinds, n_labs):
    cs = make_cs(kinds)
    labs = make_labs(n_labs)
    counts = scrutiny.choose_targets(cs, labs, quarter(0))
    auditing = np.asarray(kinds) != Kind.WATCHDOG
    assert counts.shape == (n_labs,) and counts.dtype == np.int64
    assert counts.sum() == (auditing.sum() if n_labs else 0)
    assert np.all(cs.target[~auditing] == -1)
    if n_labs:
        assert np.all((cs.target[auditing] >= 0) & (cs.target[auditing] < n_labs))
        assert np.array_equal(counts, np.bincount(cs.target[auditing], minlength=n_labs))


@pytest.mark.parametrize(("share", "expected"), [
    ([1.0, 0.0], [0.75, 0.25]),            # weights 1.5 and 0.5
    ([0.0, 0.0, 0.0], [1 / 3] * 3),
    ([0.5, 0.5, 0.0, 0.0], [0.375, 0.375, 0.125, 0.125]),
])
def test_targets_follow_share_plus_one_over_l(share, expected):
    cs = make_cs([Kind.AUDITOR] * 8000)
    counts = scrutiny.choose_targets(cs, make_labs(len(share), share=share),
                                     quarter(4))
    freq = counts / 8000
    assert np.all(np.abs(freq - expected) <= 5 * np.sqrt(0.25 / 8000))


def test_old_targets_are_cleared():
    cs = make_cs([Kind.WATCHDOG, Kind.AUDITOR])
    cs.target[:] = 1
    scrutiny.choose_targets(cs, make_labs(2), quarter(0))
    assert cs.target[0] == -1


# ---- trust ---------------------------------------------------------------------------

@pytest.mark.parametrize(("trust", "transparency", "audited", "harm", "speed", "expected"), [
    (0.5, 1.0, 1, 0.0, 0.1, 0.55),                    # target 1
    (0.5, 1.0, 1, 0.0, 1.0, 1.0),                     # trust reaches the target at once
    (0.5, 0.0, 0, 0.0, 1.0, 0.25),                    # (0.5)(0.5)
    (0.5, 1.0, 1, 0.2, 1.0, 0.5),                     # harm at the scale halves the target
    (0.5, 1.0, 0, 0.6, 1.0, 0.5 / 4),                 # (1)(0.5) / (1 + 3)
    (0.9, 0.0, 0, 0.0, 0.5, 0.9 + 0.5 * (0.25 - 0.9)),
    (0.3, 0.5, 1, 0.0, 0.0, 0.3),                     # speed 0: trust stays
])
def test_trust_table(trust, transparency, audited, harm, speed, expected):
    cs = make_cs([Kind.AUDITOR], trust=trust)
    labs = make_labs(2, transparency=transparency, share=0.5)
    prm = CivilSocietyParams(trust_speed=speed, harm_trust_scale=0.2)
    scrutiny.update_trust(cs, labs, prm, np.full(2, audited), harm)
    assert cs.trust == pytest.approx(expected, abs=1e-12)
    assert 0.0 <= cs.trust <= 1.0


@pytest.mark.parametrize("trust", [0.0, 0.5, 1.0])
def test_harm_lowers_trust(trust):
    after = []
    for harm in (0.0, 0.1, 1.0, 100.0):
        cs = make_cs([Kind.AUDITOR], trust=trust)
        scrutiny.update_trust(cs, make_labs(2, transparency=0.5, share=0.5),
                              CivilSocietyParams(trust_speed=0.3), np.array([1, 0]), harm)
        after.append(cs.trust)
    assert np.all(np.diff(after) < 0)


@pytest.mark.parametrize(("share", "transparency", "auditors", "score", "coverage"), [
    ([1.0, 0.0], [1.0, 0.0], [1, 0], 1.0, 1.0),
    ([0.0, 1.0], [1.0, 0.0], [1, 0], 0.0, 0.0),
    ([0.0, 0.0], [1.0, 0.0], [1, 0], 0.5, 0.5),   # no users: labs weigh equally
    ([0.6, 0.2], [0.5, 1.0], [0, 3], 0.625, 0.25),
])
def test_scores_weight_labs_by_share(share, transparency, auditors, score, coverage):
    cs = make_cs([Kind.WATCHDOG])
    labs = make_labs(2, share=share, transparency=transparency)
    scrutiny.update_trust(cs, labs, CivilSocietyParams(), np.array(auditors), 0.0)
    assert cs.transparency_score == pytest.approx(score)
    assert cs.audit_coverage == pytest.approx(coverage)


@pytest.mark.parametrize(("kinds", "share"), [
    ([Kind.WATCHDOG, Kind.AUDITOR, Kind.WATCHDOG, Kind.RESEARCHER], 0.5),
    ([Kind.AUDITOR], 0.0), ([], 0.0)])
def test_watchdog_share(kinds, share):
    assert scrutiny.watchdog_share(make_cs(kinds)) == share
