"""`check`: the isolation audit. Reads the catalog and says what would let tenants cross.

The expected policy text is not hard-coded: the server deparses the canonical
predicate from `isolation.py` on a throw-away table, so the comparison is exact
on every PostgreSQL version.
"""

from dataclasses import asdict, dataclass

import psycopg

from ..database import owner_conninfo
from ..settings import get_settings
from .isolation import CURRENT_TENANT_SQL, TENANT_PREDICATE_SQL
from .roles import TENANT_TABLES_SQL, role_problems


@dataclass(frozen=True)
class Finding:
    subject: str
    problem: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class AuditReport:
    tables: list[str]
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not self.findings


def run_audit() -> AuditReport:
    app_role = get_settings().app_db_user
    with psycopg.connect(owner_conninfo()) as conn:
        expected_predicate, expected_default = _canonical_expressions(conn)
        tables = conn.execute(TENANT_TABLES_SQL).fetchall()
        findings = [Finding("app role", problem) for problem in role_problems(conn, app_role)]
        if not tables:
            findings.append(Finding("schema", "no tenant tables found (run migrate)"))
        for oid, name, _owner, rls_enabled, rls_forced, tenant_attnum, default in tables:
            if not rls_enabled:
                findings.append(Finding(name, "row-level security is not enabled"))
            if not rls_forced:
                findings.append(Finding(name, "row-level security is not forced"))
            if default != expected_default:
                findings.append(Finding(name, f"tenant_id default is {default!r}"))
            findings += _policy_findings(conn, oid, name, expected_predicate)
            findings += _index_findings(conn, oid, name, tenant_attnum)
        conn.rollback()
    return AuditReport(tables=[row[1] for row in tables], findings=findings)


def _canonical_expressions(conn: psycopg.Connection) -> tuple[str, str]:
    """How this server prints the policy predicate and the tenant_id default."""
    conn.execute(
        f"CREATE TEMP TABLE audit_probe (tenant_id uuid DEFAULT {CURRENT_TENANT_SQL})"
        " ON COMMIT DROP"
    )
    conn.execute(f"CREATE POLICY probe ON audit_probe USING ({TENANT_PREDICATE_SQL})")
    return conn.execute(
        "SELECT pg_get_expr(p.polqual, p.polrelid), pg_get_expr(d.adbin, d.adrelid)"
        " FROM pg_policy p JOIN pg_attrdef d ON d.adrelid = p.polrelid"
        " WHERE p.polrelid = 'audit_probe'::regclass"
    ).fetchone()


def _policy_findings(
    conn: psycopg.Connection, oid: int, table: str, expected: str
) -> list[Finding]:
    policies = conn.execute(
        "SELECT polname, polcmd, polpermissive, polroles = '{0}'::oid[],"
        " pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid)"
        " FROM pg_policy WHERE polrelid = %s",
        (oid,),
    ).fetchall()
    findings = []
    isolating = [
        name
        for name, cmd, _permissive, for_public, using, check in policies
        if cmd == "*" and for_public and using == expected and check == expected
    ]
    if not isolating:
        findings.append(
            Finding(table, "no policy FOR ALL TO PUBLIC with USING and WITH CHECK on the tenant")
        )
    for name, _cmd, permissive, _public, _using, _check in policies:
        # A second permissive policy is OR-ed with the tenant one and widens access.
        if permissive and name not in isolating:
            findings.append(Finding(table, f"permissive policy {name!r} widens tenant access"))
    return findings


def _index_findings(
    conn: psycopg.Connection, oid: int, table: str, tenant_attnum: int
) -> list[Finding]:
    indexes = conn.execute(
        "SELECT i.indexrelid::regclass::text, i.indisunique, i.indisprimary,"
        " i.indkey[0] = %s, %s = ANY(i.indkey::int2[])"
        " FROM pg_index i WHERE i.indrelid = %s",
        (tenant_attnum, tenant_attnum, oid),
    ).fetchall()
    findings = []
    if not any(leads for _name, _unique, _primary, leads, _has in indexes):
        findings.append(Finding(table, "no index leads with tenant_id"))
    for name, unique, primary, _leads, has_tenant in indexes:
        # A unique constraint without tenant_id lets one tenant learn another's values.
        if unique and not primary and not has_tenant:
            findings.append(Finding(table, f"unique index {name} does not include tenant_id"))
    return findings
