"""Where the tenant is set on the connection: Row-Level Security.

Every tenant table has a `tenant_id` column and a policy that admits only rows
whose tenant_id equals the transaction-local setting `app.tenant_id`. The data
layer calls `bind_tenant` right after it opens a request's transaction; the
setting dies with that transaction (commit or rollback), so a pooled connection
never carries one tenant into the next request. With no tenant bound the
setting is empty, the policy compares with NULL, and no row is visible.
"""

from collections.abc import Callable
from typing import Any

from .registry import Tenant

TENANT_SETTING = "app.tenant_id"

# The predicate of every tenant table's policy (USING and WITH CHECK), and the
# default of every tenant_id column. `nullif` turns "unset" into NULL: fail closed.
CURRENT_TENANT_SQL = f"nullif(current_setting('{TENANT_SETTING}', true), '')::uuid"
TENANT_PREDICATE_SQL = f"tenant_id = {CURRENT_TENANT_SQL}"

# is_local = true: the setting lasts for this transaction only (never the session).
BIND_TENANT_SQL = f"SELECT set_config('{TENANT_SETTING}', %s, true)"


def bind_tenant(execute: Callable[[str, tuple[Any, ...]], Any], tenant: Tenant) -> None:
    """Bind `tenant` to the open transaction of a connection, via its `execute`."""
    execute(BIND_TENANT_SQL, (str(tenant.id),))
