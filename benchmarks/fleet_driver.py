"""Runs inside a rendered project (its folder, its environment): builds the fleet, prints figures.

`benchmarks/fleet.py` starts it; by hand, from a rendered project's folder:
    uv run python /path/to/benchmarks/fleet_driver.py --package my_api --tenants 100

Provisioning goes through the project's own `tenancy.provisioning.create_tenant`, whatever
the isolation strategy, so a new strategy is measured by rendering it (`--isolation NAME`).
Under schema isolation it then times `migrate --all-tenants` in process and as the CLI,
with one and two jobs: with nothing pending, then with one new migration each time
(ALTER TABLE orders ADD COLUMN), written as an Alembic revision into
`migrations/tenant/versions/` or as a Django migration into `<package>/orders/migrations/`,
whichever the project's data layer uses.
"""

import argparse
import importlib
import io
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, redirect_stdout
from pathlib import Path
from types import ModuleType

# Targets of issue 6 (DESIGN.md): provisioning p50 per strategy in ms, fleet migrate in s.
PROVISIONING_TARGET_MS = {"schema": 30, "database": 150}
NOTHING_PENDING_TARGET_S = 1.0
ONE_MIGRATION_TARGET_S = 5.0

REVISION = '''"""Benchmark: one new column on every tenant's orders.

Revision ID: {revision}
Revises: {down_revision}
"""

from alembic import op

revision = "{revision}"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE orders ADD COLUMN {column} text")


def downgrade() -> None:
    op.execute("ALTER TABLE orders DROP COLUMN {column}")
'''

DJANGO_MIGRATION = '''"""Benchmark: one new column on every tenant's orders."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "{previous}")]
    operations = [
        migrations.RunSQL(
            "ALTER TABLE orders ADD COLUMN {column} text",
            reverse_sql="ALTER TABLE orders DROP COLUMN {column}",
        )
    ]
'''


def report(label: str, value: str, target: str = "", met: bool | None = None) -> None:
    verdict = "" if met is None else ("ok" if met else "MISSED")
    print(f"  {label:<52} {value:>16}   {target:<16} {verdict}".rstrip(), flush=True)


def seconds(label: str, elapsed: float, target: float) -> None:
    report(label, f"{elapsed:.2f} s", f"target < {target:g} s", elapsed < target)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def quietly(action: Callable[[], object]) -> object:
    with redirect_stdout(io.StringIO()):
        return action()


def percentiles(times: list[float]) -> str:
    p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
    return f"{statistics.median(times):.1f} / {p90:.1f} ms"


def provision(package: str, isolation: str, tenants: int) -> None:
    provisioning = importlib.import_module(f"{package}.tenancy.provisioning")
    raw_copies = raw_database_copies(package) if isolation == "database" else nullcontext()
    times, raw_times = [], []
    with raw_copies as raw_copy:
        for number in range(tenants):
            started = time.perf_counter()
            provisioning.create_tenant(f"Bench {number}", f"bench-{number:05d}")
            times.append((time.perf_counter() - started) * 1000)
            if raw_copy is not None:
                raw_times.append(raw_copy(number))
    target = PROVISIONING_TARGET_MS.get(isolation)
    report(
        f"provisioning per tenant ({isolation}), p50 / p90",
        percentiles(times),
        f"target p50 <= {target} ms" if target else "(no target)",
        statistics.median(times) <= target if target else None,
    )
    if raw_times:
        report("  raw CREATE DATABASE ... TEMPLATE, p50 / p90", percentiles(raw_times))


@contextmanager
def raw_database_copies(package: str) -> Iterator[Callable[[int], float]]:
    """The server's own time for the statement database provisioning is built on.

    CREATE DATABASE ... TEMPLATE ... STRATEGY WAL_LOG writes the whole template (some 7 MB of
    catalogs) to the WAL and flushes it, so it is bound by the disk, whose speed varies with
    what it has been asked lately: one raw copy after each tenant, in the same conditions,
    says how much of the provisioning figure is the server's. The copies are dropped after.
    """
    import psycopg
    from psycopg import sql

    postgres = importlib.import_module(f"{package}.postgres")
    identifiers = importlib.import_module(f"{package}.tenancy.identifiers")
    template = sql.Identifier(identifiers.template_database_name())
    made = []

    with psycopg.connect(postgres.owner_conninfo(), autocommit=True) as conn:

        def copy(number: int) -> float:
            name = sql.Identifier(f"bench_raw_copy_{number}")
            started = time.perf_counter()
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY WAL_LOG").format(name, template)
            )
            made.append(name)
            return (time.perf_counter() - started) * 1000

        try:
            yield copy
        finally:
            for name in made:
                conn.execute(sql.SQL("DROP DATABASE {}").format(name))


def tool_module(package: str, *older: str) -> ModuleType:
    """The project's module of its migration tool, `tenancy.tenant_migrations`; templates
    before 2026-11-30 had its parts elsewhere (`older`, tried in turn)."""
    for name in ("tenant_migrations", *older):
        try:
            return importlib.import_module(f"{package}.tenancy.{name}")
        except ModuleNotFoundError:
            continue
    raise SystemExit(f"{package}.tenancy has no tenant_migrations module")


def alembic_revision_writer(package: str) -> Callable[[], None]:
    """Writes one more Alembic revision on top of the tenant head."""
    alembic = tool_module(package, "schemas")
    versions = Path("migrations/tenant/versions")

    def write() -> None:
        head = alembic.head_revision()
        revision = f"bench{len(list(versions.glob('bench*.py'))) + 1:03d}"
        text = REVISION.format(revision=revision, down_revision=head, column=f"{revision}_note")
        (versions / f"{revision}.py").write_text(text)
        # The project reads its revisions once per process (templates before 2026-11-24
        # cached only the head).
        getattr(alembic, "tenant_scripts", alembic.head_revision).cache_clear()

    return write


def django_migration_writer(package: str) -> Callable[[], None]:
    """Writes one more migration of the tenant app `orders`, after its newest."""
    executor = tool_module(package, "tenant_executor")
    folder = Path("src", *package.split("."), "orders", "migrations")

    def write() -> None:
        names = sorted(path.stem for path in folder.glob("[0-9][0-9][0-9][0-9]_*.py"))
        number = int(names[-1][:4]) + 1
        name = f"{number:04d}_bench{number:03d}"
        text = DJANGO_MIGRATION.format(previous=names[-1], column=f"bench{number:03d}_note")
        (folder / f"{name}.py").write_text(text)
        importlib.invalidate_caches()  # the new module file must be importable at once
        executor.migration_graph.cache_clear()

    return write


def fleet_migrate(package: str, command: str) -> None:
    tenant_schemas = importlib.import_module(f"{package}.tenancy.tenant_schemas")
    cli = [str(Path(sys.executable).with_name(command)), "migrate", "--all-tenants"]
    if Path("migrations/tenant/versions").is_dir():
        new_migration = alembic_revision_writer(package)
    else:
        new_migration = django_migration_writer(package)

    def in_process(jobs: int) -> None:
        if failures := tenant_schemas.migrate_all_tenants(jobs, progress=lambda line: None):
            raise SystemExit(f"{len(failures)} tenant(s) failed: {failures[0]}")

    def as_cli(jobs: int) -> None:
        subprocess.run([*cli, "--jobs", str(jobs)], check=True, stdout=subprocess.DEVNULL)

    seconds("migrate --all-tenants, nothing pending, in process", timed(lambda: in_process(1)), 1)
    seconds("migrate --all-tenants, nothing pending, CLI", timed(lambda: as_cli(1)), 1)
    for how, run in (("in process", in_process), ("CLI", as_cli)):
        for jobs in (1, 2):
            new_migration()
            elapsed = timed(lambda run=run, jobs=jobs: run(jobs))
            if tenant_schemas.pending_tenants()[0]:
                raise SystemExit("the new migration did not reach every tenant")
            seconds(f"one new migration, {how}, --jobs {jobs}", elapsed, ONE_MIGRATION_TARGET_S)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", required=True, help="the project's import name")
    parser.add_argument("--command", help="the project's CLI (default: package with hyphens)")
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--isolation", required=True)
    args = parser.parse_args()
    command = args.command or args.package.replace("_", "-")

    cli = importlib.import_module(f"{args.package}.cli")
    quietly(lambda: cli.main(["migrate"]))  # the shared tables and the app role
    postgres = importlib.import_module(f"{args.package}.postgres")
    import psycopg

    with psycopg.connect(postgres.owner_conninfo()) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
    # Other work on the machine slows every figure: the load average says how busy it was.
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"  PostgreSQL {server}, {os.cpu_count()} CPUs, load average {load}", flush=True)

    provision(args.package, args.isolation, args.tenants)
    if args.isolation == "schema":
        fleet_migrate(args.package, command)
    else:
        print("  (fleet migrate figures: schema isolation only)")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"  done {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
