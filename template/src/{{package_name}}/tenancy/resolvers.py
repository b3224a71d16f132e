"""Which tenant a request names. Frameworks pass their (case-insensitive) headers in."""

from collections.abc import Mapping

from . import registry
from .errors import TenantForbidden, TenantMalformed, TenantMissing
from .identifiers import RESERVED_SLUGS, SLUG_PATTERN, parse_uuid
from .registry import Tenant

TENANT_HEADER = "X-Tenant-ID"


def tenant_key_from_header(headers: Mapping[str, str]):
    """The tenant's UUID or slug from X-Tenant-ID; 400 if absent or malformed."""
    raw = headers.get(TENANT_HEADER)
    if raw is None or not raw.strip():
        raise TenantMissing(f"Missing tenant: send the {TENANT_HEADER} header")
    value = raw.strip()
    tenant_id = parse_uuid(value) if len(value) <= 36 else None
    if tenant_id is not None:
        return tenant_id
    if SLUG_PATTERN.fullmatch(value):
        return value
    raise TenantMalformed(f"Malformed {TENANT_HEADER}: expected a tenant UUID or slug")


def resolve_tenant(headers: Mapping[str, str]) -> Tenant:
    """The active tenant a request names; unknown and suspended tenants are refused alike."""
    key = tenant_key_from_header(headers)
    if key in RESERVED_SLUGS:
        raise TenantForbidden()
    tenant = registry.lookup(key)
    if tenant is None or not tenant.active:
        raise TenantForbidden()
    return tenant
