# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - cap overrides the floor: test_release_level_table
# - cap ignored: test_release_level_per_lab, test_release_level_table, ...
# - transparency from the desired level: test_transparency_follows_the_released_level
# - no unsafe penalty: test_transparency_table
# - transparency floor ignored: test_transparency_table
# - no clip of transparency: test_transparency_table
"""The release pipeline: max(min(desired, cap), floor), then transparency (ODD 7.5)."""

from __future__ import annotations

import numpy as np
import pytest
from rule_states import make_labs

from sim.params import LabParams
from sim.rules import release

LP = LabParams(transparency_base=0.3, unsafe_transparency_penalty=0.1)


def _decide(labs, desired, cap, floor, tfloor=0.0, lp=LP):
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
    labs = make_labs(3, levels=1)
    _decide(labs, desired, cap, floor)
    assert labs.release_level.tolist() == [expected] * 3
    assert labs.release_level.dtype == np.int64


def test_release_level_per_lab():
    labs = make_labs(4, levels=0)
    release.decide_release(labs, LP, desired=np.array([4, 3, 2, 1]), cap=np.array([2, 4, 4, 0]),
                           floor=np.array([0, 0, 3, 0]), transparency_floor=np.zeros(4))
    assert labs.release_level.tolist() == [2, 3, 3, 0]


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
