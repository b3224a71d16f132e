"""Errors the tenancy core raises; each carries the HTTP status the glue should send."""


class TenancyError(Exception):
    status = 400

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        # Response headers the glue must send with the error (Retry-After, WWW-Authenticate).
        self.headers = headers or {}


class TenantMissing(TenancyError):
    status = 400


class TenantMalformed(TenancyError):
    status = 400


class TenantForbidden(TenancyError):
    """Unknown and suspended tenants get this one message, so nobody can probe which exist."""

    status = 403

    def __init__(self) -> None:
        super().__init__("Tenant not found or not active")


class ProvisioningError(TenancyError):
    """A lifecycle command was refused; nothing was changed."""


class NoTenantBound(RuntimeError):
    """Tenant-scoped database access was attempted with no current tenant (fails closed)."""
