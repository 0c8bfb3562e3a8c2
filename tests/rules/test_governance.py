# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - rule reads the newest harm: test_review_reads_harm_after_the_lag
# - rule acts before the memory is full: test_review_reads_harm_after_the_lag
# - harmonise toward the max: test_harmonisation_table
# - advocacy excess uncapped: test_advocate_table
# - advocacy on fixed laws: test_advocate_table
# Since issue 14 (the adaptive rule has a tolerance band, log-proportional steps and a range
# around the statute):
# - rule without its band (tolerance ignored): test_adaptive_change_table, test_review_table
# - whole steps instead of log-proportional ones: test_adaptive_change_table,
#   test_review_table, test_review_reads_harm_after_the_lag
# - step not capped at one (min(ln r, 1) dropped): test_adaptive_change_table, ...
# - rule without its range (clipped to [0, 3] only): test_review_table,
#   test_adaptive_rule_settles_at_the_edge_of_its_range, test_adaptive_bounds_table
# - range around the current stringency, not the statute:
#   test_adaptive_rule_settles_at_the_edge_of_its_range, test_advocate_table
# - advocacy clipped to [0, 3] only: test_advocate_table, test_advocacy_stays_within_the_range
"""Governments: the adaptive rule, harmonisation, advocacy (ODD 7.7, 7.13)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import tiny_params

from sim.params import CivilSocietyParams, RegulationParams
from sim.rules import governance
from sim.state import GovernmentStore


def make_gov(stringency, lag=0, cooperation=0.0):
    n = len(stringency)
    params = tiny_params(jurisdictions={"n": n, "stringency": tuple(stringency),
                                        "market_share": tuple([1.0 / n] * n),
                                        "cooperation": cooperation},
                         regulation={"adaptive_lag": lag})
    return GovernmentStore(params)


# the defaults of the band and the range, written out: harm within 0.075 .. 0.125 holds,
# and stringency stays within statute x [0.5, 1.5]
ADAPTIVE = {"adaptive": True, "harm_target": 0.1, "adaptive_step": 0.1,
            "adaptive_tolerance": 0.25, "adaptive_range": 0.5}
LN = math.log


# ---- the rule's change: a dead band, then steps growing with the log distance --------

@pytest.mark.parametrize(("seen", "tolerance", "target", "change"), [
    (0.1, 0.25, 0.1, 0.0),                 # at the target
    (0.12, 0.25, 0.1, 0.0),                # inside the band: hold
    (0.625, 0.25, 0.5, 0.0),               # at its upper edge (exact in binary): hold
    (0.13, 0.25, 0.1, 0.1 * LN(1.3)),      # just above: a small step up
    (0.2, 0.25, 0.1, 0.1 * LN(2.0)),       # twice the target: ln 2 of a step
    (0.1 * math.e, 0.25, 0.1, 0.1),        # e times the target: a full step
    (5.0, 0.25, 0.1, 0.1),                 # far above: never more than a full step
    (0.08, 0.25, 0.1, 0.0),                # inside the band, below the target
    (0.375, 0.25, 0.5, 0.0),               # at its lower edge
    (0.07, 0.25, 0.1, -0.1 * LN(1 / 0.7)),
    (0.04, 0.25, 0.1, -0.1 * LN(2.5)),
    (0.01, 0.25, 0.1, -0.1),               # far below: a full step down
    (0.0, 0.25, 0.1, -0.1),                # no harm at all: a full step down
    (0.105, 0.0, 0.1, 0.1 * LN(1.05)),     # no band: every deviation moves the rule
    (0.095, 0.0, 0.1, -0.1 * LN(1 / 0.95)),
    (0.0, 1.0, 0.1, 0.0),                  # a band down to 0: no harm holds
    (5.0, 0.25, 0.0, 0.0),                 # no target: no rule
])
def test_adaptive_change_table(seen, tolerance, target, change):
    reg = RegulationParams(**{**ADAPTIVE, "adaptive_tolerance": tolerance,
                              "harm_target": target})
    assert governance.adaptive_change(seen, reg) == pytest.approx(change, abs=1e-12)


@pytest.mark.parametrize(("statute", "adaptive_range", "lo", "hi"), [
    ([1.0], 0.5, [0.5], [1.5]),
    ([2.5, 0.4], 0.5, [1.25, 0.2], [3.0, 0.6]),   # never above 3
    ([0.0], 0.5, [0.0], [0.0]),                   # no law: nothing to correct
    ([1.0], 0.0, [1.0], [1.0]),                   # no range: the statute holds
    ([1.0], 2.0, [0.0], [3.0]),                   # a range wider than the law: [0, 3]
])
def test_adaptive_bounds_table(statute, adaptive_range, lo, hi):
    gov = make_gov(statute)
    gov.stringency[:] = 0.3  # the bounds are the statute's, not the current stringency's
    got_lo, got_hi = gov.adaptive_bounds(adaptive_range)
    np.testing.assert_allclose(got_lo, lo, atol=1e-12)
    np.testing.assert_allclose(got_hi, hi, atol=1e-12)
    np.testing.assert_allclose(gov.statute, statute)


# ---- one review ------------------------------------------------------------------------

# statute and stringency differ where the rule has already moved the law
@pytest.mark.parametrize(("adaptive", "statute", "stringency", "seen", "expected"), [
    # issue 14: a log-proportional step (1.1 before: a whole step whenever above the target)
    (True, 1.0, 1.0, 0.2, 1.0 + 0.1 * LN(2.0)),
    (True, 1.0, 1.0, 0.1, 1.0),                      # at the target: hold
    (True, 1.0, 1.0, 0.12, 1.0),                     # inside the band: hold
    # issue 14: below the band it loosens (it held down to half the target before)
    (True, 1.0, 1.0, 0.06, 1.0 - 0.1 * LN(1 / 0.6)),
    (True, 1.0, 1.0, 0.05, 1.0 - 0.1 * LN(2.0)),
    (True, 1.0, 1.0, 0.04, 1.0 - 0.1 * LN(2.5)),     # (0.95 before: half a step)
    (True, 1.0, 1.45, 5.0, 1.5),                     # the range stops it at 1.5 x statute
    (True, 1.0, 0.55, 0.0, 0.5),                     # ... and at 0.5 x statute
    (True, 2.95, 2.95, 5.0, 3.0),                    # clipped at 3
    # issue 14: the range keeps a small statute off 0 (0.0 before)
    (True, 0.02, 0.02, 0.0, 0.01),
    (True, 0.0, 0.0, 5.0, 0.0),                      # no statute: the rule cannot regulate
    (False, 1.0, 1.0, 5.0, 1.0),                     # fixed laws do not move
    (False, 1.0, 1.0, 0.0, 1.0),
    (False, 4.0, 4.0, 0.0, 3.0),                     # but stay within [0, 3]
])
def test_review_table(adaptive, statute, stringency, seen, expected):
    gov = make_gov([statute], lag=0)
    gov.stringency[:] = stringency
    reg = RegulationParams(**{**ADAPTIVE, "adaptive": adaptive, "adaptive_lag": 0})
    governance.review(gov, reg, 0.0, seen)
    assert gov.stringency[0] == pytest.approx(expected, abs=1e-12)
    assert gov.effective[0] == pytest.approx(expected, abs=1e-12)
    assert gov.statute[0] == statute  # the law as written never changes


def test_review_reads_harm_after_the_lag():
    gov = make_gov([1.0], lag=2)
    reg = RegulationParams(**ADAPTIVE, adaptive_lag=2)
    path = []
    # t = 1: nothing observed yet; then h(1) = 5 (high), h(2) = h(3) = ... = 0 (low)
    for observed in (None, 5.0, 0.0, 0.0, 0.0, 0.0):
        governance.review(gov, reg, 0.0, observed)
        path.append(round(float(gov.stringency[0]), 12))
    # the memory holds lag + 1 = 3 values; the rule reads the oldest: h(1) at t = 4, a full
    # step up (50 times the target), then full steps down (no harm; half steps before
    # issue 14)
    assert path == [1.0, 1.0, 1.0, 1.1, 1.0, 0.9]


@pytest.mark.parametrize(("statute", "seen", "edge"), [
    ([1.0, 2.0, 0.4], 5.0, [1.5, 3.0, 0.6]),      # harm no stringency can lower
    ([1.0, 2.0, 0.4], 0.0, [0.5, 1.0, 0.2]),      # harm far below the target
    ([1.0], 0.1, [1.0]),                          # on target: the statute holds
])
def test_adaptive_rule_settles_at_the_edge_of_its_range(statute, seen, edge):
    # the review found the rule swinging to 3 (mandated openness) or 0.005 (API only)
    gov = make_gov(statute)
    reg = RegulationParams(**{**ADAPTIVE, "adaptive_lag": 0})
    for _ in range(60):
        governance.review(gov, reg, 0.0, seen)
    np.testing.assert_allclose(gov.stringency, edge, atol=1e-12)


@pytest.mark.parametrize(("stringency", "cooperation", "expected"), [
    ([1.0, 0.0], 0.0, [1.0, 0.0]),
    ([1.0, 0.0], 1.0, [0.5, 0.5]),
    ([1.0, 0.0], 0.5, [0.75, 0.25]),
    ([1.2, 1.0, 0.6, 0.3, 0.1], 1.0, [0.64] * 5),
    ([2.0, 1.0, 0.0], 0.25, [1.75, 1.0, 0.25]),
])
def test_harmonisation_table(stringency, cooperation, expected):
    gov = make_gov(stringency)
    governance.review(gov, RegulationParams(adaptive=False), cooperation, None)
    np.testing.assert_allclose(gov.effective, expected, atol=1e-12)
    np.testing.assert_allclose(gov.stringency, stringency)  # own stringency is kept


# ---- advocacy --------------------------------------------------------------------------

@pytest.mark.parametrize(("adaptive", "target", "harm", "watchdogs", "push"), [
    (True, 0.1, 0.3, 0.5, 0.02 * 0.5 * 2.0),      # excess 2
    (True, 0.1, 10.0, 0.5, 0.02 * 0.5 * 10.0),    # excess 99, capped at 10
    (True, 0.1, 0.1, 1.0, 0.0),                   # at the target
    (True, 0.1, 0.05, 1.0, 0.0),                  # below
    (False, 0.1, 10.0, 1.0, 0.0),                 # fixed laws
    (True, 0.0, 10.0, 1.0, 0.0),                  # no target to exceed
    (True, 0.1, 0.3, 0.0, 0.0),                   # no watchdogs
])
# issue 14: advocacy stays within statute x [0.5, 1.5] (within [0, 3] before), so a
# jurisdiction whose statute is 0 is not pushed
@pytest.mark.parametrize(("stringency", "hi"), [([1.0, 0.5], [1.5, 0.75]),
                                                ([2.95, 0.0], [3.0, 0.0])])
def test_advocate_table(adaptive, target, harm, watchdogs, push, stringency, hi):
    gov = make_gov(stringency)
    reg = RegulationParams(adaptive=adaptive, harm_target=target, adaptive_range=0.5)
    governance.advocate(gov, watchdogs, CivilSocietyParams(advocacy=0.02), reg, harm)
    # every jurisdiction is pushed alike, up to the top of its range
    np.testing.assert_allclose(gov.stringency, np.minimum(np.add(stringency, push), hi),
                               atol=1e-12)
    np.testing.assert_allclose(gov.effective, stringency)  # effective from the next review


@pytest.mark.parametrize(("statute", "stringency", "expected"), [
    ([1.0], [1.45], [1.5]),          # the push stops at the top of the range
    ([1.0], [1.5], [1.5]),
    ([1.0], [0.5], [0.7]),           # a loosened law is pushed back, by the whole push
    ([0.1, 2.0], [0.1, 2.0], [0.15, 2.2]),   # each up to the top of its own range
])
def test_advocacy_stays_within_the_range(statute, stringency, expected):
    gov = make_gov(statute)
    gov.stringency[:] = stringency
    reg = RegulationParams(adaptive=True, harm_target=0.1, adaptive_range=0.5)
    # excess 2: a push of 0.1 x 1 x 2 = 0.2 in every jurisdiction
    governance.advocate(gov, 1.0, CivilSocietyParams(advocacy=0.1), reg, 0.3)
    np.testing.assert_allclose(gov.stringency, expected, atol=1e-12)


@pytest.mark.parametrize(("effective", "rate", "expected"), [
    ([0.0, 0.5, 1.0, 3.0], 0.1, [0.0, 0.05, 0.1, 0.1]), ([2.0], 0.0, [0.0])])
def test_public_capacity(effective, rate, expected):
    got = governance.public_capacity(np.array(effective), rate)
    np.testing.assert_allclose(got, expected)
