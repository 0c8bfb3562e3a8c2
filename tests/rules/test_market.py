# Mutations this file catches, each applied to a copy of the library in /tmp (never
# the repository), with the tests that failed:
# - contributors paid from API fees: test_pay_upstream_table
# - lab credited the whole fee: test_fees_conserve_money, test_pay_upstream_table
# - startup keeps its whole revenue: test_fees_conserve_money, test_pay_upstream_table
# - dead startups pay fees: test_fees_conserve_money, test_pay_upstream_table
# - contributors not booked: test_pay_upstream_table
# Since issue 14 (builders on weights pay sponsorship where the licence asks no fee):
# - sponsorship ignored: test_pay_upstream_table, test_fees_conserve_money
# - sponsorship kept by the startup (not taken from its cash): test_pay_upstream_table,
#   test_fees_conserve_money
# - sponsorship paid by API builders too: test_pay_upstream_table
# - sponsorship credited to the lab: test_pay_upstream_table, test_fees_conserve_money
# (sponsorship under a fee-charging licence is refused upstream of this rule, where the
# licence is read: tests/model/test_regime_contracts.py)
"""Fees upstream: what startups pay, their labs and the contributors receive (ODD 7.1, 7.9)."""

from __future__ import annotations

import numpy as np
import pytest
from rule_states import Ledger, make_labs, make_startups

from sim.rules import market
from sim.vocabulary import BuildMode

A, W = int(BuildMode.API), int(BuildMode.WEIGHTS)


def _pay(labs, st, share, sponsorship=0.0):
    ledger = Ledger()
    total, by_lab = market.pay_upstream(labs, st, share, sponsorship, ledger)
    return total, by_lab, ledger


# sponsorship is what the caller passes: openness.sponsorship_share under a licence that asks
# no fee, 0 under one that charges a fee or forbids it
@pytest.mark.parametrize(("share", "sponsorship", "lab_gain", "contrib", "kept"), [
    (0.0, 0.0, [3.0, 3.0], [0.0, 0.0], [7.0, 17.0, 5.0]),
    (0.3, 0.0, [3.0, 2.1], [0.0, 0.9], [7.0, 17.0, 5.0]),   # 30% of the weights fee
    (1.0, 0.0, [3.0, 0.0], [0.0, 3.0], [7.0, 17.0, 5.0]),
    # builders on weights give 2% of their revenue (20 + 5): 0.5 more to contributors,
    # out of their own cash; the lab's fee is untouched and API builders give nothing
    (0.0, 0.02, [3.0, 3.0], [0.0, 0.5], [7.0, 16.6, 4.9]),
    (0.3, 0.1, [3.0, 2.1], [0.0, 3.4], [7.0, 15.0, 4.5]),
    (0.0, 1.0, [3.0, 3.0], [0.0, 25.0], [7.0, -3.0, 0.0]),
])
def test_pay_upstream_table(share, sponsorship, lab_gain, contrib, kept):
    labs = make_labs(2, revenue=[1.0, 2.0])
    # an API startup and a weights startup on lab 1, one without fees, one that left
    st = make_startups(4, base=[0, 1, 1, 0], build_mode=[A, W, W, A],
                       fee_share=[0.3, 0.15, 0.0, 0.3], revenue=[10.0, 20.0, 5.0, 7.0],
                       cash=[1.0, 1.0, 1.0, 1.0], alive=[True, True, True, False])
    total, by_lab, ledger = _pay(labs, st, share, sponsorship)
    np.testing.assert_allclose(labs.revenue, np.add([1.0, 2.0], lab_gain))
    np.testing.assert_allclose(st.cash[:4], np.add(1.0, [*kept, 0.0]), atol=1e-12)
    np.testing.assert_allclose(by_lab, contrib)
    assert total == pytest.approx(sum(contrib))
    assert ledger.flows["contributors"] == pytest.approx(-sum(contrib))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("share", "sponsorship"), [(0.0, 0.0), (0.3, 0.0), (1.0, 0.0),
                                                    (0.3, 0.02), (0.0, 0.5)])
def test_fees_conserve_money(seed, share, sponsorship):
    rng = np.random.default_rng(seed)
    n = 30
    labs = make_labs(3, revenue=rng.uniform(0, 10, 3))
    st = make_startups(n, base=rng.integers(0, 3, n), build_mode=rng.choice([A, W], n),
                       fee_share=rng.uniform(0, 1, n), revenue=rng.uniform(0, 5, n),
                       cash=rng.uniform(-1, 1, n), alive=rng.random(n) < 0.8)
    rev0, cash0 = labs.revenue.copy(), st.cash[:n].copy()
    total, by_lab, _ = _pay(labs, st, share, sponsorship)
    live = st.alive[:n]
    # what startups lose of their revenue, labs and contributors gain
    lost = st.revenue[:n][live].sum() - (st.cash[:n] - cash0)[live].sum()
    assert np.all(st.cash[:n][~live] == cash0[~live])
    assert lost == pytest.approx((labs.revenue - rev0).sum() + total, rel=1e-12)
    assert by_lab.sum() == pytest.approx(total)
    assert np.all(labs.revenue >= rev0)
    # the labs' gain is the fees less the contributors' share, whatever the sponsorship
    weights = live & (st.build_mode[:n] == W)
    fees = st.fee_share[:n] * st.revenue[:n]
    assert (labs.revenue - rev0).sum() == pytest.approx(
        fees[live].sum() - share * fees[weights].sum(), rel=1e-12)
