"""The report as readers get it: rows in the export columns for one unit, by query.

Every reader (pages, downloads, ``/api/figures.csv``, ``python -m data export``, the committee
pack) asks here, so they cannot disagree.
"""

from __future__ import annotations

import pandas as pd

from data.queries import Source, read_dataset
from metrics.catalogue import Catalogue, load_catalogue
from metrics.report import ReportQuery, figures_report


def read_report(source: Source, query: ReportQuery, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """The report rows for ``query`` (one unit; the authority when ``query.org`` is None)."""
    catalogue = catalogue or load_catalogue()
    dataset = read_dataset(source, query.kpis)
    return figures_report(dataset, catalogue, query)
