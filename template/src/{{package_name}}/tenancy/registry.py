"""The tenant registry: lookups by UUID or slug, behind a small in-process TTL cache
of tenants and of misses.

Changes made through `provisioning` in this process invalidate the cache at once;
other processes see them (a new tenant too) within `TENANT_CACHE_TTL` seconds.
"""

import threading
import time
import uuid
from collections import OrderedDict
from functools import lru_cache

from ..settings import get_settings
from .tenant import Tenant

TENANT_COLUMNS = "id, slug, name, status, plan, created_at"


# What `TenantCache.get` returns for a key it knows nothing about (None is a cached miss).
NOT_CACHED = object()


class TenantCache:
    """Bounded LRUs with a time-to-live: found tenants, keyed by both the UUID and the slug, and
    misses (keys that name no tenant), kept apart so that a spray of made-up keys evicts only
    other misses, never a real tenant.

    Misses are cached so that an unknown tenant costs what a suspended one does (a cache hit,
    then the same 403): otherwise the extra database round trip of every unknown key would tell
    a caller, by timing, which tenants exist. Bounded means: each LRU holds at most `max_size`
    keys (a UUID or a slug of at most 63 characters, so about 200 bytes an entry), every entry
    lives at most `ttl` seconds, and a key is looked up in the database at most once per TTL
    per process however often it is asked for. What no cache can save is the first lookup of a
    key never seen: a spray of distinct made-up keys costs one indexed registry lookup each, as
    the first request of any real tenant does (so that does not tell them apart either); limit
    such a caller's rate in front of the API (a gateway, per client address).
    """

    def __init__(self, ttl: float, max_size: int) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self._entries: OrderedDict[str, tuple[float, Tenant]] = OrderedDict()
        self._misses: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Tenant | None | object:
        """The cached tenant, None for a cached miss, or NOT_CACHED."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                expires, tenant = entry
                if now <= expires:
                    self._entries.move_to_end(key)
                    return tenant
                del self._entries[key]
            missed_until = self._misses.get(key)
            if missed_until is not None:
                if now <= missed_until:
                    self._misses.move_to_end(key)
                    return None
                del self._misses[key]
            return NOT_CACHED

    def put(self, tenant: Tenant) -> None:
        if self.ttl <= 0:
            return
        expires = time.monotonic() + self.ttl
        with self._lock:
            for key in (str(tenant.id), tenant.slug):
                self._misses.pop(key, None)
                self._entries[key] = (expires, tenant)
                self._entries.move_to_end(key)
            while len(self._entries) > self.max_size:
                self._entries.popitem(last=False)

    def put_miss(self, key: str) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._misses[key] = time.monotonic() + self.ttl
            self._misses.move_to_end(key)
            while len(self._misses) > self.max_size:
                self._misses.popitem(last=False)

    def invalidate(self, tenant: Tenant) -> None:
        """Forget `tenant` and any miss cached under its UUID or slug (call after a change)."""
        with self._lock:
            for key in (str(tenant.id), tenant.slug):
                self._entries.pop(key, None)
                self._misses.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._misses.clear()


@lru_cache
def tenant_cache() -> TenantCache:
    settings = get_settings()
    return TenantCache(ttl=settings.tenant_cache_ttl, max_size=settings.tenant_cache_size)


def lookup_query(key: str) -> tuple[str, tuple[object, ...]]:
    """SQL and parameters that find a tenant by UUID or slug."""
    column = "id" if isinstance(key, uuid.UUID) else "slug"
    return f"SELECT {TENANT_COLUMNS} FROM tenants WHERE {column} = %s", (key,)


def lookup(key: uuid.UUID | str) -> Tenant | None:
    """The tenant named by `key` (UUID or slug), from the cache or the database."""
    cache = tenant_cache()
    cached = cache.get(str(key))
    if cached is not NOT_CACHED:
        return cached  # a Tenant, or None: a known miss costs what a known tenant does
    # Imported here, not at the top: the CLI's tenant commands use this module's SQL and cache
    # without the data layer, whose ORM (SQLAlchemy, Django) takes a second or more to import.
    # (db does not import the registry: there is no import circle either way.)
    from .db import fetch_one

    row = fetch_one(*lookup_query(key))
    if row is None:
        cache.put_miss(str(key))
        return None
    tenant = Tenant(**row)
    cache.put(tenant)
    return tenant
