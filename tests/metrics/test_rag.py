"""RAG status: boundaries exactly on the target and on the amber edge, both polarities."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics.rag import Rag, rag_series, rag_status


@pytest.mark.parametrize(
    ("value", "target", "tolerance", "polarity", "expected"),
    [
        (95.0, 95.0, 5.0, "up", Rag.GREEN),  # exactly on target
        (95.1, 95.0, 5.0, "up", Rag.GREEN),
        (94.99, 95.0, 5.0, "up", Rag.AMBER),
        (90.0, 95.0, 5.0, "up", Rag.AMBER),  # exactly at the amber edge
        (89.99, 95.0, 5.0, "up", Rag.RED),
        (18.0, 18.0, 2.0, "down", Rag.GREEN),  # lower is better: on target
        (17.0, 18.0, 2.0, "down", Rag.GREEN),
        (20.0, 18.0, 2.0, "down", Rag.AMBER),  # amber edge
        (20.01, 18.0, 2.0, "down", Rag.RED),
        (50.0, 95.0, 0.0, "up", Rag.RED),  # no tolerance: miss is red
        (95.0, 95.0, 0.0, "up", Rag.GREEN),
        (100 * 19 / 20, 95.0, 5.0, "up", Rag.GREEN),  # 95.00000000000001 style floats
        (100 * 17 / 20, 90.0, 5.0, "up", Rag.AMBER),  # 85.0 computed, at the edge
    ],
)
def test_rag_boundaries(value, target, tolerance, polarity, expected):
    assert rag_status(value, target, tolerance, polarity) is expected
    vector = rag_series(
        pd.Series([value]), pd.Series([target]), pd.Series([tolerance]), pd.Series([polarity])
    )
    assert vector.tolist() == [expected.value]


@pytest.mark.parametrize(
    ("value", "target", "polarity"),
    [(50.0, 95.0, "none"), (None, 95.0, "up"), (50.0, None, "up"), (float("nan"), 95.0, "down")],
)
def test_no_status_without_target_value_or_polarity(value, target, polarity):
    assert rag_status(value, target, 5.0, polarity) is None
    vector = rag_series(
        pd.Series([value], dtype=float),
        pd.Series([target], dtype=float),
        pd.Series([5.0]),
        pd.Series([polarity]),
    )
    assert vector.tolist() == [""]


ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(value=finite, better=st.floats(min_value=0, max_value=1e6), target=finite, tolerance=st.floats(0, 1e3))
def test_improving_a_value_never_worsens_its_status(value, better, target, tolerance):
    for polarity, improved in (("up", value + better), ("down", value - better)):
        before = rag_status(value, target, tolerance, polarity)
        after = rag_status(improved, target, tolerance, polarity)
        assert ORDER[after] >= ORDER[before]
