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


GROUP, AUTHORITY = "group", "authority"


class SeveralAuthorities(UserError, LookupError):
    """A question that needs one authority was asked of a database holding several."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(f"this database holds several authorities ({', '.join(codes)}): name one with --org")
        self.codes = codes


def _latest(orgs: pd.DataFrame) -> pd.DataFrame:
    """The latest version of each unit."""
    return orgs.sort_values("from").drop_duplicates("code", keep="last")


def authorities(orgs: pd.DataFrame) -> list[str]:
    """Codes of the authorities: units of type ``authority`` (or, in a tree that names none,
    the unit without a parent), sorted."""
    if orgs.empty:
        return []
    typed = sorted(set(orgs.loc[orgs["type"] == AUTHORITY, "code"]))
    return typed or sorted(set(orgs.loc[orgs["parent"] == "", "code"]) - set(groups(orgs)))


def groups(orgs: pd.DataFrame) -> list[str]:
    """Codes of the group units (a region or alliance above authorities), sorted."""
    return sorted(set(orgs.loc[orgs["type"] == GROUP, "code"])) if not orgs.empty else []


def authority_of(orgs: pd.DataFrame, code: str) -> str:
    """The authority a unit belongs to (the unit itself for an authority; "" for a group).

    Parents are followed through every version of the tree: a unit never changes authority
    (the org units file is refused if it would, :mod:`data.validate`)."""
    found = authority_map(orgs)
    if code not in found:
        raise UnknownOrg(code)
    return found[code]


def authority_map(orgs: pd.DataFrame) -> dict[str, str]:
    """Every unit's authority ("" for groups and units above every authority)."""
    if orgs.empty:
        return {}
    heads = set(authorities(orgs))
    parent = dict(zip(_latest(orgs)["code"], _latest(orgs)["parent"], strict=True))
    found: dict[str, str] = {}
    for code in parent:
        step, seen = code, set()
        while step and step not in heads and step not in seen:
            seen.add(step)
            step = parent.get(step, "")
        found[code] = step if step in heads else ""
    return found


def root(orgs: pd.DataFrame) -> str:
    """The authority, when the database holds one (a view or export without ``org`` shows it);
    :class:`SeveralAuthorities` when it holds more than one."""
    heads = authorities(orgs)
    if not heads:
        raise UnknownOrg("(root)")
    if len(heads) > 1:
        raise SeveralAuthorities(heads)
    return heads[0]


def home_unit(orgs: pd.DataFrame, home: str = "") -> str:
    """The unit a page opens on: the reader's authority, else the only (or first) authority."""
    if home:
        return home
    heads = authorities(orgs)
    if not heads:
        raise UnknownOrg("(root)")
    return heads[0]


def subtree(orgs: pd.DataFrame, code: str) -> pd.DataFrame:
    """The versions of a unit and every unit below it, the unit made the root: one authority's
    own tree, which its report is rolled up over (a group above it takes no part)."""
    below = orgs[orgs["code"].isin(descendants(orgs, code))].copy()
    below.loc[below["code"] == code, "parent"] = ""
    return below.reset_index(drop=True)


def group_of(orgs: pd.DataFrame, code: str) -> str:
    """The group an authority sits under in the latest version of the tree ("" for none)."""
    latest = _latest(orgs)
    parent = dict(zip(latest["code"], latest["parent"], strict=True)).get(code, "")
    return parent if parent in set(groups(orgs)) else ""
