# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - disasters hit safe labs: test_a_safe_lab_never_has_a_disaster, ...
# - disaster loss on negative cash: test_disaster_cash_loss_table, ...
# - disaster harm not traced: test_disaster_risk_one_hits_every_unsafe_lab
# - inspection catches safe labs: test_inspection_table
# - caught lab not made safe: test_inspection_frequency, test_inspection_table
# - Fermi difference reversed: test_han_payoffs_drive_imitation_under_han, ...
# - exploration (race.mutation) ignored: test_mutation_one_randomises
# - imitation profits where han is asked: test_han_payoffs_drive_imitation_under_han
# - kernel's han payoff counts the focal lab: test_han_payoffs_drive_imitation_under_han
# - han_payoffs counts the focal lab: test_han_payoffs_by_hand
# - han matrix B/W for s B/W: test_han_matrix_by_hand, test_han_payoffs_by_hand
# Since issue 14 (disaster losses and fines enter the payoff labs imitate):
# - disasters not added to losses: test_disaster_risk_one_hits_every_unsafe_lab,
#   test_disaster_cash_loss_table
# - fines not added to losses: test_inspection_table
# - losses overwritten, not added: test_disaster_cash_loss_table, test_inspection_table
# - imitation compares profit, not payoff: test_strong_selection_copies_the_better_payoff
"""The safety race: disasters, inspections, Fermi imitation and the DSAIR payoffs (ODD 7.12)."""

from __future__ import annotations

import numpy as np
import pytest
from rule_states import Ledger, make_labs, quarter

from sim.params import RaceParams
from sim.rules import safety

# ---- disasters ---------------------------------------------------------------------

RISKY = RaceParams(disaster_risk=1.0, disaster_setback=0.5, disaster_cash_loss=0.5,
                   disaster_harm=50.0)


def test_disaster_risk_one_hits_every_unsafe_lab():
    labs = make_labs(4, capability=25.0, cash=[10.0, 10.0, -4.0, 3.0],
                     safe=[True, False, False, True])
    ledger = Ledger()
    count, harm = safety.disasters(labs, RISKY, ledger, quarter(0))
    assert (count, harm) == (2, 100.0)
    np.testing.assert_allclose(labs.capability, [25.0, 24.5, 24.5, 25.0])
    np.testing.assert_allclose(labs.compute, [10.0, 10 ** 0.5, 10 ** 0.5, 10.0])
    np.testing.assert_allclose(labs.cash, [10.0, 5.0, -4.0, 3.0])
    assert labs.incidents.tolist() == [0, 1, 1, 0]
    np.testing.assert_allclose(labs.harm_traced, [0.0, 50.0, 50.0, 0.0])
    np.testing.assert_allclose(labs.harm_caused, [0.0, 50.0, 50.0, 0.0])
    assert ledger.flows["disaster_losses"] == pytest.approx(-5.0)
    np.testing.assert_allclose(labs.losses, [0.0, 5.0, 0.0, 0.0])  # for the payoff
    assert labs.safe.tolist() == [True, False, False, True]  # a disaster changes no strategy


@pytest.mark.parametrize("seed", range(5))
def test_a_safe_lab_never_has_a_disaster(seed):
    labs = make_labs(6, capability=25.0, cash=10.0, safe=True)
    count, harm = safety.disasters(labs, RISKY, Ledger(), quarter(seed))
    assert (count, harm) == (0, 0.0)
    assert np.all(labs.capability == 25.0) and np.all(labs.cash == 10.0)


@pytest.mark.parametrize(("share", "cash", "expected"), [
    (0.5, 10.0, 5.0), (1.0, 10.0, 0.0), (0.0, 10.0, 10.0), (0.25, 8.0, 6.0),
    (0.5, -4.0, -4.0),  # a disaster never deepens a debt
])
def test_disaster_cash_loss_table(share, cash, expected):
    labs = make_labs(1, cash=cash, safe=False, losses=1.0)  # 1 lost earlier this quarter
    race = RaceParams(disaster_risk=1.0, disaster_cash_loss=share)
    safety.disasters(labs, race, Ledger(), quarter(0))
    assert labs.cash[0] == pytest.approx(expected)
    assert labs.losses[0] == pytest.approx(1.0 + cash - expected)


@pytest.mark.parametrize("risk", [0.0, 0.3])
def test_disaster_frequency(risk):
    labs = make_labs(4000, cash=1.0, safe=False)
    count, _ = safety.disasters(labs, RaceParams(disaster_risk=risk), Ledger(),
                                quarter(1))
    assert abs(count / 4000 - risk) <= 5 * np.sqrt(risk * (1 - risk) / 4000)


# ---- inspections ---------------------------------------------------------------------

@pytest.mark.parametrize(("safe", "inspection", "cash", "fine", "cash_after", "safe_after"), [
    (False, 1.0, 10.0, 0.2, 8.0, True),
    (False, 0.0, 10.0, 0.2, 10.0, False),
    (True, 1.0, 10.0, 0.2, 10.0, True),     # a safe lab is never fined
    (False, 1.0, -5.0, 0.2, -5.0, True),    # fined on positive cash only
    (False, 1.0, 10.0, 0.0, 10.0, True),
    (False, 1.0, 10.0, 1.0, 0.0, True),
])
def test_inspection_table(safe, inspection, cash, fine, cash_after, safe_after):
    labs = make_labs(2, cash=cash, safe=safe, losses=[0.0, 2.0])  # lab 1 had a disaster
    ledger = Ledger()
    safety.inspect(labs, ~labs.safe, np.full(2, inspection), fine, ledger,
                   quarter(0))
    np.testing.assert_allclose(labs.cash, cash_after)
    np.testing.assert_allclose(labs.losses, np.add([0.0, 2.0], cash - cash_after))
    assert labs.safe.tolist() == [safe_after] * 2
    assert ledger.flows["fines"] == pytest.approx(2 * (cash_after - cash))


def test_inspection_frequency():
    labs = make_labs(4000, cash=1.0, safe=False)
    safety.inspect(labs, ~labs.safe, np.full(4000, 0.25), 0.5, Ledger(),
                   quarter(2))
    caught = labs.safe.mean()
    assert abs(caught - 0.25) <= 5 * np.sqrt(0.25 * 0.75 / 4000)
    np.testing.assert_allclose(labs.cash[labs.safe], 0.5)
    np.testing.assert_allclose(labs.cash[~labs.safe], 1.0)


# ---- imitation -----------------------------------------------------------------------

STRONG = RaceParams(payoff="market", selection_intensity=1e6, mutation=0.0,
                    imitation_events=30)


# issue 14: labs compare payoffs (profit less disaster losses and fines, set when accounts
# settle), not profits; each row's profits point the other way
@pytest.mark.parametrize(("safe", "payoff", "expected"), [
    ([True, False], [1.0, 0.0], [True, True]),
    ([True, False], [0.0, 1.0], [False, False]),
    ([True, False, False], [5.0, 0.0, 0.0], [True, True, True]),
    ([False, True, True], [5.0, 0.0, 0.0], [False, False, False]),
    # the unsafe lab earned more but lost it in a disaster
    ([True, False], [1.0, -4.0], [True, True]),
])
@pytest.mark.parametrize("seed", range(3))
def test_strong_selection_copies_the_better_payoff(safe, payoff, expected, seed):
    profit = -np.asarray(payoff)
    labs = make_labs(len(safe), safe=safe, payoff=payoff, profit=profit)
    safety.imitate(labs, STRONG, quarter(seed))
    assert labs.safe.tolist() == expected


# under the default DSAIR matrix (B = 1e4, W = 100, b = 4, c = 1, s = 1.5, rho = 0):
# at p_r = 0.01 racing unsafely pays; at p_r = 0.9, SS = 51 > US = 15.24 > SU = 0.6, so
# safety pays among safe labs, but a safe lab whose only rival is unsafe earns SU
@pytest.mark.parametrize(("risk", "safe", "profit", "expected"), [
    (0.01, [True, False, True], [100.0, 0.0, 100.0], False),  # whatever the profits
    (0.9, [True, False, True], [0.0, 100.0, 0.0], True),
    (0.9, [True, False], [100.0, 0.0], False),
])
@pytest.mark.parametrize("seed", range(3))
def test_han_payoffs_drive_imitation_under_han(risk, safe, profit, expected, seed):
    labs = make_labs(len(safe), safe=safe, profit=profit, payoff=profit)
    safety.imitate(labs, RaceParams(payoff="han", selection_intensity=1e6, mutation=0.0,
                                    imitation_events=60, disaster_risk=risk), quarter(seed))
    assert labs.safe.tolist() == [expected] * len(safe)


def test_mutation_one_randomises():
    # payoffs favour safety overwhelmingly, but every update explores a random strategy
    race = RaceParams(selection_intensity=1e6, mutation=1.0, imitation_events=2000)
    shares = []
    for seed in range(5):
        labs = make_labs(50, safe=True, payoff=1e6)
        safety.imitate(labs, race, quarter(seed))
        shares.append(labs.safe.mean())
    # 250 fair coins: sd 0.032
    assert abs(np.mean(shares) - 0.5) <= 0.15
    assert min(shares) < 1.0


@pytest.mark.parametrize("n", [0, 1])
def test_fewer_than_two_labs_do_nothing(n):
    labs = make_labs(n, safe=False, payoff=0.0)
    safety.imitate(labs, RaceParams(mutation=1.0, imitation_events=100), quarter(5))
    assert labs.safe.tolist() == [False] * n


def test_no_events_no_change():
    labs = make_labs(3, safe=[True, False, False], payoff=[9.0, 0.0, 0.0])
    safety.imitate(labs, RaceParams(imitation_events=0), quarter(0))
    assert labs.safe.tolist() == [True, False, False]


# ---- DSAIR payoffs -----------------------------------------------------------------

# B = 100, W = 10, b = 4, c = 1, s = 2, p_r = 0.5, by hand, with the safe rival losing as
# much in the unsafe lab's disaster (rho = 1; Han et al.'s baseline is rho = 0)
SS = 100 / 20 + 4 / 2 - 1                     # 6
SU = 0.5 * (4 / 3 - 1)                        # 1/6
US = 0.5 * (2 * 100 / 10 + 2 * 4 / 3)         # 34/3
UU = 0.5 * (2 * 100 / 20 + 4 / 2)             # 6


def hand(rho=1.0):
    return RaceParams(prize=100.0, rounds=10.0, benefit=4.0, safety_cost=1.0,
                      speed_factor=2.0, disaster_risk=0.5, rival_disaster_share=rho)


HAND = hand()


@pytest.mark.parametrize(("rho", "su"), [(1.0, SU), (0.0, 4 / 3 - 1), (0.5, 0.75 / 3)])
def test_han_matrix_by_hand(rho, su):
    np.testing.assert_allclose(safety.han_matrix(hand(rho)), [[6.0, su], [34 / 3, 6.0]],
                               rtol=1e-12)


@pytest.mark.parametrize(("safe", "expected"), [
    ([], []),
    ([True], [0.0]),
    ([True, True], [SS, SS]),
    ([True, False], [SU, US]),
    ([False, False], [UU, UU]),
    ([True, True, False], [(SS + SU) / 2, (SS + SU) / 2, US]),
    ([True, False, False], [SU, (US + UU) / 2, (US + UU) / 2]),
    ([True, False, False, False], [SU, (US + 2 * UU) / 3, (US + 2 * UU) / 3,
                                   (US + 2 * UU) / 3]),
    ([False, True, True, True], [US, (2 * SS + SU) / 3, (2 * SS + SU) / 3,
                                 (2 * SS + SU) / 3]),
])
def test_han_payoffs_by_hand(safe, expected):
    got = safety.han_payoffs(np.array(safe, dtype=bool), HAND)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
