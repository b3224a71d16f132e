"""The fleet benchmark runs end to end on a tiny fleet and prints every figure.

Nothing is timed here: the figures depend on the machine (see the README's Benchmarks).
"""

import subprocess
import sys

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


def test_fleet_benchmark_prints_its_figures(tmp_path, project_env):
    benchmark = TEMPLATE_ROOT / "benchmarks" / "fleet.py"
    done = subprocess.run(
        [sys.executable, str(benchmark), "--tenants", "3", "--keep", str(tmp_path / "fleet")],
        env=project_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for figure in FIGURES:
        assert figure in done.stdout, done.stdout
