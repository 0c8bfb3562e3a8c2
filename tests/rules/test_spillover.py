# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - reach ignores the level: test_reach_table, test_reach_without_controls
# - own jurisdiction blocked: test_reach_table
# - strict above 0.5 only: test_reach_table
# - leak inverted: test_leak_frequency, test_reach_table
# - controls on lax labs too: test_reach_table
# - spill-over links not scaled by the leak: test_org_spillover_between_two_labs
"""Where released weights reach, under export controls (ODD 7.3)."""

from __future__ import annotations

import numpy as np
import pytest
from rule_states import make_labs, make_startups, quarter

from sim.params import RegulationParams, StartupParams
from sim.rules import spillover
from sim.state import OrgNetwork
from sim.streams import Stream


def _reach(labs, effective, jurisdiction, *, controls, leak=0.0, seed=0):
    reg = RegulationParams(export_controls=controls, export_leak=leak)
    jurisdiction = np.asarray(jurisdiction, np.int64)
    # each asking entity is a chooser with its own id, so each draws its own leaks
    return spillover.weights_reach(labs, np.asarray(effective, float), reg, quarter(seed),
                                   jurisdiction, np.arange(jurisdiction.size),
                                   Stream.MISUSE_REACH)


@pytest.mark.parametrize("effective", [[0.0, 0.0, 0.0], [1.0, 3.0, 0.5]])
def test_reach_without_controls(effective):
    labs = make_labs(5, levels=[0, 1, 2, 3, 4], jurisdiction=[0, 1, 2, 0, 2])
    got = _reach(labs, effective, [0, 1, 2, 2], controls=False)
    assert got.shape == (4, 5) and got.dtype == bool
    assert np.array_equal(got, np.tile([False, False, False, True, True], (4, 1)))


# labs: 0 (weights) in jurisdiction 0, 1 (fully open) in jurisdiction 1, 2 (API) in 0;
# expected: one row per lab, whether its weights reach jurisdictions 0, 1 and 2
@pytest.mark.parametrize(("effective", "leak", "expected"), [
    ([1.0, 0.2, 0.0], 0.0, [[1, 0, 0], [1, 1, 1], [0, 0, 0]]),   # 0 strict: home only
    ([1.0, 0.2, 0.0], 1.0, [[1, 1, 1], [1, 1, 1], [0, 0, 0]]),   # everything leaks
    ([0.5, 0.2, 0.0], 0.0, [[1, 0, 0], [1, 1, 1], [0, 0, 0]]),   # 0.5 binds
    ([0.49, 0.2, 0.0], 0.0, [[1, 1, 1], [1, 1, 1], [0, 0, 0]]),  # just below does not
    ([1.0, 1.0, 1.0], 0.0, [[1, 0, 0], [0, 1, 0], [0, 0, 0]]),   # all strict
])
def test_reach_table(effective, leak, expected):
    labs = make_labs(3, levels=[3, 4, 2], jurisdiction=[0, 1, 0])
    got = _reach(labs, effective, [0, 1, 2], controls=True, leak=leak)
    assert got.shape == (3, 3)
    assert np.array_equal(got.T, np.array(expected, dtype=bool))


def test_leak_frequency():
    labs = make_labs(2, levels=3, jurisdiction=[0, 1])
    got = _reach(labs, [1.0, 0.0], np.ones(20_000, dtype=np.int64), controls=True, leak=0.3,
                 seed=3)
    assert np.all(got[:, 1])  # a lax lab's weights reach everyone
    assert abs(got[:, 0].mean() - 0.3) <= 5 * np.sqrt(0.21 / 20_000)


def test_no_jurisdictions_asked():
    labs = make_labs(2, levels=3, jurisdiction=[0, 1])
    assert _reach(labs, [1.0, 1.0], [], controls=True).shape == (0, 2)
    assert _reach(labs, [1.0, 1.0], [], controls=False).shape == (0, 2)


@pytest.mark.parametrize(("controls", "effective", "leak", "absorbed"), [
    (False, [1.0, 1.0], 0.0, 0.5),   # one OOM behind a weights lab: 1 * 0.5 (its openness)
    (True, [0.2, 1.0], 0.0, 0.5),    # the leader's jurisdiction is lax
    (True, [1.0, 1.0], 0.0, 0.0),    # a strict jurisdiction keeps it in
    (True, [1.0, 1.0], 0.3, 0.15),   # ... but for the leak
])
def test_org_spillover_between_two_labs(controls, effective, leak, absorbed):
    labs = make_labs(2, levels=[3, 2], capability=[26.0, 25.0], jurisdiction=[0, 1])
    reg = RegulationParams(export_controls=controls, export_leak=leak)
    got = spillover.org_spillover(labs, make_startups(0), OrgNetwork(2), StartupParams(),
                                  False, np.asarray(effective), reg)
    np.testing.assert_allclose(got, [0.0, absorbed], atol=1e-12)
