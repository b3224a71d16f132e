"""Fleet benchmark: render a project, build a fleet of tenants in it, print the figures.

    uv run python benchmarks/fleet.py [--tenants 1000] [--isolation schema]
                                      [--framework flask] [--orm psycopg] [--keep DIR]
                                      [--vcs-ref REF]

Renders this repository's template (`--vcs-ref`: default HEAD, uncommitted changes included
as the tests do; an older commit or tag gives the "before" figures) into a scratch folder,
installs the project with `uv sync`, and runs `fleet_driver.py` inside the project's own
environment, on its embedded PostgreSQL:
it provisions the tenants one by one and, under schema isolation, times
`migrate --all-tenants` with nothing pending and with one new migration. Each figure is
printed beside its target. Nothing here is a test: the figures depend on the machine.
"""

import argparse
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rendering import render_and_install

DRIVER = Path(__file__).resolve().with_name("fleet_driver.py")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000, help="fleet size (default 1000)")
    parser.add_argument("--isolation", default="schema", help="rls, schema, or any later choice")
    parser.add_argument("--framework", default="flask")
    parser.add_argument("--orm", default="psycopg")
    parser.add_argument("--keep", type=Path, help="render into DIR and keep it (default: scratch)")
    parser.add_argument("--vcs-ref", default="HEAD", help="template version (default: HEAD)")
    args = parser.parse_args()

    scratch = None
    if args.keep:
        project = args.keep.resolve()
        if project.exists():
            parser.error(f"{project} exists: pass a new folder to --keep")
    else:
        scratch = tempfile.mkdtemp(prefix="fleet-bench-")
        project = Path(scratch) / "project"
    try:
        started = time.perf_counter()
        answers = {"framework": args.framework, "orm": args.orm, "isolation": args.isolation}
        env, rendered = render_and_install(project, answers, args.vcs_ref)
        print(
            f"fleet benchmark: {args.framework} x {args.orm} x {args.isolation},"
            f" {args.tenants} tenants, template {args.vcs_ref},"
            f" on {platform.node()} ({platform.machine()});"
            f" project rendered and installed in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        # The driver imports the project, so it runs in the project's environment and folder.
        driver = ["uv", "run", "--quiet", "python", str(DRIVER)]
        options = ["--package", rendered["package_name"], "--command", rendered["project_name"]]
        options += ["--tenants", str(args.tenants), "--isolation", args.isolation]
        return subprocess.run([*driver, *options], cwd=project, env=env, check=False).returncode
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
