"""The tenant registry: lookups by UUID or slug, behind a small in-process TTL cache.

Changes made through `provisioning` in this process invalidate the cache at once;
other processes see them within `TENANT_CACHE_TTL` seconds.
"""

import threading
import time
import uuid
from collections import OrderedDict
from functools import lru_cache

from ..settings import get_settings
from .tenant import Tenant

TENANT_COLUMNS = "id, slug, name, status, plan, created_at"


class TenantCache:
    """Bounded LRU with a time-to-live; keyed by both the UUID and the slug."""

    def __init__(self, ttl: float, max_size: int) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self._entries: OrderedDict[str, tuple[float, Tenant]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Tenant | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, tenant = entry
            if expires < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return tenant

    def put(self, tenant: Tenant) -> None:
        if self.ttl <= 0:
            return
        expires = time.monotonic() + self.ttl
        with self._lock:
            for key in (str(tenant.id), tenant.slug):
                self._entries[key] = (expires, tenant)
                self._entries.move_to_end(key)
            while len(self._entries) > self.max_size:
                self._entries.popitem(last=False)

    def invalidate(self, tenant: Tenant) -> None:
        with self._lock:
            self._entries.pop(str(tenant.id), None)
            self._entries.pop(tenant.slug, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


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
    cached = tenant_cache().get(str(key))
    if cached is not None:
        return cached
    # Imported here, not at the top: the CLI's tenant commands use this module's SQL and cache
    # without the data layer, whose ORM (SQLAlchemy, Django) takes a second or more to import.
    # (db does not import the registry: there is no import circle either way.)
    from .db import fetch_one

    row = fetch_one(*lookup_query(key))
    if row is None:
        return None
    tenant = Tenant(**row)
    tenant_cache().put(tenant)
    return tenant
