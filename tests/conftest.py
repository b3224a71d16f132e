import os
import socket

import pytest

from .combinations import TEMPLATE_ROOT


def pytest_configure(config: pytest.Config) -> None:
    # pytest-copie renders from --template (default "."): pin it to this repository.
    if config.option.template == ".":
        config.option.template = str(TEMPLATE_ROOT)


@pytest.fixture
def project_env() -> dict[str, str]:
    """The environment a user's shell would have: none of this repository's venv or database.
    Nor PYTHONDONTWRITEBYTECODE (set on CI machines): a suite starts dozens of CLI, server and
    worker processes, and each would compile the project's modules from source again."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in (
            "VIRTUAL_ENV",
            "DATABASE_URL",
            "APP_DB_USER",
            "APP_DB_PASSWORD",
            "PYTHONDONTWRITEBYTECODE",
        )
        and not key.startswith(("PYTEST_", "UV_PROJECT"))
    }
    env["PATH"] = os.pathsep.join(
        part for part in env.get("PATH", "").split(os.pathsep) if ".venv" not in part
    )
    return env


@pytest.fixture
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pytest_terminal_summary(terminalreporter) -> None:
    reports = terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
    timings = [
        (report.nodeid.split("[", 1)[-1].rstrip("]"), dict(report.user_properties))
        for report in reports
        if report.when == "call" and any(key == "seconds" for key, _ in report.user_properties)
    ]
    if not timings:
        return
    terminalreporter.section("time per combination")
    for name, props in sorted(timings):
        steps = ", ".join(f"{key} {value:.1f}s" for key, value in props.items() if key != "seconds")
        terminalreporter.write_line(f"{props['seconds']:6.1f}s  {name}  ({steps})")
