"""Where callbacks get their data: slices of the stored report, read by indexed queries.

Nothing is computed here: the loader computed the report once per load and stored it
(``data.report_store``). A web process holds only the small context every page needs (units,
targets, benchmarks, process changes, the series summary) and the report slices of the views
being served, cached per data version. Every cache key holds the stored report's version (read
once per request from the database), so a new load is seen on the next request and nothing
stale is ever shown.
Two flask-caching stores: ``cache`` for reads and ``views`` for pages' content per URL query
(:func:`view_callback`). Without ``CACHE_REDIS_URL`` both are in-process (bounded,
``READS_KEPT`` and ``VIEWS_KEPT``) and emptied when a process first sees a new version. With it
both are Redis (:mod:`callbacks.shared`), shared by every worker on every host, one key prefix
per database; old versions' entries are never looked up again and expire
(``CACHE_DEFAULT_TIMEOUT``). A Redis outage costs speed, not pages: reads go to the database.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import pandas as pd
from cachelib.serializers import BaseSerializer
from dash import callback, ctx
from dash.exceptions import PreventUpdate
from flask import current_app, g
from flask_caching import Cache
from plotly.io.json import to_json_plotly

from callbacks import shared
from callbacks.auth import current_user
from callbacks.view import build_search, query_params, resolve_view
from data.engine import NoDatabase, make_engine
from data.findings import read_current_findings
from data.queries import read_actions, read_dataset, read_loads
from data.region_store import read_region, read_shares
from data.report_store import read_report, read_rows, read_series, report_version
from layouts.static_html import static_tables
from metrics.access import EVERYTHING, Scope, scope_for, visible_orgs, visible_rows, visible_units
from metrics.catalogue import Catalogue, load_catalogue
from metrics.errors import UserError
from metrics.orgtree import UnknownOrg, authority_map, groups
from metrics.report import SERIES_COLUMNS, Dataset, ReportQuery, benchmarks_for, org_names

cache = Cache()  # reads of the current version: the context, series and report slices
views = Cache()  # pages' content per callback input: a separate, bounded store (VIEWS_KEPT)
EXTENSION = "dashboard_source"
T = TypeVar("T")
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
SHARED_TYPE = "callbacks.shared.SharedCache"
LOCAL_KEPT = 4  # with Redis: the context and series summary of the latest versions, per process


def redis_config(redis_url: str, database_url: str, env: Any = None) -> dict[str, Any]:
    """The shared cache on ``redis_url``: keys prefixed per database (``CACHE_KEY_PREFIX``
    overrides), entries expiring after ``CACHE_DEFAULT_TIMEOUT`` seconds (default 6 hours)."""
    env = os.environ if env is None else env
    timeout = str(env.get("CACHE_DEFAULT_TIMEOUT", "")).strip()
    return {
        "CACHE_TYPE": SHARED_TYPE,
        "CACHE_REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": shared.key_prefix(database_url, env.get("CACHE_KEY_PREFIX", "").strip()),
        "CACHE_DEFAULT_TIMEOUT": int(timeout) if timeout.isdigit() else shared.DEFAULT_TIMEOUT,
    }


def config_from_env(database_url: str, env: Any = None) -> dict[str, Any]:
    """Redis when ``CACHE_REDIS_URL`` is set, else :data:`CACHE_CONFIG` (in-process)."""
    env = os.environ if env is None else env
    redis_url = str(env.get("CACHE_REDIS_URL", "")).strip()
    return redis_config(redis_url, database_url, env) if redis_url else CACHE_CONFIG


def init_caches(server: Any, config: dict | None = None) -> None:
    """Both caches with ``config`` (default: :func:`config_from_env`; :func:`redis_config` for
    the shared cache; ``{"CACHE_TYPE": "NullCache"}`` turns caching off). In-process, each holds
    a bounded number of entries; in Redis, entries expire."""
    reading = server.extensions[EXTENSION]
    config = config or config_from_env(reading.url)
    reading.shared = config.get("CACHE_TYPE") == SHARED_TYPE
    reading.redis_url = config.get("CACHE_REDIS_URL") if reading.shared else None
    reading.prefix = config.get("CACHE_KEY_PREFIX", "") if reading.shared else ""
    cache.init_app(server, config={**config, "CACHE_THRESHOLD": READS_KEPT})
    views.init_app(server, config={**config, "CACHE_THRESHOLD": VIEWS_KEPT})


@dataclass
class Source:
    """The database one app reads (read-only), and its engine, made on first use."""

    url: str
    _engine: Any = field(default=None, repr=False)
    seen: str | None = field(default=None, repr=False)  # the data version this process last saw
    shared: bool = False  # the caches are Redis (CACHE_REDIS_URL), shared by every host
    redis_url: str | None = field(default=None, repr=False)
    prefix: str = ""  # the Redis key prefix of this database
    local: dict[str, Any] = field(default_factory=dict, repr=False)  # with Redis: see LOCAL_KEPT

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
                here.local.clear()
                if not here.shared:  # in Redis they expire: other hosts may still be on it
                    cache.clear()
                    views.clear()
            here.seen = g.data_version
    return str(g.data_version)


def _digest(args: tuple[Any, ...]) -> str:
    return hashlib.sha256(repr(args).encode()).hexdigest()[:32]


def stored(func: Callable[..., T], *, local: bool = False) -> Callable[..., T]:
    """``func(stamp, *args)`` cached in ``cache`` under ``read:NAME:STAMP:DIGEST`` (the version
    is in every key, so a new load is a new key on every host). With Redis and ``local``, the
    latest :data:`LOCAL_KEPT` values are also kept in the process, for reads every request makes
    (the key holds the version, so this is never stale either)."""
    name = func.__name__.lstrip("_")

    @functools.wraps(func)
    def read(stamp: str, *args: Any) -> T:
        key = f"read:{name}:{stamp}:{_digest(args)}"
        here = source()
        keep = local and here.shared
        if keep and key in here.local:
            return here.local[key]  # type: ignore[no-any-return]
        value = cache.get(key)
        if value is None:
            value = func(stamp, *args)
            cache.set(key, value)
        if keep:
            while len(here.local) >= LOCAL_KEPT:
                try:  # the oldest first; another thread may be doing the same
                    here.local.pop(next(iter(here.local)), None)
                except (StopIteration, RuntimeError):
                    break
            here.local[key] = value
        return value  # type: ignore[no-any-return]

    return read


def _context(stamp: str) -> Dataset:
    if stamp == "no database":
        return Dataset()
    return read_dataset(source().engine, figures=False, revisions=False)


def _series(stamp: str) -> pd.DataFrame:
    if stamp == "no database":
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SERIES_COLUMNS})
    return read_series(source().engine)


def _report(stamp: str, query: ReportQuery) -> pd.DataFrame:
    return read_report(source().engine, query, catalogue())


def _rows(
    stamp: str,
    kind: str,
    orgs: tuple[str, ...] | None,
    kpis: tuple[str, ...] | None,
    start: str | None,
    end: str | None,
) -> pd.DataFrame:
    return read_rows(source().engine, kind, orgs=orgs, kpis=kpis, start=start, end=end)


def _current_findings(stamp: str) -> pd.DataFrame:
    return read_current_findings(source().engine)


def _scope(stamp: str, reader: str) -> Scope:
    if stamp == "no database" or reader == "*":
        return EVERYTHING
    return scope_for(reader, read_context(stamp).orgs, read_shares(source().engine))


def _visible_context(stamp: str, reader: str) -> Dataset:
    whole, seen = read_context(stamp), read_scope(stamp, reader)
    if seen.everything:
        return whole
    return replace(
        whole,
        orgs=visible_orgs(whole.orgs, seen),
        targets=visible_units(whole.targets, seen, generic=True),
        benchmarks=benchmarks_for(whole.benchmarks, seen.home) if seen.home else whole.benchmarks,
        process_changes=visible_units(whole.process_changes, seen),
        commentary=visible_units(whole.commentary, seen),
        home=seen.home,
    )


def _region(stamp: str, group: str, kpi: str, start: str | None, end: str | None) -> pd.DataFrame:
    return read_region(source().engine, group, kpi, start, end)


read_context = stored(_context, local=True)
read_series_summary = stored(_series, local=True)
read_report_rows = stored(_report)
read_stored_rows = stored(_rows)
read_findings = stored(_current_findings)
read_scope = stored(_scope, local=True)
read_visible_context = stored(_visible_context, local=True)
read_region_rows = stored(_region)


class NoGroup(UserError):
    """The regional view was asked for where the reader has no group."""


def reader() -> str:
    """Whose view this request is: the signed-in user's unit ("*": every unit)."""
    user = current_user()
    return user.org if user is not None and user.org else "*"


def scope() -> Scope:
    """What this request's reader may see (every read below is limited to it)."""
    return read_scope(version(), reader())


def dataset() -> Dataset:
    """The context every page needs: units, targets, benchmarks, process changes and the demo
    label (no figures: those come from the report), as far as this request's reader may see."""
    return read_visible_context(version(), reader())


def dataset_for(org: str | None) -> Dataset:
    """:func:`dataset` with the benchmarks of ``org``'s authority: its own before every
    authority's (org ""), never another authority's."""
    found = dataset()
    if found.orgs.empty:
        return found
    head = authority_map(found.orgs).get(str(org or found.home), "")
    return replace(found, benchmarks=benchmarks_for(found.benchmarks, head))


def series() -> pd.DataFrame:
    """The report's series summary: each KPI x unit's first and latest month."""
    return visible_rows(read_series_summary(version()), scope())


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
    return read_report_rows(version(), query)


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
    found = read_stored_rows(version(), kind, _tuple(orgs), _tuple(kpis), start, end)
    return visible_rows(found, scope(), kind)


def _tuple(values: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


def current_findings() -> pd.DataFrame:
    """What the latest load's data-quality checks found (stored by that load), for the units
    the reader sees in full."""
    return visible_units(read_findings(version()), scope())


def region_group() -> str:
    """The group whose regional view this reader sees: their own, or (a reader of every unit)
    the first group; "" when there is none."""
    seen = scope()
    if seen.group or not seen.everything:
        return seen.group
    found = groups(read_context(version()).orgs)
    return found[0] if found else ""


def group_name(group: str) -> str:
    """A group's name (the reader's own group: not among the units they see)."""
    return str(org_names(read_context(version()).orgs).get(group, group))


def region(kpi: str, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """The stored regional rows of the reader's group for one KPI (only what was shared)."""
    group = region_group()
    if not group:
        raise NoGroup(
            "the regional view needs a group: this database has no group of authorities you belong to"
        )
    return read_region_rows(version(), group, kpi, start, end)


def actions() -> pd.DataFrame:
    """The improvement actions of the units the reader sees in full."""
    return visible_units(read_actions(source().engine), scope())


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
    the memory of the component objects. Its read-only tables go as HTML text
    (:mod:`layouts.static_html`): the browser shows that many times faster than components.
    The key (``view:NAME:VERSION:DIGEST``) is made here rather than by ``memoize``, which
    inspects the signature on every call.
    """
    name = f"{func.__module__}.{func.__qualname__}"
    drawn = _as_static(func)

    @functools.wraps(func)
    def cached(*args: Any) -> Any:
        key = f"view:{name}:{version()}:{reader()}:{_digest(args)}"
        content = views.get(key)
        if content is None:
            content = drawn(*args)
            views.set(key, content)
        return content

    return cached


def view_callback(
    path: str, *dependencies: Any, cached: bool = True
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``dash.callback`` for the content of the page at ``path`` (first input: the URL's query):
    Dash is given :func:`per_view` of the function (``cached``), or the function with its tables
    as HTML; the function itself stays as written (tests call it and get components).

    A page's first call is skipped while its address lacks the defaults the URL is about to be
    given (:func:`callbacks.pages.sync_url_and_controls`): the change to the URL draws the page,
    and drawing it for the bare address too sent and drew the whole content twice."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        drawn = per_view(func) if cached else _as_static(func)

        @functools.wraps(func)
        def content(search: str | None, *rest: Any) -> Any:
            if ctx.triggered_id is None and awaits_defaults(path, search):
                raise PreventUpdate
            return drawn(search, *rest)

        callback(*dependencies)(content)
        return func

    return register


def _as_static(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` answering Dash's JSON form of its components, its tables as HTML."""

    @functools.wraps(func)
    def drawn(*args: Any) -> Any:
        return static_tables(json.loads(to_json_plotly(func(*args))))

    return drawn


def awaits_defaults(path: str, search: str | None) -> bool:
    """True when the address of the page at ``path`` lacks defaults that will be written into it
    (an address that cannot be read is drawn as it is: the page says what is wrong)."""
    try:
        view = resolve_view(path, query_params(search), dataset(), catalogue(), series())
    except UserError:
        return False
    return build_search(view) != (search or "")
