"""What several web hosts share: Redis (``CACHE_REDIS_URL``), for the cache, the sign-in rate
limit and uploads waiting for confirmation.

Redis holds nothing that cannot be rebuilt: cached reads (keyed by the stored report's version,
so a load is seen by every host on its next request), rate-limit counters and pending uploads
(which an officer can send again). When Redis does not answer, every caller carries on without
it (reads come from the database, the rate limit is counted per process) and a warning is
logged, once per outage; Redis is tried again after :data:`RETRY_SECONDS`.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis
from flask_caching.backends.rediscache import RedisCache

log = logging.getLogger("dashboard.shared")

CONNECT_TIMEOUT = 0.5  # seconds: a host that does not answer costs a request at most this once
READ_TIMEOUT = 2.0
RETRY_SECONDS = 10.0  # after a failure, go without Redis for this long before trying again
DEFAULT_TIMEOUT = 6 * 3600  # cached reads of an old version expire; the current one is rebuilt
MAX_ITEM_BYTES = 32 * 1024 * 1024  # larger values are not cached (read from the database)
ERRORS = (redis.RedisError, OSError)

T = TypeVar("T")


@functools.lru_cache(maxsize=8)
def client(url: str) -> redis.Redis:
    """One connection pool per Redis URL and process (redis-py resets it after a fork)."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=READ_TIMEOUT,
        health_check_interval=30,
    )


def key_prefix(database_url: str, configured: str | None = None) -> str:
    """``CACHE_KEY_PREFIX`` if set, else one per database: ``csc:`` and a digest of the URL
    without its password (hosts reading the same URL share entries; two databases never do)."""
    if configured:
        return configured
    parts = urlsplit(database_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    user = parts.netloc.rsplit("@", 1)[0].split(":", 1)[0] if "@" in parts.netloc else ""
    netloc = f"{user}@{host}" if user else host
    shown = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return f"csc:{hashlib.sha256(shown.encode()).hexdigest()[:12]}:"


class Breaker:
    """Whether Redis is worth asking: after a failure, not for :data:`RETRY_SECONDS`."""

    def __init__(self) -> None:
        self.down_until = 0.0
        self.warned = False
        self._lock = threading.Lock()

    def call(self, fallback: T, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if time.monotonic() < self.down_until:
            return fallback
        try:
            result = func(*args, **kwargs)
        except ERRORS as exc:
            with self._lock:
                self.down_until = time.monotonic() + RETRY_SECONDS
                if not self.warned:
                    log.warning(
                        "Redis is not answering (%s): reading from the database and counting sign-in "
                        "attempts per process until it does",
                        exc,
                    )
                    self.warned = True
            return fallback
        if self.warned:
            with self._lock:
                if self.warned:
                    log.warning("Redis is answering again: the shared cache is back in use")
                    self.warned = False
        return result


@functools.lru_cache(maxsize=8)
def breaker(url: str) -> Breaker:
    """One per Redis URL and process: every store, the rate limit and the uploads share it."""
    return Breaker()


class SharedCache(RedisCache):
    """flask-caching's Redis backend (pickle serializer) that never fails a request: an error
    is a miss (reads) or a no-op (writes), logged once per outage; values over
    :data:`MAX_ITEM_BYTES` are not stored. ``clear`` is never needed (keys carry the version)
    and would empty every host's cache, so it only clears this app's prefix."""

    @classmethod
    def factory(
        cls, app: Any, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
    ) -> SharedCache:
        made = cls(
            host=client(config["CACHE_REDIS_URL"]),
            key_prefix=config.get("CACHE_KEY_PREFIX") or "",
            default_timeout=config.get("CACHE_DEFAULT_TIMEOUT", DEFAULT_TIMEOUT),
        )
        made.breaker = breaker(config["CACHE_REDIS_URL"])
        return made

    breaker = Breaker()  # replaced by the URL's own in factory

    def get(self, key: str) -> Any:
        return self.breaker.call(None, super().get, key)

    def get_many(self, *keys: str) -> list[Any]:
        return self.breaker.call([None] * len(keys), super().get_many, *keys)

    def has(self, key: str) -> bool:
        return self.breaker.call(False, super().has, key)

    def set(self, key: str, value: Any, timeout: Any = None) -> Any:
        dump = self.serializer.dumps(value)
        if len(dump) > MAX_ITEM_BYTES:
            return False
        seconds = self._normalize_timeout(timeout)
        return self.breaker.call(
            False,
            self._write_client.set,
            name=f"{self._get_prefix()}{key}",
            value=dump,
            ex=seconds if seconds != -1 else None,
        )

    def add(self, key: str, value: Any, timeout: Any = None) -> Any:
        return self.breaker.call(False, super().add, key, value, timeout)

    def set_many(self, mapping: dict[str, Any], timeout: Any = None) -> list[Any]:
        return self.breaker.call([], super().set_many, mapping, timeout)

    def delete(self, key: str) -> bool:
        return self.breaker.call(False, super().delete, key)

    def delete_many(self, *keys: str) -> list[Any]:
        return self.breaker.call([], super().delete_many, *keys)

    def clear(self) -> bool:
        return self.breaker.call(False, self._clear_prefix)

    def _clear_prefix(self) -> bool:
        prefix = self._get_prefix()
        if not prefix:  # never FLUSHDB a Redis others may use
            return False
        keys = list(self._read_client.scan_iter(match=prefix + "*", count=1000))
        for start in range(0, len(keys), 1000):
            self._write_client.delete(*keys[start : start + 1000])
        return True

    def inc(self, key: str, delta: int = 1) -> Any:
        return self.breaker.call(None, super().inc, key, delta)

    def dec(self, key: str, delta: int = 1) -> Any:
        return self.breaker.call(None, super().dec, key, delta)


class SharedRateLimit:
    """At most ``limit`` events per key in each minute, counted in Redis for every host; counted
    per process (by ``fallback``) while Redis does not answer."""

    def __init__(self, url: str, prefix: str, limit: int, fallback: Any) -> None:
        self.client, self.breaker = client(url), breaker(url)
        self.prefix, self.limit, self.fallback = prefix, limit, fallback
        self.window = int(getattr(fallback, "window", 60))

    def allow(self, key: str) -> bool:
        counted = self.breaker.call(None, self._count, key)
        if counted is None:
            return bool(self.fallback.allow(key))
        return counted <= self.limit

    def _count(self, key: str) -> int:
        bucket = int(time.time() // self.window)
        name = f"{self.prefix}rate:{hashlib.sha256(key.encode()).hexdigest()[:16]}:{bucket}"
        pipe = self.client.pipeline(transaction=True)
        pipe.incr(name)
        pipe.expire(name, self.window * 2)
        count, _ = pipe.execute()
        return int(count)
