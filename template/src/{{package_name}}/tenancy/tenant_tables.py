"""Making a table a tenant table, or a shared one: what the migration operations run.

`adopt` makes a table a tenant table under this project's strategy (`isolation.py` says what
that takes: under rls tenant_id, row security and its policy, an index and the grants; under
schema or database the placement and the grants); `release` undoes it. `share` grants the
app role read access to a table declared in `shared_tables.SHARED_TABLES` (the one place a
shared table is named for the audit) and refuses any other; `unshare` revokes it. Each
takes the migration's connection as two callables: `rows` (one query, all its rows) and
`execute` (one statement). `migration_ops.py` wraps them for the migration tool.
"""

from collections.abc import Callable
from typing import Any

from ..settings import get_settings
from . import isolation
from .errors import TenancyError
from .shared_tables import declared_shared

Rows = isolation.Rows
Execute = Callable[[str], Any]


class TableRefused(TenancyError):
    """The table cannot be adopted (or shared) as it is; the message says why, in one line."""


def adopt(rows: Rows, execute: Execute, table: str) -> None:
    """Make `table` a tenant table, or raise `TableRefused` naming what to change."""
    if problems := isolation.adoption_problems(rows, table):
        raise TableRefused(f"cannot adopt {table} as a tenant table: " + "; ".join(problems))
    for statement in isolation.adopt_table_sql(rows, table, get_settings().app_db_user):
        execute(statement)


def release(rows: Rows, execute: Execute, table: str) -> None:
    """Undo `adopt`: `table` stays, no longer a tenant table."""
    for statement in isolation.release_table_sql(rows, table, get_settings().app_db_user):
        execute(statement)


def qualified_name(rows: Rows, table: str) -> str:
    """`schema.table` as `shared_tables` spells it: a bare name is in the current schema."""
    if "." in table:
        return table
    return f"{rows('SELECT current_schema()', ())[0][0]}.{table}"


def share(rows: Rows, execute: Execute, table: str) -> None:
    """Let the app role read `table`, declared shared in `shared_tables.SHARED_TABLES`."""
    name = qualified_name(rows, table)
    if name not in declared_shared():
        raise TableRefused(
            f"cannot share {name}: declare it in tenancy/shared_tables.py (SHARED_TABLES) first"
        )
    execute(f"GRANT SELECT ON {_quoted(name)} TO {_identifier(get_settings().app_db_user)}")


def unshare(rows: Rows, execute: Execute, table: str) -> None:
    """Undo `share`."""
    name = qualified_name(rows, table)
    execute(f"REVOKE ALL ON {_quoted(name)} FROM {_identifier(get_settings().app_db_user)}")


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quoted(table: str) -> str:
    return ".".join(_identifier(part) for part in table.split("."))
