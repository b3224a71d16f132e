"""One header's one value, or a 400: a resolver never picks one of several values.

ASGI servers hand the application every copy of a repeated header (Starlette's `getlist`); WSGI
servers join the copies with ", " into one value. Either way a request that repeats a header a
resolver reads (`X-Tenant-ID: a` and `X-Tenant-ID: b`), or joins values with a comma, names no
single tenant, and serving it as the first one would let a proxy and the API disagree on who it is.
"""

from collections.abc import Mapping

from ..errors import TenantMalformed


def single_value(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header `name`, None when absent; TenantMalformed when repeated or joined."""
    getlist = getattr(headers, "getlist", None)
    values = list(getlist(name)) if getlist is not None else []
    if len(values) > 1:
        raise TenantMalformed(f"Malformed {name}: the header is sent more than once")
    value = values[0] if values else headers.get(name)
    if value is not None and "," in value:
        raise TenantMalformed(f"Malformed {name}: one value expected, not a list")
    return value
