"""EMA Workbench 2.5 under pandas 3: PRIM's box inspection with categorical restrictions.

``PrimBox.inspect()`` (and so ``inspect(style="data")`` and the printed table) builds its
limits table as floats and then writes a categorical restriction (a set of options) into
it; pandas 3 refuses to upcast silently (``TypeError: Invalid value '{...}' for dtype
'float64'``). :func:`patch_prim` replaces that one method with one that builds the table
with object dtype, otherwise the same. Idempotent, and harmless under pandas 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def _inspect_data(self: Any, i: int, uncs: list[str], qp_values: Mapping[str, Any]) -> Any:
    """EMA Workbench 2.5.3's ``PrimBox._inspect_data`` with an object-typed limits table."""
    import pandas as pd

    stats = self.peeling_trajectory.iloc[i]
    columns = pd.MultiIndex.from_product([[f"box {i}"], ["min", "max", "qp value", "qp value"]])
    box_lim = pd.DataFrame(np.zeros((len(uncs), 4)), index=uncs, columns=columns, dtype=object)
    for unc in uncs:
        values = self.box_lims[i][unc]
        box_lim.loc[unc] = values.values.tolist() + list(qp_values[unc])
    qp = box_lim.iloc[:, 2:].map(lambda v: np.nan if v == -1 else v)
    box_lim.iloc[:, 2:] = qp
    return stats, box_lim


def patch_prim() -> None:
    """Make ``PrimBox.inspect()`` work under pandas 3 (idempotent; harmless under pandas 2)."""
    from ema_workbench.analysis import prim

    if getattr(prim.PrimBox, "_aieco_patched", False):
        return
    prim.PrimBox._inspect_data = _inspect_data
    prim.PrimBox._aieco_patched = True

