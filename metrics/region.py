"""The regional view: each sharing authority's month beside the group's pooled figure.

Computed once per load from the stored report's authority rows (``data.region_store``), like
every other number. For each KPI and month, among the authorities that share the KPI:

- the group's **pooled** figure adds the authorities' numerators and denominators (counts add),
  the same rule that rolls teams up to an authority, never an average of their percentages;
- **rank** 1 is the best value by the KPI's polarity (highest first where higher is better);
  equal values share the better rank (1, 2, 2, 4); a KPI without polarity is not ranked;
- the **quartile** band, as the DfE's LA Interactive Tool bands authorities: A for the best
  quarter to D for the worst, from the authority's position ``(rank - 1) / (n - 1)`` among the n
  ranked (A below 0.25, B below 0.5, C below 0.75, else D); a lone authority has no band.

RAG is each authority's own, against its own target; the pooled row has no target.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.aggregate import finish_ratios, kpi_attributes
from metrics.catalogue import Catalogue

REGION_CSV_COLUMNS = ["period", "kpi", "org", "numerator", "denominator", "value", "target", "rag"]
REGION_CSV_COLUMNS += ["rank", "quartile"]
REGION_COLUMNS = ["grp", *REGION_CSV_COLUMNS, "authorities", "england"]
BANDS = "ABCD"


def quartile_band(rank: float, ranked: int) -> str | None:
    """A (best quarter) to D (worst) for a rank among ``ranked`` authorities; None alone."""
    if ranked < 2 or np.isnan(rank):
        return None
    position = (rank - 1) / (ranked - 1)
    return BANDS[min(int(position * 4), 3)]


def region_rows(shared: pd.DataFrame, group: str, catalogue: Catalogue) -> pd.DataFrame:
    """Rows of the regional view (:data:`REGION_COLUMNS`) from the shared month rows of the
    group's authorities (report rows: kpi, org, period, numerator, denominator, value, target,
    rag, england), one per authority and month plus the group's pooled row."""
    if shared.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REGION_COLUMNS})
    rows = shared[["kpi", "org", "period", "numerator", "denominator", "value", "target", "rag", "england"]]
    rows = rows[rows["value"].notna()].copy()
    polarity = rows["kpi"].map(kpi_attributes(catalogue, "polarity"))
    key = ["kpi", "period"]
    signed = rows["value"].where(polarity != "up", -rows["value"]).where(polarity != "none")
    rows["rank"] = signed.groupby([rows["kpi"], rows["period"]]).rank(method="min")
    ranked = rows.groupby(key)["rank"].transform("count")
    rows["authorities"] = rows.groupby(key)["org"].transform("size")
    rows["quartile"] = [quartile_band(r, int(n)) for r, n in zip(rows["rank"], ranked, strict=True)]
    pooled = rows.groupby(key, sort=False)[["numerator", "denominator", "value"]].sum(min_count=1)
    pooled = pooled.reset_index().assign(org=group, commentary=None)
    pooled = finish_ratios(pooled, catalogue)
    extra = rows.groupby(key, sort=False).agg(authorities=("org", "size"), england=("england", "first"))
    pooled = pooled.merge(extra.reset_index(), on=key)
    pooled = pooled.assign(target=np.nan, rag=None, rank=np.nan, quartile=None)
    out = pd.concat([rows, pooled[rows.columns]], ignore_index=True).assign(grp=group)
    out["rank"] = out["rank"].astype("Int64")
    out = out.assign(pooled=out["org"] == group)
    out = out.sort_values(["kpi", "period", "pooled", "rank", "org"], na_position="last", kind="stable")
    return out[REGION_COLUMNS].reset_index(drop=True)
