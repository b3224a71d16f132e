"""What every benchmark does first: render this repository's template and install the project."""

import os
import subprocess
import warnings
from pathlib import Path

import copier
import yaml

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
# The project runs in its own environment on its own embedded PostgreSQL, never on the
# database or virtualenv of the shell that started the benchmark.
FOREIGN = ("VIRTUAL_ENV", "DATABASE_URL", "APP_DB_USER", "APP_DB_PASSWORD")


def render_and_install(
    project: Path, answers: dict[str, str], vcs_ref: str
) -> tuple[dict[str, str], dict]:
    """Render the template at `vcs_ref` into `project` and install it; the environment to run
    it in, and its answers (`.copier-answers.yml`)."""
    # Uncommitted template changes are rendered on purpose (as the tests do): no warning.
    warnings.filterwarnings("ignore", category=copier.errors.DirtyLocalWarning)
    copier.run_copy(
        str(TEMPLATE_ROOT),
        str(project),
        data=answers,
        defaults=True,
        quiet=True,
        unsafe=True,
        vcs_ref=vcs_ref,
    )
    env = {key: value for key, value in os.environ.items() if key not in FOREIGN}
    # Installed as the project's Dockerfile installs it, packages compiled to bytecode: the
    # figures are then start-up as deployed, not Python compiling the dependencies (which it
    # redoes at every start where PYTHONDONTWRITEBYTECODE is set).
    sync = ["uv", "sync", "--quiet", "--compile-bytecode"]
    subprocess.run(sync, cwd=project, env=env, check=True)
    return env, yaml.safe_load((project / ".copier-answers.yml").read_text())
