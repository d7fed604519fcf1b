"""Who sees what in a database of several authorities (plain functions, no web)."""

from __future__ import annotations

import pandas as pd
import pytest

from metrics.access import EVERYTHING, scope_for, visible_orgs, visible_rows
from metrics.orgtree import SeveralAuthorities, authorities, authority_of, group_of, root

ORGS = pd.DataFrame(
    [
        ("REG", "North Region", "", "group"),
        ("LA1", "Northtown", "REG", "authority"),
        ("LA1-A", "Northtown Team A", "LA1", "team"),
        ("LA2", "Southville", "REG", "authority"),
        ("LA2-A", "Southville Team A", "LA2", "team"),
        ("LA3", "Westham", "REG", "authority"),
    ],
    columns=["code", "name", "parent", "type"],
).assign(**{"from": "", "closed": ""})
SHARES = pd.DataFrame({"org": ["LA2", "LA3", "LA1"], "kpi": ["CP_PLANS", "ASSESSMENTS_45WD", "CP_PLANS"]})


def test_the_tree_knows_each_units_authority_and_group():
    assert authorities(ORGS) == ["LA1", "LA2", "LA3"]
    assert authority_of(ORGS, "LA2-A") == "LA2" and authority_of(ORGS, "REG") == ""
    assert group_of(ORGS, "LA1") == "REG"
    with pytest.raises(SeveralAuthorities, match="several authorities"):
        root(ORGS)


def test_a_user_of_one_authority_sees_it_in_full_and_only_what_others_share():
    scope = scope_for("LA1-A", ORGS, SHARES)
    assert scope.home == "LA1" and scope.group == "REG"
    assert scope.full == {"LA1", "LA1-A"}
    assert scope.shared == {("LA2", "CP_PLANS"), ("LA3", "ASSESSMENTS_45WD")}  # not its own share
    assert scope.may_read("LA1-A", "quarter")
    assert scope.may_read("LA2", "month", ("CP_PLANS",))
    assert not scope.may_read("LA2", "month", ("ASSESSMENTS_45WD",))  # not shared
    assert not scope.may_read("LA2", "quarter", ("CP_PLANS",))  # shared months only
    assert not scope.may_read("LA2-A") and not scope.may_read("NOPE")  # the same answer
    assert list(visible_orgs(ORGS, scope)["code"]) == ["LA1", "LA1-A", "LA2", "LA3"]
    assert set(visible_orgs(ORGS, scope)["parent"]) == {"", "LA1"}  # the group is not shown


def test_rows_are_limited_to_the_scope():
    rows = pd.DataFrame(
        {
            "org": ["LA1-A", "LA2", "LA2", "LA2-A", "LA3"],
            "kpi": ["X", "CP_PLANS", "LAC_COUNT", "CP_PLANS", "CP_PLANS"],
        }
    )
    scope = scope_for("LA1", ORGS, SHARES)
    assert visible_rows(rows, scope).index.tolist() == [0, 1]
    assert visible_rows(rows, scope, "quarter").index.tolist() == [0]


def test_a_group_user_sees_only_what_is_shared_and_admins_see_everything():
    group = scope_for("REG", ORGS, SHARES)
    assert group.full == {"REG"} and ("LA1", "CP_PLANS") in group.shared
    assert scope_for("", ORGS, SHARES) is EVERYTHING
    assert scope_for("LA9", ORGS, SHARES).full == frozenset()  # a unit not in the tree sees nothing
    single = ORGS[ORGS["code"].isin(["LA1", "LA1-A"])].assign(parent=["", "LA1"])
    assert scope_for("LA1-A", single, SHARES) is EVERYTHING  # one authority: as before
