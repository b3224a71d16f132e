"""copier.yml: every question is documented, and wrong answers are refused naming the question."""

import subprocess
import sys

import pytest
import yaml

from .combinations import TEMPLATE_ROOT, questions


def copier_copy(destination, *data: str) -> subprocess.CompletedProcess:
    arguments = [arg for item in data for arg in ("--data", item)]
    return subprocess.run(
        [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--vcs-ref", "HEAD",
         *arguments, str(TEMPLATE_ROOT), str(destination)],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


def test_every_question_has_a_type_and_a_one_line_help():
    for key, question in questions().items():
        assert question.get("type"), f"{key} has no type"
        help_text = question.get("help", "")
        assert help_text and "\n" not in help_text.strip(), f"{key} needs a one-line help"


@pytest.mark.parametrize(
    ("data", "question", "reason"),
    [
        (["framework=flask", "orm=django"], "orm", "needs framework=django"),
        (["framework=fastapi", "orm=django"], "orm", "needs framework=django"),
        (["framework=rails"], "framework", "rails"),
        (["isolation=none"], "isolation", "none"),
        (["python_version=3.9"], "python_version", "3.9"),
        (["rate_limit_storage=memcached"], "rate_limit_storage", "memcached"),
        (["project_name=My API"], "project_name", "lowercase"),
        (["project_name=-api"], "project_name", "lowercase"),
        (["package_name=class"], "package_name", "keyword"),
        (["package_name=1api"], "package_name", "identifier"),
        (["package_name=my-api"], "package_name", "identifier"),
    ],
    ids=lambda value: value if isinstance(value, str) else "+".join(value),
)
def test_wrong_answer_is_refused_naming_the_question(tmp_path, data, question, reason):
    destination = tmp_path / "project"

    done = copier_copy(destination, *data)

    assert done.returncode != 0
    # copier's CLI prints a traceback before it; its last line is the refusal itself.
    refusal = done.stderr.strip().splitlines()[-1]
    assert f"'{question}'" in refusal
    assert reason in refusal
    assert not destination.exists() or not any(destination.iterdir())


@pytest.mark.parametrize(
    "data",
    [
        ["framework=django", "orm=django", "isolation=schema"],
        ["framework=django", "orm=django", "isolation=database"],
    ],
    ids="+".join,
)
def test_stack_once_refused_is_accepted(tmp_path, data):
    destination = tmp_path / "project"

    done = copier_copy(destination, *data)

    assert done.returncode == 0, done.stderr
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text())
    assert [f"{key}={answers[key]}" for key in ("framework", "orm", "isolation")] == data


def test_defaults_render_a_documented_project(tmp_path):
    destination = tmp_path / "project"
    done = copier_copy(destination, "project_name=acme-api")
    assert done.returncode == 0, done.stderr

    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text())
    assert answers["package_name"] == "acme_api"
    assert answers["_src_path"]
    assert not any("password" in key or "secret" in key for key in answers)
    assert (destination / "src/acme_api/tenancy/isolation.py").is_file()

    readme = (destination / "README.md").read_text()
    assert "uv run acme-api serve" in readme and "uv run pytest" in readme


def test_compose_and_dockerfile_hold_together(tmp_path):
    """No Docker engine here: check the files statically."""
    destination = tmp_path / "project"
    assert copier_copy(destination, "python_version=3.12").returncode == 0

    compose = yaml.safe_load((destination / "compose.yaml").read_text())["services"]
    assert "healthcheck" in compose["db"]
    assert compose["api"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert compose["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert compose["api"]["environment"]["DATABASE_URL"].startswith("postgresql://")

    dockerfile = (destination / "Dockerfile").read_text()
    assert dockerfile.count("\nFROM ") + dockerfile.startswith("FROM ") >= 2  # multi-stage
    assert "FROM python:3.12-slim" in dockerfile
    assert "\nUSER app" in dockerfile
    assert 'requires-python = ">=3.12"' in (destination / "pyproject.toml").read_text()


def test_redis_and_jwt_reach_compose_and_ci(tmp_path):
    destination = tmp_path / "project"
    chosen = ('tenant_resolvers=["jwt", "subdomain"]', "rate_limit_storage=redis")
    assert copier_copy(destination, *chosen).returncode == 0

    compose = yaml.safe_load((destination / "compose.yaml").read_text())["services"]
    assert compose["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert compose["api"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert compose["api"]["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert compose["api"]["environment"]["JWT_SECRET"].startswith("${JWT_SECRET:?")
    ci = yaml.safe_load((destination / ".github/workflows/ci.yml").read_text())
    assert ci["jobs"]["test"]["services"]["redis"]["image"].startswith("redis:")
    assert "limits[redis]" in (destination / "pyproject.toml").read_text()


def test_no_rate_limiting_renders_no_rate_limit_code(tmp_path):
    destination = tmp_path / "project"
    assert copier_copy(destination, "rate_limit_storage=none").returncode == 0

    sources = [path for path in destination.rglob("*") if path.is_file()]
    mentions = [
        str(path.relative_to(destination))
        for path in sources
        if any(word in path.read_text().lower() for word in ("ratelimit", "rate_limit", "limits"))
        and path.name != ".copier-answers.yml"
    ]
    assert mentions == []
    compose = yaml.safe_load((destination / "compose.yaml").read_text())["services"]
    assert "redis" not in compose


def test_the_api_reaches_postgresql_through_pgbouncer(tmp_path):
    """The API's connections go through PgBouncer in transaction mode; migrations go direct."""
    destination = tmp_path / "project"
    assert copier_copy(destination, "isolation=database").returncode == 0

    compose = yaml.safe_load((destination / "compose.yaml").read_text())
    services = compose["services"]
    bouncer = services["pgbouncer"]
    assert ":" in bouncer["image"] and not bouncer["image"].endswith(":latest")  # pinned
    assert "healthcheck" in bouncer
    assert bouncer["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["api"]["depends_on"]["pgbouncer"]["condition"] == "service_healthy"
    ini = compose["configs"]["pgbouncer-ini"]["content"].splitlines()
    assert "pool_mode = transaction" in ini
    assert "* = host=db port=5432" in ini  # every database name, tenant databases too
    api, migrate = services["api"]["environment"], services["migrate"]["environment"]
    assert (api["APP_DB_HOST"], api["APP_DB_PORT"]) == ("pgbouncer", "6432")
    assert "APP_DB_HOST" not in migrate and "@db:5432/" in migrate["DATABASE_URL"]
    users = compose["configs"]["pgbouncer-users"]["content"]
    assert users.startswith(f'"{api["APP_DB_USER"]}" ')
