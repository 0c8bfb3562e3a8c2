"""Cash accounting: every flow of money into or out of the ecosystem's organisations.

Labs and live startups hold cash. Money enters them from users, investors and entrants'
founders, and leaves them for compute, serving, running costs, liability, fines, disaster
losses, contributors, acquisition prices and the cash an exiting startup takes with it.
Fees a startup pays its lab stay inside and are not booked. The model books each external
flow where it happens, computed from the quantities that cause it (prices and user counts,
the investor pool, ...), so the identity

    cash held now = cash held at the start + sum of booked flows

checks that internal transfers conserve money and that no cash appears or vanishes
unexplained. The tests assert it after every step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

#: flow names and their meaning; positive flows bring money in
FLOWS = {
    "user_payments": "price times users times market_size / n_users, to labs and startups",
    "investor_funding": "investor capital to labs",
    "entrant_capital": "founders' cash of entering startups",
    "compute_investment": "labs' spending on compute (compliance, safety, licence fee included)",
    "adaptation": "one-off cost of adapting open weights, paid by entrants",
    "serving_costs": "marginal cost of serving users",
    "fixed_costs": "running costs of labs and startups",
    "liability": "liability for traced harm paid by labs",
    "disaster_losses": "cash a lab loses in a disaster",
    "fines": "fines on labs caught racing unsafely",
    "contributors": "licence fees passed on to open-source contributors",
    "acquisitions": "prices labs pay for the startups they buy",
    "exits": "cash (or debt) a startup takes with it when it leaves the market",
}


@dataclass
class Ledger:
    """Booked cash flows (mu) since the model was built."""

    opening: float = 0.0
    opening_abs: float = 0.0
    flows: dict[str, float] = field(default_factory=dict)
    gross: dict[str, float] = field(default_factory=dict)
    this_step: dict[str, float] = field(default_factory=dict)

    @classmethod
    def open(cls, cash: ArrayLike) -> Ledger:
        """A ledger opened on the cash held at the start."""
        held = np.asarray(cash, dtype=np.float64)
        return cls(opening=float(held.sum()), opening_abs=float(np.abs(held).sum()))

    def book(self, name: str, amount: ArrayLike) -> None:
        """Book a flow (positive in, negative out); arrays are summed."""
        if name not in FLOWS:
            raise KeyError(f"unknown cash flow {name!r}")
        values = np.asarray(amount, dtype=np.float64)
        total = float(values.sum())
        self.flows[name] = self.flows.get(name, 0.0) + total
        self.this_step[name] = self.this_step.get(name, 0.0) + total
        self.gross[name] = self.gross.get(name, 0.0) + float(np.abs(values).sum())

    def new_step(self) -> None:
        """Start booking a new quarter (``this_step`` holds only its flows)."""
        self.this_step = {}

    def expected(self) -> float:
        """The cash the books say labs and live startups hold now."""
        return self.opening + float(sum(self.flows.values()))
