"""Where callbacks get their data: the database read once per load, cached per process.

The cache key is the newest load (id, time, checksum), so a new load is seen on the next
request and nothing stale is ever shown; between loads every page is served from memory.
Two flask-caching stores: ``cache`` for the load's data (dataset, monthly figures, slices of
them by unit or KPI) and ``views`` for pages' content per URL query (:func:`view_callback`).
Both are emptied when a process first sees a new load.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from cachelib.serializers import BaseSerializer
from dash import callback
from flask import current_app, g
from flask_caching import Cache
from plotly.io.json import to_json_plotly

from data.engine import NoDatabase, make_engine
from data.findings import STORED_COLUMNS, read_findings
from data.queries import newest_load, read_dataset, read_loads
from metrics.catalogue import Catalogue, load_catalogue
from metrics.orgtree import root
from metrics.report import Dataset, ReportQuery, figures_report, monthly_figures

cache = Cache()  # the newest load's data: dataset, monthly figures and their slices
views = Cache()  # pages' content per callback input: a separate, bounded store (VIEWS_KEPT)
EXTENSION = "dashboard_source"
VIEWS_KEPT = 64  # per process; 0.5 to 0.8 MB each (at most about 50 MB); the oldest go first


class InProcess(BaseSerializer):
    """Keep cached values as they are: SimpleCache would pickle the whole dataset on every
    store and unpickle it on every read (about 20 ms a read at 40 teams x 45 KPIs x 120 months).
    Cached frames are never modified in place (pandas copy-on-write)."""

    def dumps(self, value: Any, protocol: int | None = None) -> Any:
        return value

    def loads(self, bvalue: Any) -> Any:
        return bvalue


CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_SERIALIZER": InProcess}
"""The default: in-process, per worker; everything cached is dropped when a new load appears."""


def init_caches(server: Any, config: dict | None = None) -> None:
    """Both caches with ``config`` (default :data:`CACHE_CONFIG`; ``{"CACHE_TYPE": "NullCache"}``
    turns caching off); the pages' store holds at most :data:`VIEWS_KEPT` entries."""
    config = config or CACHE_CONFIG
    cache.init_app(server, config=config)
    views.init_app(server, config={**config, "CACHE_THRESHOLD": VIEWS_KEPT})


@dataclass
class Source:
    """The database one app reads (read-only), and its engine, made on first use."""

    url: str
    _engine: Any = field(default=None, repr=False)
    seen: str | None = field(default=None, repr=False)  # the data version this process last saw

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
    """Identifies the data as it stands: changes with every load. Read once per request, so a
    load that commits while a request runs cannot give it figures of one load and targets or
    names of another."""
    if "data_version" not in g:
        try:
            g.data_version = newest_load(source().engine)
        except NoDatabase:
            g.data_version = "no database"
        here = source()
        if here.seen != g.data_version:
            if here.seen is not None:  # the old load's dataset, monthly figures, pages: free them
                cache.clear()
                views.clear()
            here.seen = g.data_version
    return str(g.data_version)


@cache.memoize()
def _dataset(url: str, stamp: str) -> Dataset:
    if stamp == "no database":
        return Dataset()
    return read_dataset(source().engine)


@cache.memoize()
def _monthly(url: str, stamp: str) -> pd.DataFrame:
    monthly = monthly_figures(_dataset(url, stamp), catalogue())
    release_memory()
    return monthly


def release_memory() -> None:
    """Give the heap freed by a rebuild (the old load's figures, the roll-up's intermediate
    frames) back to the operating system. glibc keeps it otherwise: a worker's memory grew by
    about 13% after the first new load (then stayed there), measured by bench/soak.py."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to give back
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@cache.memoize()
def _monthly_part(url: str, stamp: str, org: str | None, kpi: str | None) -> pd.DataFrame:
    rows = _monthly(url, stamp)
    if org is not None and not rows.empty:
        rows = rows[rows["org"] == org]
    if kpi is not None and not rows.empty:
        rows = rows[rows["kpi"] == kpi]
    return rows


def dataset() -> Dataset:
    return _dataset(source().url, version())


def monthly() -> pd.DataFrame:
    """Monthly figures of every KPI for every unit (own or rolled up), computed once per load."""
    return _monthly(source().url, version())


def monthly_for(org: str | None = None, kpi: str | None = None) -> pd.DataFrame:
    """The rows of :func:`monthly` for one unit or one KPI, cached per load: a report for that
    unit or KPI gives the same answer from them without searching every unit's figures."""
    return _monthly_part(source().url, version(), org, kpi)


def report(query: ReportQuery) -> pd.DataFrame:
    """Report rows for one unit (export columns): what every page and download shows."""
    return figures_report(dataset(), catalogue(), query, monthly_for(org=query.org or _root()))


def _root() -> str | None:
    orgs = dataset().orgs
    return root(orgs) if not orgs.empty else None


@cache.memoize()
def _findings(url: str, stamp: str) -> pd.DataFrame:
    try:
        return read_findings(source().engine)
    except NoDatabase:
        return read_findings_empty()


def read_findings_empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in STORED_COLUMNS})


def findings() -> pd.DataFrame:
    """The data-quality findings the loads recorded (not re-run per view), read once per load."""
    return _findings(source().url, version())


def loads() -> pd.DataFrame:
    try:
        return read_loads(source().engine)
    except NoDatabase:
        return pd.DataFrame()


def per_view(func: Callable[..., Any]) -> Callable[..., Any]:
    """A page's content cached per callback input (its URL query) until the next load.

    Kept as the plain JSON data of the components, which Dash serialises about ten times faster
    than component objects (and in the same time as any precomputed output); about a fifth of
    the memory of the component objects. The key is made here rather than by ``memoize``, which
    inspects the signature on every call.
    """
    name = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def cached(*args: Any) -> Any:
        inputs = hashlib.sha256(repr(args).encode()).hexdigest()[:32]
        key = f"view:{name}:{hashlib.sha256(source().url.encode()).hexdigest()[:16]}:{version()}:{inputs}"
        content = views.get(key)
        if content is None:
            content = json.loads(to_json_plotly(func(*args)))
            views.set(key, content)
        return content

    return cached


def view_callback(*dependencies: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``dash.callback`` for a page's content: Dash is given :func:`per_view` of the function,
    the function itself stays as written (tests call it and get components)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        callback(*dependencies)(per_view(func))
        return func

    return register
