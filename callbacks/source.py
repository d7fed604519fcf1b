"""Where callbacks get their data: slices of the stored report, read by indexed queries.

Nothing is computed here: the loader computed the report once per load and stored it
(``data.report_store``). A web process holds only the small context every page needs (units,
targets, benchmarks, process changes, the series summary) and the report slices of the views
being served, cached per data version. The cache key is the stored report's version, so a new
load is seen on the next request and nothing stale is ever shown.
Two flask-caching stores: ``cache`` for reads (bounded, ``READS_KEPT``) and ``views`` for pages'
content per URL query (:func:`view_callback`). Both are emptied when a process first sees a new
version.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
from cachelib.serializers import BaseSerializer
from dash import callback
from flask import current_app, g
from flask_caching import Cache
from plotly.io.json import to_json_plotly

from callbacks.auth import current_user
from data.engine import NoDatabase, make_engine
from data.findings import read_current_findings
from data.queries import read_dataset, read_loads
from data.region_store import read_region, read_shares
from data.report_store import read_report, read_rows, read_series, report_version
from metrics.access import EVERYTHING, Scope, scope_for, visible_orgs, visible_rows, visible_units
from metrics.catalogue import Catalogue, load_catalogue
from metrics.errors import UserError
from metrics.orgtree import UnknownOrg, groups
from metrics.report import SERIES_COLUMNS, Dataset, ReportQuery, org_names


class NoGroup(UserError):
    """The regional view was asked for where the reader has no group."""


cache = Cache()  # reads of the current version: the context, series and report slices
views = Cache()  # pages' content per callback input: a separate, bounded store (VIEWS_KEPT)
EXTENSION = "dashboard_source"
VIEWS_KEPT = 64  # per process; 0.5 to 0.8 MB each (at most about 50 MB); the oldest go first
READS_KEPT = 256  # report slices per process: a scorecard's is about 600 rows


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
    turns caching off); each holds a bounded number of entries."""
    config = config or CACHE_CONFIG
    cache.init_app(server, config={**config, "CACHE_THRESHOLD": READS_KEPT})
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
    """Identifies the stored report as it stands: changes with every load. Read once per
    request, so a load that commits while a request runs cannot give it figures of one load and
    targets or names of another."""
    if "data_version" not in g:
        try:
            g.data_version = report_version(source().engine)
        except NoDatabase:
            g.data_version = "no database"
        here = source()
        if here.seen != g.data_version:
            if here.seen is not None:  # the old version's reads and pages: free them
                cache.clear()
                views.clear()
            here.seen = g.data_version
    return str(g.data_version)


@cache.memoize()
def _context(url: str, stamp: str) -> Dataset:
    if stamp == "no database":
        return Dataset()
    return read_dataset(source().engine, figures=False, revisions=False)


@cache.memoize()
def _scope(url: str, stamp: str, reader: str) -> Scope:
    if stamp == "no database" or reader == "*":
        return EVERYTHING
    return scope_for(reader, _context(url, stamp).orgs, read_shares(source().engine))


@cache.memoize()
def _visible_context(url: str, stamp: str, reader: str) -> Dataset:
    whole, seen = _context(url, stamp), _scope(url, stamp, reader)
    if seen.everything:
        return whole
    return replace(
        whole,
        orgs=visible_orgs(whole.orgs, seen),
        targets=visible_units(whole.targets, seen, generic=True),
        process_changes=visible_units(whole.process_changes, seen),
        commentary=visible_units(whole.commentary, seen),
        home=seen.home,
    )


def reader() -> str:
    """Whose view this request is: the signed-in user's unit ("*": every unit)."""
    user = current_user()
    return user.org if user is not None and user.org else "*"


def scope() -> Scope:
    """What this request's reader may see (every read below is limited to it)."""
    return _scope(source().url, version(), reader())


@cache.memoize()
def _series(url: str, stamp: str) -> pd.DataFrame:
    if stamp == "no database":
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SERIES_COLUMNS})
    return read_series(source().engine)


@cache.memoize()
def _report(url: str, stamp: str, query: ReportQuery) -> pd.DataFrame:
    return read_report(source().engine, query, catalogue())


@cache.memoize()
def _rows(
    url: str,
    stamp: str,
    kind: str,
    orgs: tuple[str, ...] | None,
    kpis: tuple[str, ...] | None,
    start: str | None,
    end: str | None,
) -> pd.DataFrame:
    return read_rows(source().engine, kind, orgs=orgs, kpis=kpis, start=start, end=end)


def dataset() -> Dataset:
    """The context every page needs: units, targets, benchmarks, process changes and the demo
    label (no figures: those come from the report), as far as this request's reader may see."""
    return _visible_context(source().url, version(), reader())


def series() -> pd.DataFrame:
    """The report's series summary: each KPI x unit's first and latest month."""
    return visible_rows(_series(source().url, version()), scope())


def report(query: ReportQuery) -> pd.DataFrame:
    """Report rows for one unit (export columns): what every page and download shows. A unit
    the reader may not see is :class:`UnknownOrg`, whether or not it exists; another
    authority's unit shows only the months of the KPIs it shares."""
    seen = scope()
    if not seen.everything:
        query = query.with_org(query.org or seen.home)
        if not seen.may_read(str(query.org), query.period, query.kpis):
            raise UnknownOrg(str(query.org))
        if seen.full is not None and query.org not in seen.full and query.kpis is None:
            query = replace(query, kpis=seen.shared_kpis(str(query.org)))
    return _report(source().url, version(), query)


def rows(
    kind: str,
    *,
    orgs: Sequence[str] | None = None,
    kpis: Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """Stored report rows of several units at once (for grids, breakdowns and comparisons),
    those the reader may see."""
    found = _rows(source().url, version(), kind, _tuple(orgs), _tuple(kpis), start, end)
    return visible_rows(found, scope(), kind)


def _tuple(values: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


@cache.memoize()
def _region(url: str, stamp: str, group: str, kpi: str, start: str | None, end: str | None) -> pd.DataFrame:
    return read_region(source().engine, group, kpi, start, end)


def region_group() -> str:
    """The group whose regional view this reader sees: their own, or (a reader of every unit)
    the first group; "" when there is none."""
    seen = scope()
    if seen.group or not seen.everything:
        return seen.group
    found = groups(_context(source().url, version()).orgs)
    return found[0] if found else ""


def group_name(group: str) -> str:
    """A group's name (the reader's own group: not among the units they see)."""
    return str(org_names(_context(source().url, version()).orgs).get(group, group))


def region(kpi: str, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """The stored regional rows of the reader's group for one KPI (only what was shared)."""
    group = region_group()
    if not group:
        raise NoGroup(
            "the regional view needs a group: this database has no group of authorities you belong to"
        )
    return _region(source().url, version(), group, kpi, start, end)


@cache.memoize()
def _current_findings(url: str, stamp: str) -> pd.DataFrame:
    return read_current_findings(source().engine)


def current_findings() -> pd.DataFrame:
    """What the latest load's data-quality checks found (stored by that load), for the units
    the reader sees in full."""
    return visible_units(_current_findings(source().url, version()), scope())


def loads() -> pd.DataFrame:
    """The load history (every authority's files: only for readers of every unit)."""
    if not scope().everything:
        return pd.DataFrame()
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
        where = hashlib.sha256(source().url.encode()).hexdigest()[:16]
        key = f"view:{name}:{where}:{version()}:{reader()}:{inputs}"
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
