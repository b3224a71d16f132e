"""Tenant lifecycle, run as the owner role: create, list, show, suspend, resume, plan, delete.

Each operation is one transaction: it happens entirely or not at all.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import class_row

from ..database import owner_conninfo
from .errors import ProvisioningError
from .identifiers import PLANS, parse_uuid, slug_error, slugify
from .registry import TENANT_COLUMNS, Tenant, lookup_query, tenant_cache


@contextmanager
def owner_transaction() -> Iterator[psycopg.Connection[Tenant]]:
    with (
        psycopg.connect(owner_conninfo(), row_factory=class_row(Tenant)) as conn,
        conn.transaction(),
    ):
        yield conn


def create_tenant(name: str, slug: str | None = None, plan: str = "free") -> Tenant:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise ProvisioningError("invalid name: use 1 to 200 characters")
    slug = slug if slug is not None else slugify(name)
    if error := slug_error(slug):
        raise ProvisioningError(
            error if slug else "cannot derive a slug from the name: pass --slug"
        )
    if plan not in PLANS:
        raise ProvisioningError(f"invalid plan {plan!r}: choose one of {', '.join(PLANS)}")
    try:
        with owner_transaction() as conn:
            return conn.execute(
                f"INSERT INTO tenants (name, slug, plan) VALUES (%s, %s, %s) "
                f"RETURNING {TENANT_COLUMNS}",
                (name, slug, plan),
            ).fetchone()
    except psycopg.errors.UniqueViolation:
        raise ProvisioningError(f"a tenant with slug {slug!r} already exists") from None


def list_tenants() -> list[Tenant]:
    with owner_transaction() as conn:
        return conn.execute(f"SELECT {TENANT_COLUMNS} FROM tenants ORDER BY created_at").fetchall()


def get_tenant(key: str) -> Tenant:
    """The tenant named by a UUID or slug; refused with a clear message if there is none."""
    with owner_transaction() as conn:
        return _find(conn, key)


def suspend_tenant(key: str) -> Tenant:
    return _set_status(key, "suspended")


def resume_tenant(key: str) -> Tenant:
    return _set_status(key, "active")


def change_plan(key: str, plan: str) -> Tenant:
    if plan not in PLANS:
        raise ProvisioningError(f"invalid plan {plan!r}: choose one of {', '.join(PLANS)}")
    return _update(key, "plan", plan)


def delete_tenant(key: str) -> Tenant:
    """Delete a tenant and all its data (tenant tables cascade from the registry)."""
    with owner_transaction() as conn:
        tenant = _find(conn, key)
        conn.execute("DELETE FROM tenants WHERE id = %s", (tenant.id,))
    tenant_cache().invalidate(tenant)
    return tenant


def _set_status(key: str, status: str) -> Tenant:
    return _update(key, "status", status)


def _update(key: str, column: str, value: str) -> Tenant:
    """Set one registry column; running processes see it on their next request (cache)."""
    with owner_transaction() as conn:
        tenant = _find(conn, key)
        updated = conn.execute(
            f"UPDATE tenants SET {column} = %s WHERE id = %s RETURNING {TENANT_COLUMNS}",
            (value, tenant.id),
        ).fetchone()
    tenant_cache().invalidate(tenant)
    return updated


def _find(conn: psycopg.Connection[Tenant], key: str) -> Tenant:
    parsed: uuid.UUID | str = parse_uuid(key) or key
    tenant = conn.execute(*lookup_query(parsed)).fetchone()
    if tenant is None:
        raise ProvisioningError(f"no tenant {key!r}")
    return tenant
