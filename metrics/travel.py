"""Direction of travel: is this period better, worse or the same as the one before?"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.rag import DECIMALS


def direction_of_travel(
    rows: pd.DataFrame, polarity: pd.Series, previous: pd.Series | None = None
) -> pd.Series:
    """``better``/``worse``/``same`` against the previous period of the same KPI and unit.

    ``previous`` is the figure to compare each row with (default: the row before it by
    ``end_month``). For context measures (polarity ``none``) the words are ``higher``/``lower``/
    ``same``; a row with nothing to compare with has no direction (empty).
    """
    if previous is None:
        ordered = rows.sort_values("end_month")
        previous = ordered.groupby(["kpi", "org"], sort=False)["value"].shift(1).reindex(rows.index)
    change = rows["value"].round(DECIMALS) - previous.round(DECIMALS)
    pol = polarity.to_numpy()
    up_is_good = np.where(pol == "down", -change, change)
    words = np.where(
        pol == "none",
        np.select([change > 0, change < 0], ["higher", "lower"], "same"),
        np.select([up_is_good > 0, up_is_good < 0], ["better", "worse"], "same"),
    )
    return pd.Series(np.where(change.isna(), "", words), index=rows.index, dtype=object)
