"""Where callbacks get their data: the database read once per load, cached per process.

The cache key is the newest load (id, time, checksum), so a new load is seen on the next
request and nothing stale is ever shown; between loads every page is served from memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from flask import current_app
from flask_caching import Cache

from data.engine import NoDatabase, make_engine
from data.queries import newest_load, read_dataset, read_loads
from metrics.catalogue import Catalogue, load_catalogue
from metrics.report import Dataset, monthly_figures

cache = Cache()
EXTENSION = "dashboard_source"


@dataclass
class Source:
    """The database one app reads (read-only), and its engine, made on first use."""

    url: str
    _engine: Any = field(default=None, repr=False)

    @property
    def engine(self) -> Any:
        if self._engine is None:
            self._engine = make_engine(self.url, read_only=True)
        return self._engine


def source() -> Source:
    return current_app.extensions[EXTENSION]


def catalogue() -> Catalogue:
    return load_catalogue()


def version() -> str:
    """Identifies the data as it stands: changes with every load."""
    try:
        return newest_load(source().engine)
    except NoDatabase:
        return "no database"


@cache.memoize()
def _dataset(url: str, stamp: str) -> Dataset:
    if stamp == "no database":
        return Dataset()
    return read_dataset(source().engine)


@cache.memoize()
def _monthly(url: str, stamp: str) -> pd.DataFrame:
    return monthly_figures(_dataset(url, stamp), catalogue())


def dataset() -> Dataset:
    return _dataset(source().url, version())


def monthly() -> pd.DataFrame:
    """Monthly figures of every KPI for every unit (own or rolled up), computed once per load."""
    return _monthly(source().url, version())


def loads() -> pd.DataFrame:
    try:
        return read_loads(source().engine)
    except NoDatabase:
        return pd.DataFrame()
