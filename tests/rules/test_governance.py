# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - rule reads the newest harm: test_review_reads_harm_after_the_lag
# - rule acts before the memory is full: test_review_reads_harm_after_the_lag
# - loosens by a whole step: test_review_reads_harm_after_the_lag, test_review_table
# - loosens below the target: test_review_table
# - review without clip: test_review_table
# - harmonise toward the max: test_harmonisation_table
# - advocacy excess uncapped: test_advocate_table
# - advocacy on fixed laws: test_advocate_table
"""Governments: the adaptive rule, harmonisation, advocacy (ODD 7.7, 7.13)."""

from __future__ import annotations

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


ADAPTIVE = {"adaptive": True, "harm_target": 0.1, "adaptive_step": 0.1}


@pytest.mark.parametrize(("adaptive", "stringency", "seen", "expected"), [
    (True, 1.0, 0.2, 1.1),      # above the target: tighten a step
    (True, 1.0, 0.1, 1.0),      # at the target: hold
    (True, 1.0, 0.06, 1.0),     # between half the target and the target: hold
    (True, 1.0, 0.05, 1.0),     # at half the target: hold
    (True, 1.0, 0.04, 0.95),    # below half: loosen half a step
    (True, 2.95, 5.0, 3.0),     # clipped at 3
    (True, 0.02, 0.0, 0.0),     # clipped at 0
    (False, 1.0, 5.0, 1.0),     # fixed laws do not move
    (False, 1.0, 0.0, 1.0),
    (False, 4.0, 0.0, 3.0),     # but stay within [0, 3]
])
def test_review_table(adaptive, stringency, seen, expected):
    gov = make_gov([stringency], lag=0)
    reg = RegulationParams(**{**ADAPTIVE, "adaptive": adaptive, "adaptive_lag": 0})
    governance.review(gov, reg, 0.0, seen)
    assert gov.stringency[0] == pytest.approx(expected, abs=1e-12)
    assert gov.effective[0] == pytest.approx(expected, abs=1e-12)


def test_review_reads_harm_after_the_lag():
    gov = make_gov([1.0], lag=2)
    reg = RegulationParams(**ADAPTIVE, adaptive_lag=2)
    path = []
    # t = 1: nothing observed yet; then h(1) = 5 (high), h(2) = h(3) = ... = 0 (low)
    for observed in (None, 5.0, 0.0, 0.0, 0.0, 0.0):
        governance.review(gov, reg, 0.0, observed)
        path.append(round(float(gov.stringency[0]), 12))
    # the memory holds lag + 1 = 3 values; the rule reads the oldest: h(1) at t = 4
    assert path == [1.0, 1.0, 1.0, 1.1, 1.05, 1.0]


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


@pytest.mark.parametrize(("adaptive", "target", "harm", "watchdogs", "push"), [
    (True, 0.1, 0.3, 0.5, 0.02 * 0.5 * 2.0),      # excess 2
    (True, 0.1, 10.0, 0.5, 0.02 * 0.5 * 10.0),    # excess 99, capped at 10
    (True, 0.1, 0.1, 1.0, 0.0),                   # at the target
    (True, 0.1, 0.05, 1.0, 0.0),                  # below
    (False, 0.1, 10.0, 1.0, 0.0),                 # fixed laws
    (True, 0.0, 10.0, 1.0, 0.0),                  # no target to exceed
    (True, 0.1, 0.3, 0.0, 0.0),                   # no watchdogs
])
@pytest.mark.parametrize("stringency", [[1.0, 0.5], [2.95, 0.0]])
def test_advocate_table(adaptive, target, harm, watchdogs, push, stringency):
    gov = make_gov(stringency)
    reg = RegulationParams(adaptive=adaptive, harm_target=target)
    governance.advocate(gov, watchdogs, CivilSocietyParams(advocacy=0.02), reg, harm)
    # every jurisdiction is pushed alike, within [0, 3]
    np.testing.assert_allclose(gov.stringency, np.minimum(np.add(stringency, push), 3.0),
                               atol=1e-12)
    np.testing.assert_allclose(gov.effective, stringency)  # effective from the next review


@pytest.mark.parametrize(("effective", "rate", "expected"), [
    ([0.0, 0.5, 1.0, 3.0], 0.1, [0.0, 0.05, 0.1, 0.1]), ([2.0], 0.0, [0.0])])
def test_public_capacity(effective, rate, expected):
    got = governance.public_capacity(np.array(effective), rate)
    np.testing.assert_allclose(got, expected)
