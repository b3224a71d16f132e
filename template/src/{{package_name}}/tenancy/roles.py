"""The API's database role: created by `migrate`, checked by `serve` and `check`.

The app role logs in, is not a superuser, cannot bypass RLS, owns no table and
holds only the grants the migrations give it.
"""

import psycopg
from psycopg import sql

from ..database import app_conninfo
from .errors import TenancyError

ROLE_FLAGS = "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT"

# Tables with a tenant_id column in the current schema: the tables isolation protects.
TENANT_TABLES_SQL = """
SELECT c.oid, c.relname, pg_get_userbyid(c.relowner) AS owner,
       c.relrowsecurity, c.relforcerowsecurity, a.attnum AS tenant_attnum,
       pg_get_expr(d.adbin, d.adrelid) AS tenant_default
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
ORDER BY c.relname
"""


class UnsafeAppRole(TenancyError):
    pass


def ensure_app_role(conn: psycopg.Connection, role: str, password: str | None) -> None:
    """Create or update the app role with safe flags; `conn` is an owner connection."""
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    statement = "ALTER ROLE {} " if exists else "CREATE ROLE {} "
    query = sql.SQL(statement + ROLE_FLAGS).format(sql.Identifier(role))
    if password:
        query += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
    conn.execute(query)
    conn.execute(
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(conn.info.dbname), sql.Identifier(role)
        )
    )
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(sql.Identifier(role)))


def role_problems(conn: psycopg.Connection, role: str) -> list[str]:
    """What makes `role` unfit to serve tenants; empty when it is safe."""
    flags = conn.execute(
        "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = %s", (role,)
    ).fetchone()
    if flags is None:
        return [f"app role {role!r} does not exist (run migrate)"]
    superuser, bypassrls, can_login = flags
    problems = []
    if superuser:
        problems.append(f"app role {role!r} is a superuser and bypasses isolation")
    if bypassrls:
        problems.append(f"app role {role!r} has BYPASSRLS")
    if not can_login:
        problems.append(f"app role {role!r} cannot log in")
    for _oid, table, owner, *_ in conn.execute(TENANT_TABLES_SQL).fetchall():
        if owner == role:
            problems.append(f"app role {role!r} owns tenant table {table!r} and bypasses RLS")
    return problems


def assert_app_role_safe() -> None:
    """Connect as the app role and refuse to go on if it could bypass isolation."""
    with psycopg.connect(app_conninfo()) as conn:
        role = conn.execute("SELECT current_user").fetchone()[0]
        if problems := role_problems(conn, role):
            raise UnsafeAppRole("refusing to serve: " + "; ".join(problems))
