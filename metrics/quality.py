"""Data-quality checks (being written: see issue 4)."""

from __future__ import annotations

import pandas as pd

from metrics.catalogue import Catalogue
from metrics.report import Dataset

FINDING_COLUMNS = ["check", "title", "severity", "kpi", "kpi_name", "org", "period", "message", "link"]


def run_checks(dataset: Dataset, catalogue: Catalogue, monthly: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(columns=FINDING_COLUMNS)
