"""Pure rules: who may write where, overdue actions, and "did it work?" in plain words."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from metrics.access import ADMIN, UPLOAD, WRITE, Forbidden, User, require
from metrics.actions import did_it_work, overdue

ORGS = pd.DataFrame(
    {"code": ["LA", "SFS", "ASS1", "CIC"], "parent": ["", "LA", "SFS", "LA"], "name": ["a", "b", "c", "d"]}
)


@pytest.mark.parametrize(
    ("user", "capability", "unit", "allowed"),
    [
        (User("v@x", "viewer"), WRITE, "ASS1", False),
        (User("e@x", "editor", "SFS"), WRITE, "ASS1", True),
        (User("e@x", "editor", "SFS"), WRITE, "SFS", True),
        (User("e@x", "editor", "SFS"), WRITE, "LA", False),
        (User("e@x", "editor", "SFS"), WRITE, "CIC", False),
        (User("e@x", "editor"), WRITE, "CIC", True),
        (User("e@x", "editor"), UPLOAD, None, False),
        (User("o@x", "officer", "SFS"), UPLOAD, None, True),
        (User("o@x", "officer", "SFS"), WRITE, "CIC", False),
        (User("o@x", "officer"), ADMIN, None, False),
        (User("a@x", "admin", "SFS"), WRITE, "CIC", True),
        (User("e@x", "editor", "GONE"), WRITE, "SFS", False),
        (None, WRITE, "SFS", False),
    ],
)
def test_roles_and_units(user, capability, unit, allowed):
    if allowed:
        require(user, capability, unit, ORGS)
    else:
        with pytest.raises(Forbidden):
            require(user, capability, unit, ORGS)


def test_overdue_means_open_and_past_its_date():
    actions = pd.DataFrame(
        {"status": ["open", "open", "done"], "due": ["2024-01-31", "2030-01-01", "2024-01-01"]}
    )
    assert overdue(actions, dt.date(2024, 6, 1)).tolist() == [True, False, False]


def rows(values: list[float], means: list[float], signals: list[str]) -> pd.DataFrame:
    periods = [f"2024-{m:02d}" for m in range(1, len(values) + 1)]
    return pd.DataFrame({"period": periods, "value": values, "spc_mean": means, "spc_signal": signals})


def test_did_it_work_in_plain_words(catalogue):
    kpi = catalogue["ASSESSMENTS_45WD"]  # a percentage where higher is better
    before, after = [80.0] * 6, [90.0] * 6
    text = did_it_work(
        rows(before + after, [80.0] * 6 + [90.0] * 6, [""] * 11 + ["improvement"]), "2024-07", kpi
    )
    assert text == (
        "Before July 2024 the monthly figure averaged 80.0 (6 months); from July 2024 it averages 90.0 "
        "(6 months), better by 10.0 percentage points. The process limits were re-based at July 2024 "
        "(centre line 80.0 before, 90.0 after). 1 month(s) since show a special-cause signal: a real change."
    )
    short = did_it_work(rows([*before, 82.0], [80.0] * 7, [""] * 7), "2024-07", kpi)
    assert short.endswith(
        "better by 2.0 percentage points. Only 1 month(s) since: too early to call a real change."
    )
    assert did_it_work(rows(before, [80.0] * 6, [""] * 6), "2024-07", kpi) == (
        "There are no figures yet from July 2024 on: too early to tell."
    )
