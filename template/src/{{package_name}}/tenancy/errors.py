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


class DatabaseUnavailable(TenancyError):
    """The connection the request ran on was lost (the server closed a pooled connection,
    restarted or is unreachable): what the request did was not confirmed. 503: the pool
    replaces its lost connections, and a retry is served."""

    status = 503

    def __init__(self, detail: str) -> None:
        super().__init__("Database unavailable; the request may not have completed")
        self.detail = f"database connection lost: {detail}"


class BindingNotInEffect(TenancyError):
    """The server did not confirm the tenant binding (a pooler that maps databases together,
    session state or a prepared statement planted on a pooled connection): the request's
    transaction is rolled back before any of its queries run. 503: the service cannot serve
    the request safely right now; nothing about the request is wrong."""

    status = 503

    def __init__(self, expected: str, effective: object) -> None:
        super().__init__("Tenant binding did not take effect; the request was not run")
        self.detail = f"binding not in effect: expected {expected!r}, server has {effective!r}"
