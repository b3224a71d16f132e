"""What `check` reports: the findings of the isolation audit (`audit.run_audit`).

Every isolation strategy audits different catalogs but reports in these terms; `check`
prints them, or `check --json` dumps them.
"""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Finding:
    """One thing that would let tenants cross, or leave one without its data: on what, and why."""

    subject: str
    problem: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class AuditReport:
    """The tenant tables the audit expected, and what it found wrong (nothing: isolation holds)."""

    tables: list[str]
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not self.findings
