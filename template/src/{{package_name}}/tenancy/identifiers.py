"""Validation of the identifiers that name tenants: one compiled regex, one reserved list."""

import re
import uuid

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,62}$")

RESERVED_SLUGS = frozenset(
    {
        "admin", "api", "app", "default", "information-schema", "pg-catalog", "postgres",
        "public", "root", "static", "system", "template0", "template1", "www",
    }
)  # fmt: skip

PLANS = ("free", "pro", "enterprise")


def slug_error(slug: str) -> str | None:
    """Why `slug` cannot name a tenant, or None if it can."""
    if not SLUG_PATTERN.fullmatch(slug):
        return (
            f"invalid slug {slug!r}: use 2-63 lowercase letters, digits or hyphens, "
            "starting with a letter"
        )
    if slug in RESERVED_SLUGS:
        return f"invalid slug {slug!r}: it is a reserved word"
    return None


def slugify(name: str) -> str:
    """A slug suggestion from a display name ("Acme Corp" -> "acme-corp")."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63].rstrip("-")


def parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None


TenantKey = uuid.UUID | str


def parse_tenant_key(value: str) -> TenantKey | None:
    """A tenant's UUID or slug from untrusted text, or None if it is neither."""
    value = value.strip()
    tenant_id = parse_uuid(value) if len(value) <= 36 else None
    if tenant_id is not None:
        return tenant_id
    return value if SLUG_PATTERN.fullmatch(value) else None
