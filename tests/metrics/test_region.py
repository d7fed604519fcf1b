"""The regional view's arithmetic as plain functions: pooling, rank by polarity, bands."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from metrics.catalogue import load_catalogue
from metrics.region import REGION_COLUMNS, quartile_band, region_rows

CATALOGUE = load_catalogue()


def shared(kpi: str, rows: list[tuple[str, float | None, float | None, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"kpi": kpi, "org": org, "period": "2026-09", "numerator": n, "denominator": d, "value": v}
            | {"target": math.nan, "rag": None, "england": 72.0}
            for org, n, d, v in rows
        ]
    )


@pytest.mark.parametrize(
    ("rank", "ranked", "band"),
    [
        *[(1, 1, None), (1, 2, "A"), (2, 2, "D"), (1, 3, "A"), (2, 3, "C"), (3, 3, "D")],
        *[(1, 5, "A"), (2, 5, "B"), (3, 5, "C"), (4, 5, "D"), (5, 5, "D"), (math.nan, 4, None)],
    ],
)
def test_quartile_band_from_position(rank, ranked, band):
    assert quartile_band(rank, ranked) == band


def test_percentages_pool_numerators_and_denominators_never_average_them():
    rows = region_rows(
        shared("ASSESSMENTS_45WD", [("LA1", 70, 100, 70.0), ("LA2", 45, 50, 90.0), ("LA3", 16, 20, 80.0)]),
        "REG",
        CATALOGUE,
    )
    assert list(rows.columns) == REGION_COLUMNS
    assert list(rows["org"]) == ["LA2", "LA3", "LA1", "REG"]  # best first, the group last
    assert list(rows["rank"].iloc[:3]) == [1, 2, 3]
    assert list(rows["quartile"].iloc[:3]) == ["A", "C", "D"]
    pooled = rows.iloc[3]
    assert (pooled["numerator"], pooled["denominator"]) == (131, 170)
    assert pooled["value"] == pytest.approx(100 * 131 / 170)  # 77.06, not the mean 80.0
    assert pd.isna(pooled["rank"]) and pooled["quartile"] is None and pooled["england"] == 72.0
    assert set(rows["authorities"]) == {3}


def test_lower_is_better_ranks_the_lowest_first_and_ties_share_the_better_rank():
    rows = region_rows(
        shared("CASELOAD_AVG", [("LA1", 180, 10, 18.0), ("LA2", 150, 10, 15.0), ("LA3", 180, 10, 18.0)]),
        "REG",
        CATALOGUE,
    )
    ranks = dict(zip(rows["org"], rows["rank"], strict=True))
    assert (ranks["LA2"], ranks["LA1"], ranks["LA3"]) == (1, 2, 2)


def test_counts_add_and_a_kpi_without_polarity_is_not_ranked():
    rows = region_rows(
        shared("CP_PLANS", [("LA1", None, None, 118.0), ("LA2", None, None, 81.0)]), "REG", CATALOGUE
    )
    assert rows["rank"].isna().all() and rows["quartile"].isna().all()
    assert rows.set_index("org").loc["REG", "value"] == 199.0


def test_nothing_shared_gives_an_empty_view():
    assert region_rows(pd.DataFrame(), "REG", CATALOGUE).empty
