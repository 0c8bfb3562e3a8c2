"""The invariants every state of the model must keep, checked after each step.

Shared by the contract tests, the fuzz tests and the extreme-scenario tests.
"""

from __future__ import annotations

import numpy as np

from sim import EcosystemModel

#: outcome columns that are shares or probabilities
UNIT_COLUMNS = ("cr4", "access_share", "meaningful_access", "safe_share", "trust",
                "lax_jurisdiction_share", "gini_capability", "adoption_share")
#: outcome columns that count or sum non-negative things
NON_NEGATIVE_COLUMNS = ("misuse_attempts", "startup_entries", "startup_exits", "acquisitions",
                        "vulnerabilities_open", "vulnerabilities_patched", "disasters", "harm",
                        "startups_alive", "contributions", "contributor_revenue")


def check_invariants(model: EcosystemModel) -> None:
    """Assert every invariant of the model's current state and its last outcome row."""
    users, labs, st = model.users, model.labs, model.startups
    n_providers = labs.n + st.size
    # users are conserved: each is not adopted, outside (-1), or with one provider that
    # traded this quarter; a startup that exits after the market keeps its users' rows
    # until the next market, where they choose again (redirect -1)
    assert users.choice.shape == (users.n,) == (model.params.population.n_users,)
    assert np.all(users.choice[users.adopted == 0] == -1)
    assert np.all((users.choice >= -1) & (users.choice < max(n_providers, 1)))
    held = users.choice[users.choice >= 0]
    counts = np.bincount(held, minlength=n_providers)
    assert np.array_equal(counts, np.concatenate([labs.users, st.users[: st.size]]))
    gone = np.unique(held[held >= labs.n] - labs.n)
    gone = gone[~st.alive[gone]]
    assert np.all(st.redirect[gone] == -1), "users hold a startup that was acquired"
    assert gone.size <= model.quarter.counts["startup_exits"], "users hold a startup that left"
    # shares are in [0, 1] and sum to 1 over the providers of everyone served
    shares = np.concatenate([labs.share, st.share[: st.size]])
    assert np.all(np.isfinite(shares)) and np.all((shares >= 0) & (shares <= 1))
    if held.size:
        assert abs(shares.sum() - 1.0) <= 1e-9
    else:
        assert shares.sum() == 0.0
    assert np.all((users.capacity >= 0) & (users.capacity <= 1))
    # counts are non-negative
    for arr in (labs.latent_vulns, labs.known_vulns, labs.users, st.users[: st.size],
                labs.incidents):
        assert np.all(arr >= 0)
    # nothing is NaN or infinite
    live = st.live()
    for arr in (labs.capability, labs.cash, labs.compute, labs.price, labs.revenue,
                st.cash[live], st.price[live], st.quality[live], st.revenue[live]):
        assert np.all(np.isfinite(arr))
    assert 0.0 <= model.civil_society.trust <= 1.0
    row = model.history[-1]
    empty = undefined_layers(model, row)
    for key, value in row.items():
        if isinstance(value, int | float | np.number):
            # NaN exactly where the column's layer is empty, finite everywhere else
            assert np.isfinite(value) != empty.get(key, False), (key, value)
    for key in UNIT_COLUMNS:
        if key in row and not empty.get(key, False):
            assert 0.0 <= row[key] <= 1.0, (key, row[key])
    for key in ("hhi", "hhi_upstream", "hhi_api", "hhi_open"):
        assert empty[key] or 0.0 <= row[key] <= 10000.0, (key, row[key])
    for key in NON_NEGATIVE_COLUMNS:
        if key in row:
            assert row[key] >= 0, (key, row[key])
    check_cash(model)


def undefined_layers(model: EcosystemModel, row: dict) -> dict[str, bool]:
    """For each outcome that is NaN on an empty layer, whether its layer is empty now."""
    labs, st = model.labs, model.startups
    live = st.live()
    market_empty = int(labs.users.sum() + st.users[live].sum()) == 0
    assert row["market_empty"] == market_empty
    level = labs.release_level
    closed = (level >= 1) & (level < 3)
    open_users = labs.users[level >= 3].sum() + st.users[live][st.build_mode[live] == 2].sum()
    compute = labs.compute.sum() + st.compute[live].sum()
    return {"hhi": market_empty, "cr4": market_empty, "mean_price": market_empty,
            "revenue_share_startups": market_empty, "revenue_share_contributors": market_empty,
            "revenue_share_top_lab": market_empty,
            "hhi_api": labs.users[closed].sum() == 0, "hhi_open": open_users == 0,
            "hhi_upstream": live.size == 0, "compute_cr4": compute <= 0}


def check_cash(model: EcosystemModel) -> None:
    """Cash is accounted for: the cash held now is the cash held at the start plus every
    booked flow in and out of the ecosystem since."""
    labs, st = model.labs, model.startups
    held = float(labs.cash.sum()) + float(st.cash[st.live()].sum())
    ledger = model.ledger
    expected = ledger.expected()
    scale = ledger.opening_abs + sum(ledger.gross.values()) + 1.0
    assert abs(held - expected) <= 1e-9 * scale, (held, expected, dict(ledger.flows))
    # user payments recounted from the users' own choices, not from the provider counts
    choice = model.users.choice
    held_by = choice[choice >= 0]
    prices = np.concatenate([labs.price, st.price[: st.size]])
    per_user = model.params.market.market_size / max(1, model.users.n)
    paid = float(prices[held_by].sum()) * per_user
    booked = ledger.this_step.get("user_payments", 0.0)
    assert abs(paid - booked) <= 1e-9 * (abs(paid) + 1.0), (paid, booked)
