"""What `check` reports: the findings of the isolation audit (`audit.run_audit`).

A finding is a stable code (scripts and tests match on it), the database object it names
(a table, a schema, a role, a setting...) and one line saying what is wrong and why it
matters. Every isolation strategy audits different catalogs but reports in these terms;
`check` prints one line per finding, `check --json` dumps them.
"""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Finding:
    """One thing that would let tenants cross, or leave one without its data."""

    code: str
    object: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.object}: {self.message} ({self.code})"


@dataclass(frozen=True)
class AuditReport:
    """The tenant tables the audit expected, what it found wrong (nothing: isolation holds),
    and notes on what it could not try (they do not fail the audit)."""

    tables: list[str]
    findings: list[Finding]
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings
