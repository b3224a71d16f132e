"""The audit's checks of the app role and of what it can reach, the same under every strategy.

Each function reads the catalog of the database `conn` (an owner connection) is connected to
and returns findings: the app role's attributes and memberships (direct and inherited), the
role- and database-level settings that would apply to its connections, what it owns or may
create, every relation it can read or write (each must be a tenant relation or declared in
`shared_tables`), views and SECURITY DEFINER functions that read tenant tables with rights
the app role lacks, grants on tenant objects to PUBLIC or other roles, and the grants the
API needs. `probe_tables` is the behavioural part: it acts as the app role.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from psycopg import errors, sql

from .findings import Finding

# What the app role needs on every tenant table (the migrations grant it).
TENANT_TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")

SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema')"
NOT_SYSTEM = f"""n.nspname NOT IN {SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg\\_toast%%'
  AND n.nspname NOT LIKE 'pg\\_temp\\_%%'"""

ATTRIBUTES_SQL = """
SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolreplication, rolcanlogin
FROM pg_roles WHERE rolname = %(role)s
"""
ATTRIBUTES = ("SUPERUSER", "BYPASSRLS", "CREATEROLE", "CREATEDB", "REPLICATION")

# Every role the app role is a member of, directly or through other roles: with SET ROLE
# (or inherited privileges) the app role may act as any of them.
MEMBERSHIPS_SQL = """
WITH RECURSIVE granted(roleid, direct) AS (
    SELECT m.roleid, true FROM pg_auth_members m
    WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = %(role)s)
  UNION
    SELECT m.roleid, false FROM pg_auth_members m JOIN granted g ON m.member = g.roleid
)
SELECT r.rolname, bool_or(g.direct), r.rolsuper, r.rolbypassrls,
       EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid)
FROM granted g JOIN pg_roles r ON r.oid = g.roleid
GROUP BY r.rolname, r.rolsuper, r.rolbypassrls, r.oid ORDER BY 1
"""

# Role- and database-level defaults that reach the app role's connections: for the role
# itself or for every role, in any database it connects to or in all of them.
SETTINGS_SQL = """
SELECT split_part(c, '=', 1), coalesce(r.rolname, ''), coalesce(d.datname, '')
FROM pg_db_role_setting s
LEFT JOIN pg_roles r ON r.oid = s.setrole
LEFT JOIN pg_database d ON d.oid = s.setdatabase
CROSS JOIN unnest(s.setconfig) AS c
WHERE (s.setrole = 0 OR r.rolname = %(role)s)
  AND (s.setdatabase = 0 OR d.datname = ANY(%(databases)s))
  AND (split_part(c, '=', 1) LIKE 'app.%%'
       OR split_part(c, '=', 1) IN ('search_path', 'role', 'session_authorization', 'row_security'))
ORDER BY 1, 2, 3
"""

OWNED_SQL = f"""
SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = %(role)s) AND {NOT_SYSTEM}
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
UNION ALL
SELECT 'schema ' || quote_ident(n.nspname) FROM pg_namespace n
WHERE n.nspowner = (SELECT oid FROM pg_roles WHERE rolname = %(role)s)
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text FROM pg_proc p
WHERE p.proowner = (SELECT oid FROM pg_roles WHERE rolname = %(role)s)
UNION ALL
SELECT 'database ' || quote_ident(datname) FROM pg_database
WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = %(role)s)
ORDER BY 1
"""

CREATE_SQL = f"""
SELECT 'schema', n.nspname FROM pg_namespace n
WHERE {NOT_SYSTEM} AND has_schema_privilege(%(role)s, n.oid, 'CREATE')
UNION ALL
SELECT 'database', datname FROM pg_database
WHERE datallowconn AND has_database_privilege(%(role)s, oid, 'CREATE')
ORDER BY 1, 2
"""

# Every relation the app role can reach: read or write a table/view, use a sequence.
REACHABLE_SQL = f"""
SELECT c.oid, n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND {NOT_SYSTEM}
  AND has_schema_privilege(%(role)s, n.oid, 'USAGE')
  AND CASE WHEN c.relkind = 'S'
      THEN has_sequence_privilege(%(role)s, c.oid, 'USAGE, SELECT, UPDATE')
      ELSE has_table_privilege(%(role)s, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')
  END
ORDER BY 2, 3
"""

# The tables a view or materialized view reads (through its rewrite rule), whether it runs
# with its caller's rights (security_invoker), and whether its owner is exempt from RLS on
# each table (superuser, BYPASSRLS, or the table's owner while RLS is not forced).
VIEW_READS_SQL = """
SELECT DISTINCT d.refobjid, tn.nspname, t.relname,
       coalesce(array_to_string(v.reloptions, ',') ~ 'security_invoker=(true|on|1|yes)', false),
       o.rolsuper OR o.rolbypassrls OR (v.relowner = t.relowner AND NOT t.relforcerowsecurity)
FROM pg_class v
JOIN pg_roles o ON o.oid = v.relowner
JOIN pg_rewrite r ON r.ev_class = v.oid
JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
  AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v.oid
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_namespace tn ON tn.oid = t.relnamespace
WHERE v.oid = %s
"""

# SECURITY DEFINER functions the app role may call whose owner could read tenant data the
# app role cannot: a superuser, a BYPASSRLS role, or a role owning tables or schemas.
DEFINER_SQL = f"""
SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       o.rolname
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_roles o ON o.oid = p.proowner
WHERE p.prosecdef AND {NOT_SYSTEM} AND o.rolname <> %(role)s
  AND has_schema_privilege(%(role)s, n.oid, 'USAGE')
  AND has_function_privilege(%(role)s, p.oid, 'EXECUTE')
  AND (o.rolsuper OR o.rolbypassrls
       OR EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = o.oid AND c.relkind IN ('r', 'p'))
       OR EXISTS (SELECT 1 FROM pg_namespace s WHERE s.nspowner = o.oid))
ORDER BY 1
"""

# Who other than the owner holds privileges on a relation or a schema (grantee 0: PUBLIC).
RELATION_GRANTEES_SQL = """
SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END
FROM pg_class c, aclexplode(c.relacl) a
WHERE c.oid = %(oid)s AND a.grantee <> c.relowner
  AND a.grantee <> (SELECT oid FROM pg_roles WHERE rolname = %(role)s)
ORDER BY 1
"""
SCHEMA_GRANTEES_SQL = """
SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END
FROM pg_namespace n, aclexplode(n.nspacl) a
WHERE n.nspname = %(schema)s AND a.grantee <> n.nspowner
  AND a.grantee <> (SELECT oid FROM pg_roles WHERE rolname = %(role)s)
ORDER BY 1
"""


def role_findings(conn: psycopg.Connection, role: str, databases: Sequence[str]) -> list[Finding]:
    """The app role's attributes, memberships and the settings its connections inherit."""
    flags = conn.execute(ATTRIBUTES_SQL, {"role": role}).fetchone()
    if flags is None:
        return [Finding("app-role-missing", role, "the app role does not exist (run migrate)")]
    findings = [
        Finding("app-role-attribute", role, f"the app role has {name}")
        for name, held in zip(ATTRIBUTES, flags[:5], strict=True)
        if held
    ]
    if not flags[5]:
        findings.append(Finding("app-role-attribute", role, "the app role cannot log in"))
    for granted, direct, superuser, bypassrls, owns in conn.execute(
        MEMBERSHIPS_SQL, {"role": role}
    ).fetchall():
        powers = [
            what
            for what, held in (
                ("a superuser", superuser),
                ("BYPASSRLS", bypassrls),
                ("an owner of tables", owns),
                ("a predefined role", granted.startswith("pg_")),
            )
            if held
        ]
        how = "a member" if direct else "an indirect member"
        role_is = f" ({', '.join(powers)})" if powers else ""
        findings.append(
            Finding(
                "app-role-membership",
                granted,
                f"the app role is {how} of {granted}{role_is}: it may act with its rights"
                f" (REVOKE {granted} FROM {role})",
            )
        )
    for name, for_role, database in conn.execute(
        SETTINGS_SQL, {"role": role, "databases": list(databases)}
    ).fetchall():
        scope = f"role {for_role}" if for_role else "every role"
        where = f"database {database}" if database else "every database"
        findings.append(
            Finding(
                "role-setting",
                name,
                f"a default {name} for {scope} in {where} reaches every app connection"
                " (ALTER ROLE ... RESET / ALTER DATABASE ... RESET)",
            )
        )
    return findings


def ownership_findings(conn: psycopg.Connection, role: str) -> list[Finding]:
    """What the app role owns (owners bypass RLS and may grant) or may create: in this
    database, and any database of the server."""
    findings = [
        Finding("app-role-owns", owned, "the app role owns it (it must own nothing)")
        for (owned,) in conn.execute(OWNED_SQL, {"role": role}).fetchall()
    ]
    for kind, name in conn.execute(CREATE_SQL, {"role": role}).fetchall():
        findings.append(
            Finding("app-role-create", name, f"the app role has CREATE on {kind} {name!r}")
        )
    return findings


@dataclass
class Scope:
    """What is the tenants' in one database: whole schemas (schema isolation, a tenant's
    database) or single tables (rls: the tables with tenant_id), and what is declared shared."""

    shared: frozenset[str]
    tenant_schemas: set[str] = field(default_factory=set)
    tenant_tables: set[str] = field(default_factory=set)
    rls: bool = False
    # Everything here is one tenant's (a tenant's own database): its schemas may read each
    # other, and grants on them do not matter (CONNECT on the database keeps other roles out).
    one_tenant: bool = False

    def is_tenant(self, schema: str, name: str) -> bool:
        return schema in self.tenant_schemas or f"{schema}.{name}" in self.tenant_tables


def reach_findings(conn: psycopg.Connection, role: str, scope: Scope) -> list[Finding]:
    """Every relation the app role can reach must be a tenant relation or declared shared;
    views must not read tenant tables with rights the caller lacks."""
    findings = []
    for oid, schema, name, kind, _owner in conn.execute(REACHABLE_SQL, {"role": role}).fetchall():
        qualified = f"{schema}.{name}"
        if kind in ("v", "m"):
            problem = _view_problem(conn, oid, schema, kind, scope)
            if problem:
                findings.append(Finding("definer-view", qualified, problem))
                continue
            if problem is None:  # reads tenant tables only, with the caller's rights
                continue
        if kind == "f" and scope.is_tenant(schema, name):
            findings.append(
                Finding("foreign-table", qualified, "a foreign table reads data from elsewhere")
            )
        elif qualified in scope.shared or (
            # a sequence of a tenant table is shared by every tenant under rls
            scope.is_tenant(schema, name) and (kind != "S" or not scope.rls)
        ):
            continue
        else:
            what = {"S": "sequence", "v": "view", "m": "materialized view"}.get(kind, "table")
            findings.append(
                Finding(
                    "undeclared-relation",
                    qualified,
                    f"the app role can reach this {what}, which is neither a tenant table nor"
                    " declared in shared_tables.SHARED_TABLES",
                )
            )
    for function, owner in conn.execute(DEFINER_SQL, {"role": role}).fetchall():
        findings.append(
            Finding(
                "definer-function",
                function,
                f"SECURITY DEFINER function owned by {owner}: the app role may run it with"
                f" {owner}'s rights (REVOKE EXECUTE ... FROM PUBLIC, {role})",
            )
        )
    return findings


def _view_problem(
    conn: psycopg.Connection, oid: int, schema: str, kind: str, scope: Scope
) -> str | None | bool:
    """Why a view exposes tenant data; None if it reads tenant (and shared) tables safely;
    False if it reads no tenant table or some undeclared one (then it is judged as any other
    relation)."""
    reads = conn.execute(VIEW_READS_SQL, (oid,)).fetchall()
    tenant_reads = [row for row in reads if scope.is_tenant(row[1], row[2])]
    undeclared = [
        row
        for row in reads
        if not scope.is_tenant(row[1], row[2]) and f"{row[1]}.{row[2]}" not in scope.shared
    ]
    if not tenant_reads:
        return False
    for _table_oid, table_schema, table, invoker, owner_exempt in tenant_reads:
        qualified = f"{table_schema}.{table}"
        if kind == "m" and scope.rls:
            return f"materialized view over tenant table {qualified}: it stores every tenant's rows"
        if scope.rls and owner_exempt and not invoker:
            return (
                f"reads tenant table {qualified} with its owner's rights, which bypass"
                " row-level security (use security_invoker = true)"
            )
        if scope.tenant_schemas and not scope.one_tenant and table_schema != schema:
            return f"reads {qualified}, another schema's table, whatever tenant is bound"
    return False if undeclared else None


def grant_findings(conn: psycopg.Connection, role: str, scope: Scope) -> list[Finding]:
    """Privileges on tenant tables and schemas for PUBLIC or roles other than the app role,
    and what the app role lacks on them."""
    findings = []
    for schema in sorted(() if scope.one_tenant else scope.tenant_schemas):
        for grantee in _grantees(conn, SCHEMA_GRANTEES_SQL, {"schema": schema, "role": role}):
            findings.append(_grant_finding(schema, "schema", grantee))
    tables = conn.execute(
        "SELECT c.oid, n.nspname, c.relname FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p') AND (n.nspname = ANY(%s) OR"
        " n.nspname || '.' || c.relname = ANY(%s))",
        (sorted(scope.tenant_schemas), sorted(scope.tenant_tables)),
    ).fetchall()
    for oid, schema, name in tables:
        qualified = f"{schema}.{name}"
        for grantee in _grantees(conn, RELATION_GRANTEES_SQL, {"oid": oid, "role": role}):
            findings.append(_grant_finding(qualified, "table", grantee))
        if name in _BOOKKEEPING:
            continue
        missing = [
            privilege
            for privilege in TENANT_TABLE_PRIVILEGES
            if not conn.execute(
                "SELECT has_table_privilege(%s, %s, %s)", (role, oid, privilege)
            ).fetchone()[0]
        ]
        if missing:
            findings.append(
                Finding(
                    "missing-grant",
                    qualified,
                    f"the app role lacks {', '.join(missing)} on this tenant table:"
                    " the API would fail (run migrate)",
                )
            )
    return findings


# Version tables inside tenant schemas or databases: the owner's, the app role needs nothing.
_BOOKKEEPING = frozenset({"alembic_version", "django_migrations"})


def registry_grant_findings(conn: psycopg.Connection, role: str) -> list[Finding]:
    """The app role must read the registry, or no request finds its tenant."""
    readable = conn.execute(
        "SELECT to_regclass('public.tenants') IS NOT NULL"
        " AND has_table_privilege(%s, 'public.tenants', 'SELECT')",
        (role,),
    ).fetchone()[0]
    if readable:
        return []
    return [
        Finding(
            "missing-grant",
            "public.tenants",
            "the app role cannot read the tenant registry: every request would fail",
        )
    ]


def _grantees(conn: psycopg.Connection, query: str, params: dict) -> list[str]:
    return [grantee for (grantee,) in conn.execute(query, params).fetchall()]


def _grant_finding(name: str, kind: str, grantee: str) -> Finding:
    code = "public-grant" if grantee == "PUBLIC" else "other-role-grant"
    return Finding(
        code, name, f"{grantee} holds privileges on this tenant {kind} (REVOKE ... FROM {grantee})"
    )


# ── behaviour: acting as the app role ──────────────────────────────────────

# What a probe row gets in a NOT NULL column with no default, by type category.
_PROBE_VALUES = {"S": "'audit probe'", "N": "1", "B": "true", "D": "now()"}

PROBE_COLUMNS_SQL = """
SELECT a.attname, t.typcategory, t.typname, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
  AND a.attnotnull AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = ''
ORDER BY a.attnum
"""


def probe_insert(
    conn: psycopg.Connection,
    table: str,
    extra: dict[str, object] | None = None,
    returning: Sequence[str] = (),
):
    """An INSERT of one row into `table` (`schema.table`, or as the search path resolves a
    bare name) that satisfies NOT NULL with simple values, or None when some column's type
    has no simple value. It returns the row's ctid, or the columns named in `returning`."""
    ident = sql.Identifier(*table.split("."))
    columns, values = [], []
    for name, category, type_name, formatted in conn.execute(
        PROBE_COLUMNS_SQL, (ident.as_string(),)
    ).fetchall():
        if extra and name in extra:
            continue
        if type_name == "uuid":
            value = "gen_random_uuid()"
        elif category in _PROBE_VALUES:
            value = f"CAST({_PROBE_VALUES[category]} AS {formatted})"
        else:
            return None
        columns.append(sql.Identifier(name))
        values.append(sql.SQL(value))
    for name, value in (extra or {}).items():
        columns.append(sql.Identifier(name))
        values.append(sql.Literal(value))
    result = (
        sql.SQL(", ").join(map(sql.Identifier, returning)) if returning else sql.SQL("ctid::text")
    )
    if not columns:
        return sql.SQL("INSERT INTO {} DEFAULT VALUES RETURNING {}").format(ident, result)
    return sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING {}").format(
        ident, sql.SQL(", ").join(columns), sql.SQL(", ").join(values), result
    )


# The foreign keys of a table to other tables: the parent (schema-qualified, and bare), the
# columns and the parent's columns they reference, in order.
FOREIGN_KEYS_SQL = """
SELECT pn.nspname || '.' || p.relname, p.relname, array_agg(a.attname ORDER BY k.i),
       array_agg(pa.attname ORDER BY k.i)
FROM pg_constraint c
JOIN pg_class p ON p.oid = c.confrelid
JOIN pg_namespace pn ON pn.oid = p.relnamespace
CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(col, pcol, i)
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.pcol
WHERE c.conrelid = %s::regclass AND c.contype = 'f' AND c.confrelid <> c.conrelid
GROUP BY c.oid, pn.nspname, p.relname ORDER BY c.oid
"""


def parent_rows(conn: psycopg.Connection, table: str, tables: Sequence[str]) -> dict[str, object]:
    """Insert a probe row into each tenant table (of `tables`) that `table` references, as the
    bound tenant; the values `table`'s probe row needs in its foreign key columns (tenant_id
    aside: the bound tenant's by default)."""
    values: dict[str, object] = {}
    ident = sql.Identifier(*table.split("."))
    for qualified, bare, columns, referenced in conn.execute(
        FOREIGN_KEYS_SQL, (ident.as_string(),)
    ).fetchall():
        parent = qualified if qualified in tables else bare
        if parent not in tables or parent == table:
            continue
        pairs = [(c, r) for c, r in zip(columns, referenced, strict=True) if c != "tenant_id"]
        insert = probe_insert(conn, parent, returning=[r for _c, r in pairs])
        if insert is None or not pairs:
            continue
        row = conn.execute(insert).fetchone()
        values.update({column: value for (column, _r), value in zip(pairs, row, strict=True)})
    return values


def first_value_on(conn: psycopg.Connection) -> Callable[[str, tuple], object]:
    """`conn`'s execute as `binding.bind` takes it: runs one statement, returns the
    first value of its first row (the audit binds exactly as requests do)."""

    def execute(query: str, params: tuple = ()) -> object:
        row = conn.execute(query, params).fetchone()
        return None if row is None else row[0]

    return execute


@contextmanager
def savepoint(conn: psycopg.Connection, name: str = "audit_probe") -> Iterator[None]:
    """Run a block whose effects (and errors) are undone: ROLLBACK TO SAVEPOINT afterwards."""
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except psycopg.Error:
        conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
        raise
    conn.execute(f"ROLLBACK TO SAVEPOINT {name}")


def _refused(conn: psycopg.Connection, statement, params=()) -> bool:
    """Whether PostgreSQL refuses a write (row-level security, a privilege, a constraint) or
    it changes no row; undone either way."""
    try:
        with savepoint(conn):
            return conn.execute(statement, params).rowcount == 0
    except psycopg.Error:
        return True


def _rows(conn: psycopg.Connection, statement, params=()) -> int:
    """How many rows a statement sees or changes (0 if PostgreSQL refuses it); undone."""
    try:
        with savepoint(conn):
            cursor = conn.execute(statement, params)
            return len(cursor.fetchall()) if cursor.description else cursor.rowcount
    except psycopg.Error:
        return 0


@dataclass
class Tenants:
    """How the behavioural probe reaches two throw-away tenants and no tenant at all.

    Each callable returns the app role's connection with that tenant bound (in an open
    transaction) or with none bound; `a_id` and `b_id` are the tenants' ids (rls only).
    """

    as_a: Callable[[], psycopg.Connection]
    as_b: Callable[[], psycopg.Connection]
    unbound: Callable[[], psycopg.Connection]
    a_id: str | None = None
    b_id: str | None = None


def probe_tables(tenants: Tenants, tables: Sequence[str], notes: list[str]) -> list[Finding]:
    """Act as the app role on every tenant table. With no tenant bound nothing is visible.
    Tenant B must not write a row under tenant A (rls). A row tenant A writes must stay A's:
    A reads it back; B (new, so its tables are empty) must not read, change or delete it;
    A must not move it to B (rls). Every write is undone (savepoints) before the next table.

    A table that references other tenant tables gets a probe row in each of them first (as
    tenant A). A table whose probe row cannot be made (a type with no simple value, a foreign
    key or check the simple values fail) is named in `notes`: it was not probed, which is not
    a finding."""
    findings = []
    for table in tables:
        ident = sql.Identifier(*table.split("."))
        conn = tenants.unbound()
        if _rows(conn, sql.SQL("SELECT 1 FROM {} LIMIT 1").format(ident)):
            findings.append(Finding("unbound-read", table, "rows are visible with no tenant bound"))
        conn = tenants.as_a()
        insert = probe_insert(conn, table)
        if insert is None:
            notes.append(f"{table}: not probed (a NOT NULL column has no simple probe value)")
            continue
        if tenants.a_id and tenants.b_id:  # before A's row exists: no unique key can object
            conn = tenants.as_b()
            under_a = probe_insert(conn, table, {"tenant_id": tenants.a_id})
            if under_a is not None and not _refused(conn, under_a):
                findings.append(
                    Finding("cross-tenant-insert", table, "tenant B stored a row under tenant A")
                )
            conn = tenants.as_a()
        conn.execute("SAVEPOINT audit_row")
        try:
            insert = probe_insert(conn, table, parent_rows(conn, table, tables)) or insert
            ctid = conn.execute(insert).fetchone()[0]
        except errors.InsufficientPrivilege as error:
            conn.execute("ROLLBACK TO SAVEPOINT audit_row")
            findings.append(Finding("probe-refused", table, _first_line(error)))
            continue
        except psycopg.Error as error:
            conn.execute("ROLLBACK TO SAVEPOINT audit_row")
            notes.append(f"{table}: not probed ({_first_line(error)})")
            continue
        try:
            findings += _probe_row(tenants, table, ident, ctid)
        finally:
            tenants.as_a().execute("ROLLBACK TO SAVEPOINT audit_row")
    return findings


def _probe_row(tenants: Tenants, table: str, ident: sql.Identifier, ctid: str) -> list[Finding]:
    findings = []
    by_ctid = sql.SQL("WHERE ctid = %s::tid")
    conn = tenants.as_a()
    if not _rows(conn, sql.SQL("SELECT 1 FROM {} ").format(ident) + by_ctid, (ctid,)):
        findings.append(Finding("bind-ineffective", table, "tenant A cannot read its own row"))
    if tenants.b_id:
        move = sql.SQL("UPDATE {} SET tenant_id = %s ").format(ident) + by_ctid
        if not _refused(conn, move, (tenants.b_id, ctid)):
            findings.append(
                Finding("tenant-id-update", table, "tenant A moved its row to tenant B")
            )
    conn = tenants.as_b()
    column = sql.Identifier(_first_column(conn, ident))  # an UPDATE that changes nothing
    checks = [
        ("cross-tenant-read", sql.SQL("SELECT 1 FROM {} LIMIT 1").format(ident), ()),
        (
            "cross-tenant-update",
            sql.SQL("UPDATE {} SET {} = {} ").format(ident, column, column) + by_ctid,
            (ctid,),
        ),
        ("cross-tenant-delete", sql.SQL("DELETE FROM {} ").format(ident) + by_ctid, (ctid,)),
    ]
    for code, statement, params in checks:
        if _rows(conn, statement, params):
            findings.append(Finding(code, table, "tenant B reached tenant A's row"))
    return findings


def _first_column(conn: psycopg.Connection, ident: sql.Identifier) -> str:
    return conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
        " AND NOT attisdropped ORDER BY attnum LIMIT 1",
        (ident.as_string(),),
    ).fetchone()[0]


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# Settings a fresh app connection must have at their defaults. (Custom settings such as
# app.tenant_id are not in pg_settings: `session_findings` reads those by name.)
SESSION_SQL = """
SELECT name, source FROM pg_settings
WHERE name IN ('search_path', 'role', 'row_security') AND source NOT IN ('default', 'override')
ORDER BY 1
"""


def session_findings(conninfo: str, empty: Sequence[str] = ()) -> list[Finding]:
    """Connect as the app role: a fresh connection must have the default search path and
    the settings named in `empty` unset (postgresql.conf, PGOPTIONS, role or database
    defaults would reach every transaction that binds nothing)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        found = conn.execute(SESSION_SQL).fetchall()
        for name in empty:
            if conn.execute("SELECT current_setting(%s, true)", (name,)).fetchone()[0]:
                found.append((name, "set"))
    return [
        Finding("session-default", name, f"a new app connection has {name} set ({source})")
        for name, source in found
    ]
