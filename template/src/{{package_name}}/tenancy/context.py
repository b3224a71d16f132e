"""The tenant of the current request, in a context variable (safe across threads and tasks)."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .errors import NoTenantBound
from .tenant import Tenant

_current_tenant: ContextVar[Tenant | None] = ContextVar("current_tenant", default=None)


def require_tenant() -> Tenant:
    tenant = _current_tenant.get()
    if tenant is None:
        raise NoTenantBound("no tenant is bound to this context")
    return tenant


@contextmanager
def use_tenant(tenant: Tenant) -> Iterator[Tenant]:
    """Make `tenant` current inside the block, restoring the previous one after."""
    token = _current_tenant.set(tenant)
    try:
        yield tenant
    finally:
        _current_tenant.reset(token)
