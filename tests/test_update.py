"""The way back: copier update and recopy on generated projects.

The template versions are made in throw-away clones of this repository (TemplateClone), tagged
there, never in the real repository.
"""

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import copier
import pytest
import yaml

from .combinations import (
    TEMPLATE_ROOT,
    accepted_combinations,
    choice_values,
    combination_id,
    questions,
)
from .template_repo import TemplateClone, commit_everything, git
from .test_matrix import run, run_project_tests
from .test_wizard import run_wizard

OLD, NEW = "v1.0.0", "v2.0.0"

# An answer that adds files and settings, away from its default (a single constant, to switch):
# recopy changes the default to it; an update with --data changes it back.
CHANGED_ANSWER = ("rate_limit_storage", "redis")
# The question the `_migrations` test renames between two template versions: (old, new).
RENAMED_QUESTION = ("python_version", "runtime_python")

# ── the template improvement between OLD and NEW ─────────────────────────────
# Why not a real earlier commit of this repository as OLD: whether the update then conflicts
# with the simulated user's edits would depend on what future template commits happen to
# touch (a legitimate conflict, not a broken update path). So OLD is the template as it is
# now and NEW adds a change to the very files the user edits, away from the user's lines:
# deterministic, and still a real three-way merge in files both sides changed.
IMPROVEMENT_NOTE = "# Improved in template v2.0.0: see CHANGELOG.md."
CHANGELOG = "# Changelog\n\n## 2.0.0\n\n- A note at the top of orders/api.py and settings.py.\n"


def with_note(source: str) -> str:
    """The note on the first line the file renders: after the Jinja statements it opens with
    (an import of shared macros), which render nothing."""
    lines = source.splitlines(keepends=True)
    head = 0
    while head < len(lines) and lines[head].startswith("{%") and lines[head].rstrip()[-2:] == "%}":
        head += 1
    return "".join(lines[:head]) + f"{IMPROVEMENT_NOTE}\n" + "".join(lines[head:])


def improve_template(root: Path) -> None:
    improved = [
        *root.glob("template/src/*/orders/*api.py*"),
        *root.glob("template/src/*/settings.py*"),
    ]
    assert len(improved) > len(choice_values(questions()["framework"])), improved
    for path in improved:
        path.write_text(with_note(path.read_text()))
    (root / "template" / "CHANGELOG.md").write_text(CHANGELOG)


# ── what a user does to the rendered project ─────────────────────────────────


@dataclass(frozen=True)
class UserEdit:
    endpoint: str  # appended to orders/api.py, with the framework's own router
    test: str  # the user's own test of it and of the changed setting (PACKAGE filled in)


USER_EDITS = {
    "fastapi": UserEdit(
        endpoint="""

@router.get("/reports/summary")
def orders_summary() -> dict:
    return {"report": "summary", "version": 1}
""",
        test="""from PACKAGE.orders.api import orders_summary, router
from PACKAGE.settings import Settings


def test_orders_summary():
    assert "/api/orders/reports/summary" in {route.path for route in router.routes}
    assert orders_summary() == {"report": "summary", "version": 1}
    assert Settings.model_fields["tenant_cache_ttl"].default == 30.0
""",
    ),
    "flask": UserEdit(
        endpoint="""

@blueprint.get("/reports/summary")
def orders_summary():
    return {"report": "summary", "version": 1}
""",
        test="""from PACKAGE.orders.api import orders_summary
from PACKAGE.settings import Settings
from PACKAGE.web.app import create_app


def test_orders_summary():
    rules = {rule.rule for rule in create_app().url_map.iter_rules()}
    assert "/api/orders/reports/summary" in rules
    assert orders_summary() == {"report": "summary", "version": 1}
    assert Settings.model_fields["tenant_cache_ttl"].default == 30.0
""",
    ),
    "django": UserEdit(
        endpoint="""

def orders_summary(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"report": "summary", "version": 1})


urlpatterns += [path("api/orders/reports/summary", orders_summary)]
""",
        test="""import json

from django.urls import resolve

from PACKAGE.orders.api import orders_summary
from PACKAGE.settings import Settings


def test_orders_summary():
    assert resolve("/api/orders/reports/summary").func is orders_summary
    assert json.loads(orders_summary(None).content) == {"report": "summary", "version": 1}
    assert Settings.model_fields["tenant_cache_ttl"].default == 30.0
""",
    ),
}
# "Change a setting": the user caches tenants for 30 s instead of the template's default.
CACHE_TTL_DEFAULT = re.compile(r"(tenant_cache_ttl: float = Field\(default=)[\d.]+")


def user_edited_files(project: Path, package: str) -> tuple[Path, Path, Path]:
    """orders/api.py and settings.py, which the user edits, and the user's own test."""
    source = project / "src" / package
    user_test = project / "tests" / "test_reports.py"
    return source / "orders" / "api.py", source / "settings.py", user_test


def edit_like_a_user(project: Path, package: str, framework: str) -> str:
    """The user's edits (not committed): an endpoint appended to orders/api.py, the tenant cache
    TTL changed to 30 s in settings.py, and a test of both. Returns settings.py as changed."""
    api, settings, user_test = user_edited_files(project, package)
    user_edit = USER_EDITS[framework]
    api.write_text(api.read_text() + user_edit.endpoint)
    changed_settings, changes = CACHE_TTL_DEFAULT.subn(r"\g<1>30.0", settings.read_text())
    assert changes == 1, f"{settings} no longer has the default this test changes"
    settings.write_text(changed_settings)
    user_test.write_text(user_edit.test.replace("PACKAGE", package))
    return changed_settings


def one_combination_per_framework() -> list[dict]:
    """For each framework in copier.yml, one accepted combination, each with another orm."""
    frameworks = choice_values(questions()["framework"])
    chosen = []
    for index, framework in enumerate(frameworks):
        own = [answers for answers in accepted_combinations() if answers["framework"] == framework]
        chosen.append(own[index % len(own)])
    return chosen


# ── helpers ──────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory) -> Path:
    clone = TemplateClone(tmp_path_factory.mktemp("releases") / "tenant-template")
    clone.release(OLD)
    clone.change("Template improvement for the update tests", improve_template)
    clone.release(NEW)
    return clone.path


def wizard(*arguments: object) -> subprocess.CompletedProcess:
    return run_wizard(*arguments, timeout=300)  # an update re-renders the whole project


def render_committed(template: Path, project: Path, answers: dict, version: str) -> dict:
    """A project rendered at `version` and committed to its own git repository, as a user
    starts one. Returns its answers file."""
    data = [flag for key, value in answers.items() for flag in ("--data", f"{key}={value}")]
    done = wizard("new", project, "--template", template, "--vcs-ref", version, "--defaults", *data)
    assert done.returncode == 0, done.stderr
    git(project, "init", "--quiet")
    commit_everything(project, "Rendered from tenant-template")
    return read_answers(project)


def assert_merged_without_conflicts(project: Path) -> None:
    """No rejected hunk, no conflict marker, nothing unmerged in git's index."""
    files = project_files(project)
    assert [name for name in files if name.endswith(".rej")] == [], "rejected hunks"
    marked = [name for name, text in files.items() if re.search(rb"^(<{7}|>{7}) ", text, re.M)]
    assert marked == [], "conflict markers"
    assert git(project, "ls-files", "--unmerged") == "", "unmerged in git's index"


def read_answers(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def project_files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


# ── the answers file ─────────────────────────────────────────────────────────


def test_answers_file_is_rendered_by_copier_and_holds_no_secrets(two_releases, tmp_path):
    answers_template = TEMPLATE_ROOT / "template" / "{{ _copier_conf.answers_file }}.jinja"
    # copier's own answers template: the answers copier chose to remember, nothing added.
    assert re.fullmatch(
        r"#[^\n]*\n\{\{ *_copier_answers *\| *to_nice_yaml *-?\}\}\n?", answers_template.read_text()
    )

    answers = render_committed(two_releases, tmp_path / "project", {}, OLD)

    secret = {key for key, question in questions().items() if question.get("secret")}
    assert set(answers) == {"_commit", "_src_path"} | (set(questions()) - secret)
    assert answers["_commit"] == OLD
    assert answers["_src_path"] == str(two_releases)
    looks_secret = re.compile(r"pass|secret|token|key|credential", re.IGNORECASE)
    assert not [key for key in answers if looks_secret.search(key)]


# ── `_migrations`: a renamed question keeps its answer ───────────────────────


def rename_question(root: Path) -> None:
    old, new = RENAMED_QUESTION
    word = re.compile(rf"\b{old}\b")
    for path in [root / "copier.yml", *(root / "template").rglob("*")]:
        if path.is_file() and word.search(text := path.read_text()):
            path.write_text(word.sub(new, text))
    migration = f"""
_migrations:
  - version: {NEW}
    when: "{{{{ _stage == 'before' }}}}"
    command:
      - "{{{{ _copier_python }}}}"
      - "{{{{ _copier_conf.src_path }}}}/hooks/rename_answer.py"
      - "{{{{ _copier_conf.answers_file }}}}"
      - {old}
      - {new}
"""
    with (root / "copier.yml").open("a") as config:
        config.write(migration)


def test_migration_carries_a_renamed_answer_forward(tmp_path):
    old, new = RENAMED_QUESTION
    question = questions()[old]
    kept = next(value for value in choice_values(question) if value != question["default"])
    clone = TemplateClone(tmp_path / "tenant-template")
    clone.release(OLD)
    project = tmp_path / "project"
    render_committed(clone.path, project, {old: kept}, OLD)

    clone.change(f"Rename the question {old} to {new}", rename_question)
    clone.release(NEW)
    # Plain copier, as a user without the wizard runs it.
    done = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--trust", "--defaults", "--vcs-ref", NEW],
        cwd=project, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    answers = read_answers(project)
    assert answers["_commit"] == NEW
    assert old not in answers
    assert answers[new] == kept  # not the default: the migration carried the answer over
    assert f"'{old}' is now '{new}'" in done.stderr
    # And the files rendered from it agree (.python-version holds the answer as it is).
    rendered = (project / ".python-version").read_text().strip()
    assert rendered == kept


# ── the real update path ─────────────────────────────────────────────────────


@pytest.mark.parametrize("answers", one_combination_per_framework(), ids=combination_id)
def test_update_brings_the_template_change_and_keeps_the_users_edits(
    two_releases, tmp_path, answers, project_env
):
    project = tmp_path / "project"
    package = render_committed(two_releases, project, answers, OLD)["package_name"]
    user_edit = USER_EDITS[answers["framework"]]
    api, settings, user_test = user_edited_files(project, package)
    changed_settings = edit_like_a_user(project, package, answers["framework"])
    commit_everything(project, "Orders summary endpoint; cache tenants for 30 s")

    done = wizard("update", project)
    assert done.returncode == 0, done.stderr
    assert f"from template {OLD} to {NEW}" in done.stdout

    assert read_answers(project)["_commit"] == NEW
    assert (project / "CHANGELOG.md").read_text() == CHANGELOG  # the template's change...
    assert api.read_text().startswith(IMPROVEMENT_NOTE + "\n")
    assert settings.read_text().startswith(IMPROVEMENT_NOTE + "\n")
    assert api.read_text().endswith(user_edit.endpoint)  # ...and the user's, together
    assert settings.read_text() == f"{IMPROVEMENT_NOTE}\n{changed_settings}"
    assert user_test.read_text() == user_edit.test.replace("PACKAGE", package)
    assert_merged_without_conflicts(project)

    run(["uv", "sync", "--compile-bytecode"], project, project_env)
    tests = run_project_tests(project, project_env, "-v")
    assert "tests/test_reports.py::test_orders_summary PASSED" in tests


# ── the update across issue 12's restructure ─────────────────────────────────
# Issue 12 moves, renames and merges the tenancy package's files. A project rendered before it
# must update to the template as it is now. OLD is the very commit the restructure starts from
# (not a simulated version as above): while HEAD is that commit, this is an update with only the
# user's edits; after the restructure, the real move of files under the user's edits.
RESTRUCTURE_START = "a670254b8a343d00fcb2b0e8fd82f1b4589b3de8"


def one_combination_per_isolation() -> list[dict]:
    """For each isolation in copier.yml, one accepted combination: the frameworks in turn, and
    for each the data layer at the same turn among those it accepts with that isolation."""
    frameworks = choice_values(questions()["framework"])
    chosen = []
    for index, isolation in enumerate(choice_values(questions()["isolation"])):
        framework = frameworks[index % len(frameworks)]
        own = [
            answers
            for answers in accepted_combinations()
            if answers["framework"] == framework and answers["isolation"] == isolation
        ]
        chosen.append(own[index % len(own)])
    return chosen


def test_one_combination_per_isolation_covers_the_stack():
    chosen = one_combination_per_isolation()
    assert [answers["isolation"] for answers in chosen] == choice_values(questions()["isolation"])
    assert {answers["framework"] for answers in chosen} == set(
        choice_values(questions()["framework"])
    )
    assert len({answers["orm"] for answers in chosen}) >= 2
    # A data layer only one framework accepts (the Django ORM) is among them.
    accepted_by = {
        orm: {answers["framework"] for answers in accepted_combinations() if answers["orm"] == orm}
        for orm in choice_values(questions()["orm"])
    }
    assert [answers for answers in chosen if len(accepted_by[answers["orm"]]) == 1]


@pytest.fixture(scope="module")
def restructure_releases(tmp_path_factory) -> Path:
    """OLD: the template at RESTRUCTURE_START; NEW: the template as the tests found it."""
    clone = TemplateClone(tmp_path_factory.mktemp("restructure") / "tenant-template")
    if not clone.has_commit(RESTRUCTURE_START):
        pytest.fail(
            f"the update test renders at commit {RESTRUCTURE_START} (where issue 12's restructure "
            f"starts), which this repository's history does not hold: a shallow clone? Run "
            f"`git fetch --unshallow` (or fetch {RESTRUCTURE_START}) and try again.",
            pytrace=False,
        )
    clone.release(OLD, RESTRUCTURE_START)
    clone.release(NEW)
    return clone.path


@pytest.mark.parametrize("answers", one_combination_per_isolation(), ids=combination_id)
def test_update_from_the_restructure_start_keeps_the_users_edits(
    restructure_releases, tmp_path, answers, project_env
):
    project = tmp_path / "project"
    package = render_committed(restructure_releases, project, answers, OLD)["package_name"]
    api, settings, user_test = user_edited_files(project, package)
    user_edit = USER_EDITS[answers["framework"]]
    edit_like_a_user(project, package, answers["framework"])
    commit_everything(project, "Orders summary endpoint; cache tenants for 30 s")

    # Plain copier, as the wizard runs it.
    copier.run_update(project, vcs_ref=NEW, defaults=True, overwrite=True, unsafe=True, quiet=True)

    assert read_answers(project)["_commit"] == NEW
    assert_merged_without_conflicts(project)
    # copier deletes a file the new template no longer renders, the user's edits in it too
    # (they are left only in git history): a moved orders/api.py or settings.py loses them.
    lost = [str(path.relative_to(project)) for path in (api, settings) if not path.is_file()]
    assert lost == [], "edited by the user, deleted by the update"
    assert api.read_text().endswith(user_edit.endpoint)
    assert CACHE_TTL_DEFAULT.search(settings.read_text())[0].endswith("=30.0")
    assert user_test.read_text() == user_edit.test.replace("PACKAGE", package)
    # Exactly what a fresh render of NEW with the same edits holds: no file NEW no longer
    # renders is left behind, none it renders is missing, every other file is NEW's.
    fresh = tmp_path / "fresh"
    render_committed(restructure_releases, fresh, answers, NEW)
    edit_like_a_user(fresh, package, answers["framework"])
    updated, expected = project_files(project), project_files(fresh)
    assert sorted(set(updated) - set(expected)) == [], "left behind by the update"
    assert sorted(set(expected) - set(updated)) == [], "missing after the update"
    assert [name for name in expected if updated[name] != expected[name]] == [], "not as NEW"

    # Every other file is a fresh render's, whose whole suite the matrix runs: here, the user's.
    run(["uv", "sync", "--compile-bytecode"], project, project_env)
    tests = run_project_tests(project, project_env, "-v", "tests/test_reports.py")
    assert "tests/test_reports.py::test_orders_summary PASSED" in tests


@pytest.mark.parametrize("problem", ["uncommitted changes", "not a git repository", "not copier"])
def test_update_refuses_in_one_line(two_releases, tmp_path, problem):
    project = tmp_path / "project"
    if problem == "not copier":
        project.mkdir()
        git(project, "init", "--quiet")
        expected = "is not a project rendered by copier"
    else:
        render_committed(two_releases, project, {}, OLD)
        if problem == "uncommitted changes":
            (project / "README.md").write_text("my own notes\n")
            expected = "has uncommitted changes: commit or stash them first"
        else:
            shutil.rmtree(project / ".git")
            expected = "is not a git repository"
    before = project_files(project)

    done = wizard("update", project)

    assert done.returncode == 1
    [message] = done.stderr.splitlines()
    assert expected in message
    assert project_files(project) == before


# ── recopy ───────────────────────────────────────────────────────────────────


def test_recopy_with_a_changed_answer_equals_a_fresh_copy(two_releases, tmp_path):
    key, value = CHANGED_ANSWER
    question = questions()[key]
    assert value in choice_values(question) and value != question["default"]
    project = tmp_path / "project"
    assert render_committed(two_releases, project, {}, OLD)[key] == question["default"]

    copier.run_recopy(
        project, data={key: value}, defaults=True, overwrite=True, unsafe=True, quiet=True,
        vcs_ref=copier.VcsRef.CURRENT,  # the project's own template version, not the latest
    )  # fmt: skip
    fresh = tmp_path / "fresh"
    copier.run_copy(
        str(two_releases), fresh, data={key: value}, defaults=True, unsafe=True, quiet=True,
        vcs_ref=OLD,
    )  # fmt: skip

    assert read_answers(project)[key] == value
    assert project_files(project) == project_files(fresh)


def test_update_with_a_changed_answer_equals_a_fresh_copy(two_releases, tmp_path):
    """The other direction, where recopy would leave the old answer's files behind: an update
    removes what the new answer no longer renders."""
    key, value = CHANGED_ANSWER
    default = questions()[key]["default"]
    project = tmp_path / "project"
    render_committed(two_releases, project, {key: value}, OLD)

    done = wizard("update", project, "--vcs-ref", OLD, "--data", f"{key}={default}")
    assert done.returncode == 0, done.stderr

    fresh = tmp_path / "fresh"
    render_committed(two_releases, fresh, {}, OLD)
    assert read_answers(project)[key] == default
    assert project_files(project) == project_files(fresh)
