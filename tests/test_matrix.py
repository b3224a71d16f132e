"""Every combination copier accepts: rendered, linted, installed, tested, and served over HTTP."""

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path

import pytest

from .combinations import (
    accepted_combinations,
    answer_sample,
    combination_id,
)
from .pooler import run_behind_pgbouncer

JINJA_RESIDUE = re.compile(r"{{|{%|%}|{#")
# GitHub Actions expressions are legitimate `${{ }}`.
ALLOWED_RESIDUE = re.compile(r"\$\{\{[^}]*\}\}")
BINARY_SUFFIXES = {".pyc", ".png", ".ico"}


def run(command: list[str], cwd: Path, env: dict, timeout: int = 900) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def run_project_tests(project: Path, env: dict, *options: str) -> str:
    """The project's own suite. It gets its own --basetemp: a pytest session prunes the
    numbered temp folders of earlier ones, and this session's folder holds the project."""
    basetemp = ["--basetemp", str(project.parent / f"{project.name}-pytest-tmp")]
    command = ["uv", "run", "--frozen", "pytest", *options, "-p", "no:cacheprovider", *basetemp]
    return run(command, project, env)


def assert_no_jinja_residue(project: Path) -> None:
    leftovers = []
    for path in project.rglob("*"):
        if path.is_dir() or path.suffix in BINARY_SUFFIXES or ".git" in path.parts:
            continue
        assert not path.name.endswith(".jinja"), f"unrendered template file {path}"
        text = ALLOWED_RESIDUE.sub("", path.read_text())
        where = path.relative_to(project)
        leftovers += [f"{where}: {match}" for match in JINJA_RESIDUE.findall(text)]
    assert leftovers == []


def wait_for_health(url: str, server: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        assert server.poll() is None, f"serve exited early:\n{server.stdout.read()}"
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                assert json.load(reply) == {"status": "ok"}
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            # TimeoutError: a worker still starting on a loaded machine answered slowly; ask again
            time.sleep(0.3)
    pytest.fail("serve did not answer /health in time")


def request(
    url: str, headers: dict, body: dict | None = None, method: str | None = None
) -> tuple[int, object, Message]:
    """Status, JSON body and (case-insensitive) headers of one real HTTP request."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as reply:
            return reply.status, json.load(reply), reply.headers
    except urllib.error.HTTPError as error:
        return error.code, json.load(error), error.headers


class Probe:
    """Names tenants the way the project's first resolver expects, over real HTTP."""

    def __init__(self, project: Path, env: dict, port: int, answers: dict) -> None:
        self.project, self.env, self.port = project, env, port
        self.cli = answers["project_name"]
        resolvers = answers["tenant_resolvers"]
        self.resolver = next(r for r in ("header", "jwt", "subdomain") if r in resolvers)
        self.url = f"http://127.0.0.1:{port}/api/orders"

    def command(self, *args: str) -> str:
        return run(["uv", "run", "--frozen", self.cli, *args], self.project, self.env)

    def naming(self, tenant: str) -> dict:
        if self.resolver == "header":
            return {"X-Tenant-ID": tenant}
        if self.resolver == "jwt":
            return {"Authorization": f"Bearer {self.command('tenants', 'token', tenant).strip()}"}
        return {"Host": f"{tenant}.localhost:{self.port}"}

    def refusals(self) -> list[tuple[dict, int]]:
        """Requests that must be refused, and how, with this resolver."""
        if self.resolver == "header":
            return [({"X-Tenant-ID": "no-such-tenant"}, 403), ({"X-Tenant-ID": "Not A Slug!"}, 400)]
        if self.resolver == "jwt":
            return [({"Authorization": "Bearer not.a.token"}, 401), ({}, 400)]
        return [({"Host": f"no-such-tenant.localhost:{self.port}"}, 403), ({}, 400)]


@contextmanager
def served(project: Path, env: dict, port: int, answers: dict, workers: int = 2) -> Iterator[Probe]:
    """`serve` as a real process (`workers` workers) on the embedded PostgreSQL, answering
    /health; stopped with SIGTERM after the block, which it must survive cleanly (in-flight
    requests get gunicorn's 30 s, so the wait is longer)."""
    probe = Probe(project, env, port, answers)
    if answers["isolation"] == "database":
        # Set, MAX_DB_CONNECTIONS is per worker: two of them must fit in the server's 97.
        # That leaves each worker 2 tenant pools of 10 for 3 tenants: the LRU closes and
        # reopens pools all through the PgBouncer rounds, which is covered that way.
        env = {"MAX_DB_CONNECTIONS": "30", "DB_POOL_SIZE": "10", **env}
    server = subprocess.Popen(
        [
            "uv",
            "run",
            "--frozen",
            probe.cli,
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for_health(f"http://127.0.0.1:{port}/health", server, time.monotonic() + 120)
        yield probe
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=45)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode in (0, -signal.SIGTERM), server.stdout.read()


def serve_and_probe(project: Path, env: dict, port: int, answers: dict) -> None:
    """`serve` asked over real HTTP: a tenant, its orders, the refusals of its resolver."""
    with served(project, env, port, answers) as probe:
        created = probe.command("tenants", "create", "--name", "Probe")
        tenant_id = created.strip().splitlines()[-1]
        as_probe = probe.naming(tenant_id if probe.resolver == "header" else "probe")

        status, listed, headers = request(probe.url, as_probe)
        assert (status, listed) == (200, [])
        if answers["rate_limit_storage"] != "none":
            assert (headers["X-RateLimit-Limit"], headers["X-RateLimit-Remaining"]) == ("100", "99")
        else:
            assert "X-RateLimit-Limit" not in headers
        body = {"product": "Widget", "quantity": 2, "total": "49.95"}
        status, order, _ = request(probe.url, as_probe, body)
        assert status == 201
        assert order["total"] == "49.95"
        assert request(probe.url, as_probe)[:2] == (200, [order])
        for headers, expected in probe.refusals():
            status, error, _ = request(probe.url, headers)
            assert (status, "error" in error) == (expected, True), headers


def interpreter(version: str) -> str:
    """An interpreter for `version`: uv's own discovery, else pyenv's versions folder
    (uv cannot query pyenv's shims for versions that are not pyenv's global one)."""
    found = subprocess.run(
        ["uv", "python", "find", version], capture_output=True, text=True, check=False
    )
    if found.returncode == 0:
        return found.stdout.strip()
    pyenv_versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = sorted(pyenv_versions.glob(f"{version}.*/bin/python{version}"))
    assert candidates, f"no Python {version} on this machine"
    return str(candidates[-1])


@pytest.mark.parametrize(
    "answers",
    [*accepted_combinations(), *answer_sample()],
    ids=combination_id,
)
def test_combination(copie, answers, project_env, free_port, record_property):
    started = time.monotonic()

    def step(name: str, since: float) -> float:
        now = time.monotonic()
        record_property(name, now - since)
        return now

    result = copie.copy(extra_answers=answers)
    assert result.exit_code == 0, result.exception
    project = result.project_dir
    mark = step("render", started)

    assert_no_jinja_residue(project)
    ruff = shutil.which("ruff")
    run([ruff, "check", "."], project, project_env)
    run([ruff, "format", "--check", "."], project, project_env)
    mark = step("lint", mark)

    python = interpreter(result.answers["python_version"])
    # Bytecode compiled at install: where PYTHONDONTWRITEBYTECODE is set (as on CI machines)
    # every CLI, server and worker process the suite starts would otherwise compile each
    # library it imports from source again (`import my_api.cli`: 3.3 s instead of 1.5 s).
    run(["uv", "sync", "--compile-bytecode", "--python", python], project, project_env)
    mark = step("install", mark)

    run_project_tests(project, project_env, "-q")
    mark = step("tests", mark)

    serve_and_probe(project, project_env, free_port, result.answers)
    mark = step("serve", mark)

    run_behind_pgbouncer(project, project_env, free_port, result.answers, served, request)
    step("pgbouncer", mark)
    record_property("seconds", time.monotonic() - started)
