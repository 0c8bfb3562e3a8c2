# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - cap overrides the floor: test_release_level_table
# - cap ignored: test_release_level_per_lab, test_release_level_table, ...
# - transparency from the desired level: test_transparency_follows_the_released_level
# - no unsafe penalty: test_transparency_table
# - transparency floor ignored: test_transparency_table
# - no clip of transparency: test_transparency_table
# Since issue 14 (released weights cannot be recalled within a version):
# - released weights recalled within a version (no floor of released_level):
#   test_released_weights_table, test_staged_incident_does_not_recall_the_weights
# - released API access kept as a floor too: test_released_weights_table
# - released_level not updated: test_released_weights_table,
#   test_staged_incident_does_not_recall_the_weights
# - open_capability not updated: test_open_capability_table
# - open_capability set to the current capability (falls after a disaster):
#   test_open_capability_table
"""The release pipeline: max(min(desired, cap), floor, released weights), then transparency
(ODD 7.5)."""

from __future__ import annotations

import numpy as np
import pytest
from rule_states import make_labs

from sim.params import LabParams
from sim.rules import release

LP = LabParams(transparency_base=0.3, unsafe_transparency_penalty=0.1)


def _decide(labs, desired, cap, floor, tfloor=0.0, lp=LP):
    """Every lab wants ``desired``, is capped at ``cap`` and floored at ``floor``."""
    n = labs.n
    release.decide_release(
        labs, lp, desired=np.full(n, desired, dtype=np.int64), cap=np.full(n, cap, dtype=np.int64),
        floor=np.full(n, floor, dtype=np.int64), transparency_floor=np.full(n, float(tfloor)))


@pytest.mark.parametrize(("desired", "cap", "floor", "expected"), [
    (3, 4, 0, 3),   # nothing binds
    (3, 2, 0, 2),   # regulation caps at API
    (4, 2, 3, 3),   # a mandate's floor overrides the cap
    (1, 4, 3, 3),   # ... and lifts a lab above what it wants
    (2, 2, 0, 2),
    (0, 4, 0, 0),
    (4, 0, 0, 0),   # capped to internal
    (4, 4, 4, 4),
])
def test_release_level_table(desired, cap, floor, expected):
    labs = make_labs(3, levels=1)  # nothing released as weights yet: released_level 1
    _decide(labs, desired, cap, floor)
    assert labs.release_level.tolist() == [expected] * 3
    assert labs.release_level.dtype == np.int64


def test_release_level_per_lab():
    labs = make_labs(4, levels=0)
    release.decide_release(labs, LP, desired=np.array([4, 3, 2, 1]), cap=np.array([2, 4, 4, 0]),
                           floor=np.array([0, 0, 3, 0]), transparency_floor=np.zeros(4))
    assert labs.release_level.tolist() == [2, 3, 3, 0]


# the highest level released for the lab's current version (released_level) is a floor
# once it is weights (3 or 4): an incident, an audit or a ban gates new versions only
@pytest.mark.parametrize(("released", "desired", "cap", "floor", "expected", "after"), [
    (3, 2, 4, 0, 3, 3),    # the regime wants API again (staged after an incident)
    (3, 3, 2, 0, 3, 3),    # regulation now caps at API (a ban, an unclean audit)
    (3, 0, 0, 0, 3, 3),    # ... or at internal
    (4, 3, 4, 0, 4, 4),    # fully open stays fully open
    (4, 2, 2, 3, 4, 4),
    (3, 4, 4, 0, 4, 4),    # more may be released
    (2, 1, 4, 0, 1, 2),    # released API access is no floor: a hosted product may follow
    (2, 3, 2, 0, 2, 2),
    (1, 0, 4, 0, 0, 1),
    (0, 3, 2, 0, 2, 2),    # a new version (released_level reset): capped as before
    (0, 3, 4, 0, 3, 3),    # ... or released, which sets the floor for the version
])
def test_released_weights_table(released, desired, cap, floor, expected, after):
    labs = make_labs(3, levels=released, released_level=released)
    _decide(labs, desired, cap, floor)
    assert labs.release_level.tolist() == [expected] * 3
    assert labs.released_level.tolist() == [after] * 3
    assert labs.release_level.dtype == labs.released_level.dtype == np.int64


def test_staged_incident_does_not_recall_the_weights():
    # a lab on probation (API), then released (weights), then an incident (API wanted)
    labs = make_labs(1, levels=2)
    path = []
    for desired in (2, 3, 2, 2):
        _decide(labs, desired, 4, 0)
        path.append((int(labs.release_level[0]), int(labs.released_level[0])))
    assert path == [(2, 2), (3, 3), (3, 3), (3, 3)]
    labs.released_level[:] = 0  # its next version (investment.invest_and_grow)
    _decide(labs, 2, 4, 0)
    assert labs.release_level.tolist() == [2]  # held behind the API until a clean probation


@pytest.mark.parametrize(("level", "capability", "open_before", "open_after"), [
    (3, 25.0, -np.inf, 25.0),      # first weights
    (4, 25.5, 25.0, 25.5),         # a better version released
    (3, 24.5, 25.0, 25.0),         # after a disaster: the released weights stay the best
    (2, 26.0, 25.0, 25.0),         # a closed version adds nothing to the open frontier
    (2, 26.0, -np.inf, -np.inf),
    (0, 26.0, 25.0, 25.0),
])
def test_open_capability_table(level, capability, open_before, open_after):
    labs = make_labs(2, levels=0, capability=capability, released_level=0,
                     open_capability=open_before)
    _decide(labs, level, 4, 0)
    assert labs.release_level.tolist() == [level] * 2
    assert labs.open_capability.tolist() == [open_after] * 2


# TRANSPARENCY_BONUS by level: 0, 0, 0.1, 0.3, 0.6
@pytest.mark.parametrize(("level", "safe", "base", "tfloor", "expected"), [
    (4, True, 0.3, 0.0, 0.9),
    (4, False, 0.3, 0.0, 0.8),    # the unsafe lab withholds 0.1
    (2, True, 0.3, 0.0, 0.4),
    (2, False, 0.3, 0.5, 0.5),    # a mandate's floor binds
    (3, True, 0.3, 0.5, 0.6),     # ... but not above what the lab discloses
    (0, False, 0.05, 0.0, 0.0),   # clipped at 0
    (4, True, 0.6, 0.0, 1.0),     # clipped at 1
    (1, True, 0.3, 1.0, 1.0),
])
def test_transparency_table(level, safe, base, tfloor, expected):
    labs = make_labs(2, levels=level, safe=safe)
    lp = LabParams(transparency_base=base, unsafe_transparency_penalty=0.1)
    _decide(labs, level, 4, 0, tfloor, lp)
    np.testing.assert_allclose(labs.transparency, expected, atol=1e-12)


def test_transparency_follows_the_released_level():
    labs = make_labs(2, levels=0, safe=True)
    _decide(labs, 4, 2, 0)  # wants full openness, may only offer an API
    np.testing.assert_allclose(labs.transparency, 0.3 + 0.1)


def test_no_labs_is_a_no_op():
    labs = make_labs(0)
    release.decide_release(labs, LP, desired=np.zeros(0, np.int64), cap=np.zeros(0, np.int64),
                           floor=np.zeros(0, np.int64), transparency_floor=np.zeros(0))
    assert labs.release_level.shape == (0,)
