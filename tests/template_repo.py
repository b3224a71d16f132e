"""Throw-away git clones of this template repository, where tests tag versions and make
template changes without touching the real repository."""

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from .combinations import TEMPLATE_ROOT

# What copier reads from the template repository (wizard/ and tests/ are not the template).
TEMPLATE_PARTS = ("copier.yml", "template", "hooks")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "template tests",
    "GIT_AUTHOR_EMAIL": "template-tests@example.invalid",
    "GIT_COMMITTER_NAME": "template tests",
    "GIT_COMMITTER_EMAIL": "template-tests@example.invalid",
}


def git(cwd: Path, *arguments: str) -> str:
    done = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *arguments],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"git {' '.join(arguments)} failed:\n{done.stderr}"
    return done.stdout


def commit_everything(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)


class TemplateClone:
    """A clone of this repository whose last commit holds the template's current files,
    uncommitted work included (the tests test the working tree, as `--vcs-ref HEAD` does)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # No tags from the real repository: the tests' own tags are the only versions.
        git(path.parent, "clone", "--quiet", "--no-tags", str(TEMPLATE_ROOT), str(path))
        for part in TEMPLATE_PARTS:
            target, source = self.path / part, TEMPLATE_ROOT / part
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            elif source.is_file():
                shutil.copy2(source, target)
        commit_everything(self.path, "The template as the tests found it")

    def release(self, tag: str, commit: str = "HEAD") -> None:
        """Tag `commit` (the clone's last commit unless told) as the release `tag`."""
        git(self.path, "tag", tag, commit)

    def has_commit(self, commit: str) -> bool:
        """Whether the clone's history holds `commit` (a shallow clone may not)."""
        found = subprocess.run(
            ["git", "cat-file", "-e", f"{commit}^{{commit}}"],
            cwd=self.path,
            capture_output=True,
            check=False,
        )
        return found.returncode == 0

    def change(self, message: str, edit: Callable[[Path], None]) -> None:
        """A new template commit: `edit` changes files under the clone's root."""
        edit(self.path)
        commit_everything(self.path, message)
