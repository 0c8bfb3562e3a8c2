# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - attacker share h_D / total: test_harm_is_traced_by_level, test_hazards_split_finds_by_share, ...
# - found stay latent: test_hazards_split_finds_by_share, test_patch_reach_table, ...
# - patch reach ignored: test_patch_reach_table
# - clean audits without auditors: test_clean_audits_table
# - clean audits never reset: test_clean_audits_table
# - open-weight exploits fully traced: test_harm_is_traced_by_level
# - no n-day exploits: test_a_vulnerability_counts_as_exploited_once, ...
# - repeat exploits counted as new: test_a_vulnerability_counts_as_exploited_once
# - repeat exploits do no harm: test_a_vulnerability_counts_as_exploited_once
"""The vulnerability race between auditors and attackers (ODD 7.10)."""

from __future__ import annotations

import numpy as np
import pytest
from rule_states import make_labs, quarter

from sim.rules import vulnerabilities

HUGE = 1e9


def _race(labs, *, auditors=0, exposure=0.0, defender_rate=1.0, attacker_rate=1.0,
          patch_prob=0.0, nday_factor=5.0, exploit_harm=1.0, attribution_open=0.2, seed=0):
    n = labs.n
    return vulnerabilities.vulnerability_race(
        labs, auditors=np.broadcast_to(np.asarray(auditors, np.int64), (n,)).copy(),
        exposure=np.broadcast_to(np.asarray(exposure, float), (n,)).copy(),
        defender_rate=defender_rate, attacker_rate=attacker_rate, patch_prob=patch_prob,
        nday_factor=nday_factor, exploit_harm=exploit_harm, attribution_open=attribution_open,
        draws=quarter(seed))


@pytest.mark.parametrize(("auditors", "exposure", "found", "by_defenders", "exploited"), [
    (0, 0.0, 0, 0, 0),          # nobody searches: nothing is found
    (0, HUGE, 40, 0, 40),       # only attackers: every find is exploited
    (10, 0.0, 40, 40, 0),       # only auditors: nothing is exploited
])
@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_searchers_table(auditors, exposure, found, by_defenders, exploited, level):
    labs = make_labs(2, levels=level, latent_vulns=40)
    defender_rate = HUGE if auditors else 1.0
    out = _race(labs, auditors=auditors, exposure=exposure, defender_rate=defender_rate)
    assert out.found_by_defenders.tolist() == [by_defenders] * 2
    assert out.exploited.tolist() == [exploited] * 2
    assert labs.latent_vulns.tolist() == [40 - found] * 2
    assert labs.known_vulns.tolist() == [found] * 2  # patch_prob 0: all found stay known
    assert labs.incidents.tolist() == [exploited] * 2
    assert out.patched.tolist() == [0, 0]


@pytest.mark.parametrize(("level", "left"), [(0, 0), (1, 0), (2, 0), (3, 0.5), (4, 0.5)])
def test_patch_reach_table(level, left):
    # patch_prob 1: everything known is patched where patches reach every copy (levels
    # 0 to 2); downloaded weights are patched by half the copies
    labs = make_labs(1, levels=level, latent_vulns=1000, known_vulns=1000)
    out = _race(labs, auditors=5, defender_rate=HUGE, patch_prob=1.0)
    assert out.found_by_defenders[0] == 1000 and labs.latent_vulns[0] == 0
    assert abs(labs.known_vulns[0] / 2000 - left) <= 5 * np.sqrt(0.25 / 2000)
    assert out.patched[0] + labs.known_vulns[0] == 2000


@pytest.mark.parametrize(("auditors", "known", "patch_prob", "before", "after"), [
    (3, 0, 0.0, 2, 3),      # audited, nothing known: clean
    (3, 10, 1.0, 2, 3),     # audited, everything patched by the quarter's end: clean
    (3, 10, 0.0, 2, 0),     # audited, known and unpatched: the count restarts
    (0, 0, 0.0, 2, 2),      # not audited: unchanged
    (0, 10, 0.0, 2, 2),
])
def test_clean_audits_table(auditors, known, patch_prob, before, after):
    labs = make_labs(1, levels=2, known_vulns=known, clean_audits=before)
    _race(labs, auditors=auditors, patch_prob=patch_prob, defender_rate=0.0)
    assert labs.clean_audits[0] == after


@pytest.mark.parametrize(("level", "traced"), [(1, 1.0), (2, 1.0), (3, 0.25), (4, 0.25)])
def test_harm_is_traced_by_level(level, traced):
    labs = make_labs(1, levels=level, latent_vulns=10)
    out = _race(labs, exposure=HUGE, exploit_harm=2.0, attribution_open=0.25)
    assert out.exploited[0] == 10 and out.harm == 20.0
    assert labs.harm_caused[0] == 20.0
    assert labs.harm_traced[0] == pytest.approx(20.0 * traced)


@pytest.mark.parametrize(("exposure", "nday"), [(HUGE, 100), (0.0, 0)])
def test_known_unpatched_vulnerabilities_are_exploited(exposure, nday):
    labs = make_labs(1, levels=2, known_vulns=100)
    out = _race(labs, exposure=exposure)
    assert out.exploited[0] == nday
    assert labs.known_vulns[0] == 100  # exploited n-days stay known until patched


def test_a_vulnerability_counts_as_exploited_once():
    # 100 known, unpatched; attackers all over them for two quarters
    labs = make_labs(1, levels=2, known_vulns=100)
    first = _race(labs, exposure=HUGE, exploit_harm=2.0, seed=1)
    second = _race(labs, exposure=HUGE, exploit_harm=2.0, seed=2)
    assert (first.exploited[0], first.exploit_events[0]) == (100, 100)
    assert (second.exploited[0], second.exploit_events[0]) == (0, 100)  # repeats only
    assert second.harm == 200.0 and labs.incidents[0] == 200  # every event does harm
    assert labs.exploited_known[0] == 100


def test_hazards_split_finds_by_share():
    # h_D = 1 * 0.3 (API audit access) * 2 auditors = 0.6, h_A = 0.2: a quarter of the
    # finds go to attackers
    labs = make_labs(1, levels=2, latent_vulns=100_000)
    out = _race(labs, auditors=2, exposure=0.2, defender_rate=1.0, attacker_rate=1.0,
                nday_factor=0.0)
    found = 100_000 - labs.latent_vulns[0]
    assert abs(found / 100_000 - (1 - np.exp(-0.8))) < 0.01
    assert abs(out.exploited[0] / found - 0.25) < 0.01
