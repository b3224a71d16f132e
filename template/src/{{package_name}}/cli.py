"""Command line: serve | migrate | tenants ... | check.

Errors are one line on stderr and a non-zero exit; no traceback reaches the user.
"""

import argparse
import json
import signal
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

import psycopg
from pydantic import ValidationError

from . import database
from .tenancy import provisioning
from .tenancy.errors import TenancyError
from .tenancy.identifiers import PLANS
from .tenancy.registry import Tenant


class CommandError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """Usage errors in one line too (subcommand parsers inherit this class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def migrate() -> None:
    """Create or update the app role, then apply every pending migration (as the owner)."""
    from .migrate import run_migrations
    from .settings import get_settings
    from .tenancy.roles import ensure_app_role

    settings = get_settings()
    password = settings.app_db_password.get_secret_value() if settings.app_db_password else None
    with psycopg.connect(database.owner_conninfo(), autocommit=True) as conn:
        ensure_app_role(conn, settings.app_db_user, password)
    run_migrations()


def cmd_serve(args: argparse.Namespace) -> None:
    from .tenancy.roles import assert_app_role_safe
    from .web.app import serve

    if database.using_embedded():
        # Development database: keep it migrated so `serve` works on a fresh checkout.
        migrate()
    assert_app_role_safe()
    # SIGTERM (docker stop, process managers) exits cleanly, so shutdown hooks run.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve(args.host, args.port)


def cmd_migrate(args: argparse.Namespace) -> None:
    migrate()
    print("migrations applied")


def cmd_tenants_create(args: argparse.Namespace) -> None:
    tenant = provisioning.create_tenant(args.name, args.slug, args.plan)
    print(f"created tenant {tenant.slug} ({tenant.plan})")
    print(tenant.id)


def cmd_tenants_list(args: argparse.Namespace) -> None:
    tenants = provisioning.list_tenants()
    if args.json:
        print(json.dumps([tenant.as_dict() for tenant in tenants], indent=2))
        return
    for tenant in tenants:
        print(f"{tenant.id}  {tenant.slug:<24} {tenant.status:<10} {tenant.plan:<10} {tenant.name}")


def cmd_tenants_show(args: argparse.Namespace) -> None:
    print(json.dumps(provisioning.get_tenant(args.tenant).as_dict(), indent=2))


def _status_command(change: Callable[[str], Tenant], verb: str):
    def command(args: argparse.Namespace) -> None:
        tenant = change(args.tenant)
        print(f"{verb} tenant {tenant.slug} ({tenant.id})")

    return command


def cmd_tenants_delete(args: argparse.Namespace) -> None:
    tenant = provisioning.get_tenant(args.tenant)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CommandError("refusing to delete without confirmation: pass --yes")
        answer = input(f"Delete tenant {tenant.slug} ({tenant.id}) and all its data? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise CommandError("not deleted")
    provisioning.delete_tenant(str(tenant.id))
    print(f"deleted tenant {tenant.slug} ({tenant.id})")


def cmd_check(args: argparse.Namespace) -> int:
    from .tenancy.audit import run_audit

    report = run_audit()
    if args.json:
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "tables": report.tables,
                    "findings": [finding.as_dict() for finding in report.findings],
                },
                indent=2,
            )
        )
    else:
        for finding in report.findings:
            print(f"FAIL {finding.subject}: {finding.problem}")
        verdict = "isolation holds" if report.ok else f"{len(report.findings)} problem(s)"
        print(f"checked {len(report.tables)} tenant table(s): {verdict}")
    return 0 if report.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=cmd_serve)

    migrate_parser = commands.add_parser("migrate", help="create the app role, apply migrations")
    migrate_parser.set_defaults(handler=cmd_migrate)

    tenants = commands.add_parser("tenants", help="tenant lifecycle").add_subparsers(
        dest="action", required=True
    )
    create = tenants.add_parser("create", help="create a tenant (prints its UUID last)")
    create.add_argument("--name", required=True)
    create.add_argument("--slug", help="default: derived from the name")
    create.add_argument("--plan", choices=PLANS, default="free")
    create.set_defaults(handler=cmd_tenants_create)

    listing = tenants.add_parser("list", help="list tenants")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_tenants_list)

    for name, handler, help_text in (
        ("show", cmd_tenants_show, "show one tenant"),
        ("suspend", _status_command(provisioning.suspend_tenant, "suspended"), "suspend"),
        ("resume", _status_command(provisioning.resume_tenant, "resumed"), "resume"),
        ("delete", cmd_tenants_delete, "delete a tenant and all its data"),
    ):
        action = tenants.add_parser(name, help=help_text)
        action.add_argument("tenant", help="tenant UUID or slug")
        if name == "delete":
            action.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        action.set_defaults(handler=handler)

    check = commands.add_parser("check", help="audit tenant isolation; non-zero if not guaranteed")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args) or 0
    except (CommandError, TenancyError) as error:
        return _fail(str(error))
    except ValidationError as error:
        return _fail(f"invalid settings: {error.errors()[0]['msg']}")
    except psycopg.Error as error:
        return _fail(f"database error: {error}")
    except KeyboardInterrupt:
        return _fail("interrupted")


def _fail(message: str) -> int:
    first_line = message.strip().splitlines()[0] if message.strip() else "failed"
    print(f"error: {first_line}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
