"""Throughput benchmark: a rendered project and its untenanted control under wrk, side by side.

    uv run python benchmarks/throughput.py [--suite issue]
        [--combination fastapi:sqlalchemy:rls ...] [--framework F --orm O --isolation I]
        [--tenants 10] [--orders 1000] [--rounds 4] [--duration 12] [--workers N]
        [--keep DIR] [--vcs-ref REF] [--profile DIR] [--control-one-worker]

For each combination (default: one per framework, fastapi x sqlalchemy, flask x psycopg,
django x django, all under rls; `--suite issue`: what issue 15's "Done when" asks, every
framework x data layer under rls and one pair under schema and under database) it renders
this repository's template (`--vcs-ref`: default HEAD, uncommitted changes included, as the
tests do) into a scratch folder, installs it with `uv sync` (plus gunicorn, and
uvicorn-worker for FastAPI, into the project's environment when it lacks them: the
control's server), and runs `throughput_driver.py` in the project's own environment, on its
embedded PostgreSQL. The driver loads the tenants and their orders, serves the project with
its own `serve` and the control (`benchmarks/controls/`: same framework, data layer and
server, one shared table, an explicit `WHERE tenant_id = %s`), and measures both, and the
project again on one worker, with wrk in rounds whose order reverses every other round;
each server runs only while it is measured. It ends with one table of every combination's
medians beside the targets. Figures, never assertions: they depend on the machine.

`--profile DIR` records each server with py-spy (`pip install py-spy`; it needs ptrace rights)
over each measured window, every process of its tree, sampling only the thread that holds the
GIL (`--gil`: where the workers' CPU goes; without it a gthread worker's eight threads waiting
on their sockets outnumber the one that works), into
DIR/<combination>/<server>-round<N>.txt as collapsed stacks (one line per stack and its
sample count: flamegraph.pl and speedscope read them) and prints where the samples went. The
sampling costs the servers a little CPU, so read the figures of a profiled run as profiles,
not as the benchmark.
"""

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rendering import render_and_install

DRIVER = Path(__file__).resolve().with_name("throughput_driver.py")
DEFAULT_COMBINATIONS = ("fastapi:sqlalchemy:rls", "flask:psycopg:rls", "django:django:rls")
SUITES = {
    "issue": (
        "fastapi:sqlalchemy:rls",
        "fastapi:psycopg:rls",
        "flask:sqlalchemy:rls",
        "flask:psycopg:rls",
        "django:sqlalchemy:rls",
        "django:psycopg:rls",
        "django:django:rls",
        "fastapi:psycopg:schema",
        "fastapi:psycopg:database",
    ),
}


def combinations(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[list[str]]:
    chosen = [combination.split(":") for combination in SUITES.get(args.suite, ())]
    chosen += [combination.split(":") for combination in args.combination or ()]
    if args.framework or args.orm or args.isolation:
        framework = args.framework or "flask"
        orm = args.orm or {"fastapi": "sqlalchemy", "flask": "psycopg"}.get(framework, "django")
        chosen.append([framework, orm, args.isolation or "rls"])
    chosen = chosen or [combination.split(":") for combination in DEFAULT_COMBINATIONS]
    for combination in chosen:
        if len(combination) != 3:
            parser.error(f"{':'.join(combination)}: say framework:orm:isolation")
    return chosen


def install_control_server(project: Path, framework: str, env: dict[str, str]) -> None:
    """The control's server in the project's environment, when the project lacks it."""
    python = project / ".venv" / "bin" / "python"
    missing = [] if (python.parent / "gunicorn").exists() else ["gunicorn"]
    probe = [str(python), "-c", "import uvicorn_worker"]
    if (
        framework == "fastapi"
        and subprocess.run(probe, capture_output=True, check=False).returncode
    ):
        missing.append("uvicorn-worker")
    if missing:
        pip = ["uv", "pip", "install", "--quiet", "--compile-bytecode", "--python", str(python)]
        subprocess.run([*pip, *missing], cwd=project, env=env, check=True)


def run(combination: list[str], folder: Path, args: argparse.Namespace, summary: Path) -> int:
    framework, orm, isolation = combination
    started = time.perf_counter()
    answers = {"framework": framework, "orm": orm, "isolation": isolation}
    env, rendered = render_and_install(folder, answers, args.vcs_ref)
    install_control_server(folder, framework, env)
    print(
        f"throughput benchmark: {framework} x {orm} x {isolation}, template {args.vcs_ref},"
        f" on {platform.node()} ({platform.machine()});"
        f" project rendered and installed in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    driver = ["uv", "run", "--quiet", "--no-sync", "python", str(DRIVER)]
    options = ["--package", rendered["package_name"], "--command", rendered["project_name"]]
    options += ["--framework", framework, "--orm", orm, "--isolation", isolation]
    for option in ("tenants", "orders", "rounds", "duration", "warmup", "workers"):
        if getattr(args, option) is not None:
            options += [f"--{option}", str(getattr(args, option))]
    options += ["--threads", str(args.threads), "--connections", str(args.connections)]
    options += ["--summary", str(summary)]
    if args.profile:
        options += ["--profile", str(args.profile.resolve() / "-".join(combination))]
    if args.control_one_worker:
        options.append("--control-one-worker")
    return subprocess.run([*driver, *options], cwd=folder, env=env, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--combination",
        action="append",
        metavar="F:O:I",
        help="framework:orm:isolation, repeatable (default: " + ", ".join(DEFAULT_COMBINATIONS),
    )
    parser.add_argument(
        "--suite", choices=sorted(SUITES), help="a named set of combinations (issue: issue 15's)"
    )
    parser.add_argument("--framework", help="one combination by parts (orm, isolation follow)")
    parser.add_argument("--orm")
    parser.add_argument("--isolation")
    parser.add_argument("--tenants", type=int, default=10, help="default 10")
    parser.add_argument("--orders", type=int, default=1000, help="per tenant, default 1000")
    parser.add_argument(
        "--rounds", type=int, default=4, help="default 4 (even: each order as often)"
    )
    parser.add_argument("--duration", type=float, default=12, help="measured seconds, default 12")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before each, default 3")
    parser.add_argument("--workers", type=int, help="server workers (default: one per core)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (default 32)")
    parser.add_argument("--keep", type=Path, help="render into DIR and keep it (default: scratch)")
    parser.add_argument("--vcs-ref", default="HEAD", help="template version (default: HEAD)")
    parser.add_argument(
        "--profile",
        type=Path,
        help="py-spy record every server while it is measured, into DIR/<combination>/",
    )
    parser.add_argument(
        "--control-one-worker",
        action="store_true",
        help="the control on one worker too: what a second worker gives an app on this machine",
    )
    args = parser.parse_args()
    chosen = combinations(args, parser)

    if args.keep:
        root, scratch = args.keep.resolve(), None
        if root.exists():
            parser.error(f"{root} exists: pass a new folder to --keep")
    else:
        scratch = tempfile.mkdtemp(prefix="throughput-bench-")
        root = Path(scratch)
    failed, summaries = 0, {}
    try:
        for combination in chosen:
            name = "-".join(combination)
            summary = root / f"{name}.summary.json"
            failed += run(combination, root / name, args, summary) != 0
            if summary.exists():
                summaries[":".join(combination)] = json.loads(summary.read_text())
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    print_summary(summaries, [":".join(combination) for combination in chosen])
    return 1 if failed else 0


def print_summary(summaries: dict[str, dict], chosen: list[str]) -> None:
    """One line per combination: its medians and each target's verdict (ok/MISSED; - when
    none applies), the per-core ratio's spread over the rounds beside it."""

    def judged(value: float | None, digits: int, met: bool | None, unit: str = "") -> str:
        if value is None:
            return "n/a"
        return f"{value:.{digits}f}{unit} {'-' if met is None else verdict(met)}"

    print("summary (medians; targets: per core vs control >= 0.97 rls/schema, 0.90 database;")
    print("  app cores >= 1.4 and >= 1.4x one worker with the default workers; p99 <= 1.2x)")
    print(
        f"  {'combination':<26} {'req/s':>8} {'per core':>9}  {'per core vs control':<27}"
        f" {'app cores':<12} {'vs one worker':<15} {'p99 vs control':<15} errors"
    )
    for name in chosen:
        if name not in summaries:
            print(f"  {name:<26} failed: see its output above")
            continue
        got = summaries[name]
        vs_control = judged(got["per_core_vs_control"], 3, got["per_core_met"])
        if got["per_core_vs_control_spread"]:
            vs_control += f" ({got['per_core_vs_control_spread']})"
        cores = judged(got["cores"], 2, got["cores_met"])
        scaling = judged(got["vs_one_worker"], 2, got["vs_one_worker_met"], "x")
        if got.get("control_vs_one_worker"):
            scaling += f" (control {got['control_vs_one_worker']:.2f}x)"
        p99 = judged(got["p99_vs_control"], 2, got["p99_met"], "x")
        print(
            f"  {name:<26} {got['rps']:8.1f} {got['per_core']:9.1f}  {vs_control:<27}"
            f" {cores:<12} {scaling:<15} {p99:<15} {got['errors']}",
            flush=True,
        )


def verdict(met: bool) -> str:
    return "ok" if met else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
