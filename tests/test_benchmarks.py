"""The fleet benchmark runs end to end on a tiny fleet and prints every figure.

Nothing is timed here: the figures depend on the machine (see the README's Benchmarks).
"""

import re
import subprocess
import sys

import pytest

from .combinations import TEMPLATE_ROOT

FIGURES = (
    "provisioning per tenant (schema), p50 / p90",
    "migrate --all-tenants, nothing pending, in process",
    "migrate --all-tenants, nothing pending, CLI",
    "one new migration, in process, --jobs 1",
    "one new migration, in process, --jobs 2",
    "one new migration, CLI, --jobs 1",
    "one new migration, CLI, --jobs 2",
)


def run_benchmark(script: str, *args: str, env: dict, timeout: int = 600) -> str:
    """benchmarks/SCRIPT ARGS run to completion (exit 0); what it printed."""
    done = subprocess.run(
        [sys.executable, str(TEMPLATE_ROOT / "benchmarks" / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


# One new migration is written as an Alembic revision or as a Django migration.
@pytest.mark.parametrize("framework,orm", [("flask", "psycopg"), ("django", "django")])
def test_fleet_benchmark_prints_its_figures(tmp_path, project_env, framework, orm):
    output = run_benchmark(
        "fleet.py",
        *("--tenants", "3", "--framework", framework, "--orm", orm),
        *("--keep", str(tmp_path / "fleet")),
        env=project_env,
    )
    for figure in FIGURES:
        assert figure in output, output


THROUGHPUT_FIGURES = (
    "round 1",
    "req/s",
    "p50 latency",
    "p99 latency",
    "app cores busy",
    "database cores busy",
    "req/s per app core",
    "req/s vs control",
    "req/s per app core vs control",
    "p99 vs control",
    "req/s, project on one worker",
    "req/s vs one worker",
    "req/s, control on one worker",
    "control vs its one worker",
    "non-2xx responses",
    "socket errors",
    "project and control list the same orders: 20 for a tenant",
    "summary (medians",
    "flask:psycopg:rls",
)


def test_throughput_benchmark_prints_its_figures(tmp_path, project_env):
    """The project and its untenanted control, served and loaded with wrk, on a tiny fleet,
    each also on one worker, each recorded by py-spy while it is measured."""
    profiles = tmp_path / "profiles"
    output = run_benchmark(
        "throughput.py",
        *("--combination", "flask:psycopg:rls", "--tenants", "2", "--orders", "20"),
        *("--rounds", "1", "--duration", "2", "--warmup", "1"),
        *("--keep", str(tmp_path / "throughput"), "--profile", str(profiles)),
        "--control-one-worker",
        env=project_env,
        timeout=300,
    )
    for figure in THROUGHPUT_FIGURES:
        assert figure in output, output
    for server in ("project", "control", "one-worker", "control-on-one-worker"):
        profile = profiles / "flask-psycopg-rls" / f"{server}-round1.txt"
        # Collapsed stacks: frames joined by ';', then the sample count.
        assert re.match(r"\S.*;.* \d+$", profile.read_text().splitlines()[0]), profile
        # Where the samples went, the busiest package first: a share of them each.
        name = server.replace("-", " ")
        assert re.search(rf"^    {name} profile \(.*\): \S+ \d+%", output, re.MULTILINE), output
