"""The org tree as it stood in each month.

Org units arrive as versions: a row applies from its ``from`` month (empty: always) until the
next row for the same code, and a unit with ``closed`` set takes no part after that month. Teams
restructure, so aggregation asks "who were the children of this unit in that month?".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.errors import UserError
from metrics.periods import month_index

TREE_COLUMNS = ["org", "parent", "period", "depth"]


class UnknownOrg(UserError, LookupError):
    """An org unit code that the tree does not hold."""

    def __init__(self, code: str) -> None:
        super().__init__(f"unknown org unit {code!r}")
        self.code = code


def tree_by_month(orgs: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """One row per (org, month) for units open in that month: parent and depth (root = 0)."""
    if orgs.empty or not months:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "depth" else str) for c in TREE_COLUMNS})
    versions = orgs.assign(start=orgs["from"].map(lambda m: month_index(m) if m else -1))
    grid = pd.DataFrame({"period": months, "index": [month_index(m) for m in months]})
    pairs = grid.merge(versions, how="cross")
    pairs = pairs[pairs["start"] <= pairs["index"]]
    pairs = pairs.sort_values("start").drop_duplicates(["code", "period"], keep="last")
    closed = pairs["closed"].map(lambda m: month_index(m) if m else 10**9)
    pairs = pairs[pairs["index"] <= closed]
    tree = pairs.rename(columns={"code": "org"})[["org", "parent", "period"]].reset_index(drop=True)
    tree["depth"] = _depths(tree)
    return tree[TREE_COLUMNS]


def _depths(tree: pd.DataFrame) -> pd.Series:
    """Depth of every (org, period) row: 0 at a root, one more than its parent's row in the same
    month; -1 when the chain does not reach a root within 63 levels (or has a cycle)."""
    count = len(tree)
    depth = np.full(count, -1, dtype="int64")
    depth[(tree["parent"] == "").fillna(False).to_numpy(dtype=bool)] = 0
    rows = pd.MultiIndex.from_arrays([tree["org"].astype(object), tree["period"].astype(object)])
    parent_row = rows.get_indexer(
        pd.MultiIndex.from_arrays([tree["parent"].astype(object), tree["period"].astype(object)])
    )
    has_parent = parent_row >= 0
    parent_depth = np.full(count, -1, dtype="int64")
    for level in range(1, 64):
        if not (depth == level - 1).any():
            break
        parent_depth[has_parent] = depth[parent_row[has_parent]]
        depth[(depth < 0) & (parent_depth == level - 1)] = level
    return pd.Series(depth, index=tree.index, dtype="int64")


def descendants(orgs: pd.DataFrame, code: str) -> set[str]:
    """The unit and every unit below it in any version of the tree."""
    if code not in set(orgs["code"]):
        raise UnknownOrg(code)
    found = {code}
    frontier = {code}
    while frontier:
        frontier = set(orgs.loc[orgs["parent"].isin(frontier), "code"]) - found
        found |= frontier
    return found


def children(orgs: pd.DataFrame, code: str, month: str | None = None) -> list[str]:
    """Codes of the unit's children (in the latest version, or as they stood in ``month``)."""
    months = [month] if month else [_latest_month(orgs)]
    tree = tree_by_month(orgs, months)
    return sorted(tree.loc[tree["parent"] == code, "org"])


def _latest_month(orgs: pd.DataFrame) -> str:
    stamps = [m for m in list(orgs["from"]) + list(orgs["closed"]) if m]
    return max(stamps) if stamps else "9999-12"


def root(orgs: pd.DataFrame) -> str:
    """The authority: the unit without a parent."""
    roots = orgs.loc[orgs["parent"] == "", "code"].unique()
    if len(roots) == 0:
        raise UnknownOrg("(root)")
    return str(roots[0])
