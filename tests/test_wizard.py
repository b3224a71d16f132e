"""tenant-wizard new: the installed console script, driven in a real pseudo-terminal (keys,
arrows, Ctrl-C) and without a terminal (flags only), against copier.yml as it is and against a
copy with a question the wizard has never seen."""

import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pexpect
import pytest
import yaml

from .combinations import TEMPLATE_ROOT, choice_values, questions
from .template_repo import TemplateClone

WIZARD = str(Path(sys.executable).with_name("tenant-wizard"))
RELEASE = "v1.0.0"

# A question as the wizard shows it: "? name — help", with colour codes between the parts.
QUESTION = re.compile(r"\?(?:\x1b\[[\d;]*m)* (\w+) — ")
CONFIRMATION = re.compile(r"Render this project\?")
DOWN, ENTER, SPACE, CTRL_C, CLEAR_LINE = "\x1b[B", "\r", " ", "\x03", "\x15"

# Keys for one question, or a function that talks to the wizard itself.
Step = str | Callable[[pexpect.spawn], None]

NEW_QUESTION = """
support_email:
  type: str
  help: Where tenants write for support
  default: "support@{{ project_name }}.example"
  validator: "{% if '@' not in support_email %}support_email must be an email address{% endif %}"
"""


@pytest.fixture(scope="module")
def released_template(tmp_path_factory) -> Path:
    """The template in a clean, tagged git clone: what users render from (and no warning
    about uncommitted template changes in the wizard's output)."""
    clone = TemplateClone(tmp_path_factory.mktemp("template") / "tenant-template")
    clone.release(RELEASE)
    return clone.path


def template_copy(destination: Path, extra_config: str) -> Path:
    """copier.yml and template/ in a plain folder, with `extra_config` appended to copier.yml."""
    shutil.copytree(TEMPLATE_ROOT / "template", destination / "template")
    config = (TEMPLATE_ROOT / "copier.yml").read_text()
    (destination / "copier.yml").write_text(config.rstrip("\n") + "\n" + extra_config)
    return destination


def spawn_wizard(*arguments: object) -> pexpect.spawn:
    env = {**os.environ, "TERM": "xterm-256color"}  # CI may have TERM unset or dumb
    wizard = pexpect.spawn(
        WIZARD,
        [str(argument) for argument in arguments],
        env=env,
        encoding="utf-8",
        dimensions=(60, 250),  # wide enough that no help text wraps
        timeout=60,
    )
    wizard.logfile_read = io.StringIO()  # everything the wizard showed, for assertions
    return wizard


def expect(wizard: pexpect.spawn, *patterns: str | re.Pattern | type) -> int:
    """pexpect's expect (index of the pattern seen first), answering the terminal's part too:
    prompt_toolkit asks where the cursor is before drawing a prompt, to know the room below it
    (for validation messages); unanswered, it waits and then draws without that room."""
    cursor_position_request = re.compile(re.escape("\x1b[6n"))
    wanted = [re.compile(re.escape(p)) if isinstance(p, str) else p for p in patterns]
    while (index := wizard.expect([cursor_position_request, *wanted])) == 0:
        wizard.send("\x1b[1;1R")  # "row 1, column 1": the whole screen below is free
    return index - 1


def transcript(wizard: pexpect.spawn) -> str:
    return wizard.logfile_read.getvalue()


def answer_questions(wizard: pexpect.spawn, script: dict[str, Step]) -> list[str]:
    """Answer each question as it appears, with its step from `script`, else Enter (the
    default), up to the confirmation (or the wizard's exit). Returns the names asked, in order."""
    asked: list[str] = []
    while expect(wizard, QUESTION, CONFIRMATION, pexpect.EOF) == 0:
        name = wizard.match.group(1)
        if name in asked:  # the prompt redrawn after a key, or its answered line
            continue
        asked.append(name)
        step = script.get(name, ENTER)
        if callable(step):
            step(wizard)
        else:
            wizard.send(step)
    return asked


def finish(wizard: pexpect.spawn) -> int:
    expect(wizard, pexpect.EOF)
    wizard.close()
    return wizard.exitstatus


def run_wizard(*arguments: object, timeout: int = 120) -> subprocess.CompletedProcess:
    """Without a terminal: stdin is /dev/null, as in CI or a script."""
    return subprocess.run(
        [WIZARD, *map(str, arguments)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def rendered_answers(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def arrows_to(question: str, value: str) -> str:
    """Down-arrow presses from the question's default to `value`, in copier.yml's order."""
    values = choice_values(questions()[question])
    return DOWN * (values.index(value) - values.index(questions()[question]["default"]))


# ── in a terminal ────────────────────────────────────────────────────────────


def test_terminal_asks_every_question_with_help_and_refuses_disabled_choices(
    released_template, tmp_path
):
    destination = tmp_path / "shop-api"
    python_version = choice_values(questions()["python_version"])[-1]
    orm_values = choice_values(questions()["orm"])
    enabled_orms = [value for value in orm_values if value != "django"]
    # Three presses down from the default, skipping the disabled Django ORM (the list wraps).
    start = enabled_orms.index(questions()["orm"]["default"])
    expected_orm = enabled_orms[(start + 3) % len(enabled_orms)]
    assert expected_orm != orm_values[(start + 3) % len(orm_values)], "the test proves nothing"

    def project_name(wizard: pexpect.spawn) -> None:
        wizard.send(CLEAR_LINE + "Shop API" + ENTER)
        # copier's own validator, shown under the prompt, which stays open for a fix.
        expect(wizard, "Validation error for question 'project_name': project_name must be")
        wizard.send(CLEAR_LINE + "shop-api" + ENTER)

    def package_name(wizard: pexpect.spawn) -> None:
        expect(wizard, "shop_api")  # the default rendered from the answer to project_name
        wizard.send(ENTER)

    def orm(wizard: pexpect.spawn) -> None:
        expect(wizard, "- Django ORM (the Django ORM needs framework=django)")
        wizard.send(DOWN * 3 + ENTER)

    resolvers = choice_values(questions()["tenant_resolvers"])

    def tenant_resolvers(wizard: pexpect.spawn) -> None:
        # A multiselect: unticking the default leaves none, which copier's validator refuses.
        wizard.send(SPACE + ENTER)
        expect(wizard, "tenant_resolvers needs at least one resolver")
        wizard.send(DOWN * (len(resolvers) - 1) + SPACE + ENTER)

    wizard = spawn_wizard("new", destination, "--template", released_template)
    asked = answer_questions(
        wizard,
        {
            "project_name": project_name,
            "package_name": package_name,
            "framework": arrows_to("framework", "flask") + ENTER,
            "orm": orm,
            "tenant_resolvers": tenant_resolvers,
            "python_version": arrows_to("python_version", python_version) + ENTER,
        },
    )
    summary = transcript(wizard).rpartition("The project:")[2]
    wizard.send(ENTER)  # confirm: yes is the default
    assert finish(wizard) == 0, transcript(wizard)

    assert asked == list(questions())  # each question of copier.yml, in its order
    assert re.search(r"framework\s+Flask \(flask\)", summary), summary
    assert re.search(rf"orm\s+.+ \({expected_orm}\)", summary), summary
    answers = rendered_answers(destination)
    assert answers["_src_path"] == str(released_template)
    assert answers["_commit"] == RELEASE
    assert {key: answers[key] for key in ("project_name", "package_name", "framework")} == {
        "project_name": "shop-api",
        "package_name": "shop_api",
        "framework": "flask",
    }
    assert answers["orm"] == expected_orm
    assert answers["tenant_resolvers"] == [resolvers[-1]]
    assert answers["python_version"] == python_version
    assert (destination / "src/shop_api/orders/api.py").is_file()


def test_terminal_skips_questions_answered_by_flags_and_offers_the_django_orm_to_django(
    released_template, tmp_path
):
    destination = tmp_path / "api"
    wizard = spawn_wizard(
        "new", destination, "--template", released_template, "--framework", "django"
    )

    def orm(wizard: pexpect.spawn) -> None:
        expect(wizard, "Django ORM")
        assert "needs framework=django" not in wizard.before + wizard.after
        wizard.send(arrows_to("orm", "django") + ENTER)

    asked = answer_questions(wizard, {"orm": orm})
    wizard.send("y")
    assert finish(wizard) == 0, transcript(wizard)

    assert "framework" not in asked
    answers = rendered_answers(destination)
    assert (answers["framework"], answers["orm"]) == ("django", "django")


@pytest.mark.parametrize("interrupted_at", ["framework", "confirmation"])
def test_ctrl_c_in_the_questionnaire_writes_nothing(released_template, tmp_path, interrupted_at):
    destination = tmp_path / "new" / "api"
    wizard = spawn_wizard("new", destination, "--template", released_template)
    if interrupted_at == "confirmation":
        answer_questions(wizard, {})
        wizard.send(CTRL_C)
    else:
        answer_questions(wizard, {interrupted_at: CTRL_C})

    assert finish(wizard) == 130
    assert "cancelled; nothing was written" in transcript(wizard)
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_rendering_leaves_no_half_rendered_folder(tmp_path):
    # A task that runs after the files are written and waits: Ctrl-C lands mid-render.
    slow_task = (
        '\n_tasks:\n  - ["{{ _copier_python }}", "-c", '
        "\"import time; print('slow task running', flush=True); time.sleep(60)\"]\n"
    )
    template = template_copy(tmp_path / "template", slow_task)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    destination = workspace / "new" / "api"

    wizard = spawn_wizard("new", destination, "--template", template, "--defaults", "--yes")
    expect(wizard, "slow task running")
    assert (workspace / "new").is_dir()  # the render was under way
    wizard.send(CTRL_C)

    assert finish(wizard) == 130
    assert list(workspace.iterdir()) == []


def test_a_question_added_to_copier_yml_is_asked_without_wizard_changes(tmp_path):
    template = template_copy(tmp_path / "template", NEW_QUESTION)
    destination = tmp_path / "acme-api"

    def support_email(wizard: pexpect.spawn) -> None:
        expect(wizard, "Where tenants write for support")  # its help
        expect(wizard, "support@acme-api.example")  # its default, from project_name
        wizard.send(CLEAR_LINE + "nobody" + ENTER)
        expect(wizard, "support_email must be an email address")  # its validator
        wizard.send(CLEAR_LINE + "help@acme.example" + ENTER)

    wizard = spawn_wizard("new", destination, "--template", template)
    asked = answer_questions(
        wizard,
        {"project_name": CLEAR_LINE + "acme-api" + ENTER, "support_email": support_email},
    )
    wizard.send(ENTER)
    assert finish(wizard) == 0, transcript(wizard)

    assert asked == [*questions(), "support_email"]
    assert rendered_answers(destination)["support_email"] == "help@acme.example"


# ── without a terminal ───────────────────────────────────────────────────────


def test_without_a_terminal_missing_answers_are_named_and_nothing_is_asked(
    released_template, tmp_path
):
    destination = tmp_path / "api"
    done = run_wizard("new", destination, "--template", released_template, "--framework", "flask")

    assert done.returncode == 2
    [message] = done.stderr.splitlines()
    named = re.search(r"missing answers: ([\w, ]+)\.", message).group(1).split(", ")
    always_asked = [key for key, question in questions().items() if "when" not in question]
    assert set(always_asked) - {"framework"} <= set(named) <= set(questions()) - {"framework"}
    assert "--defaults" in message
    assert not destination.exists()


@pytest.mark.parametrize(
    ("flags", "question", "reason"),
    [
        (["--framework", "fastapi", "--orm", "django"], "orm", "needs framework=django"),
        (["--framework", "rails"], "framework", "rails"),
        (["--data", "project_name=My API"], "project_name", "lowercase"),
        (["--data", "package_name=class"], "package_name", "keyword"),
        (["--data", "python_version=3.9"], "python_version", "3.9"),
        (["--data", "tenant_resolvers=[]"], "tenant_resolvers", "at least one resolver"),
        (["--data", "tenant_resolvers=header"], "tenant_resolvers", "Not a YAML list"),
        (["--data", "frameworks=flask"], "frameworks", "no question"),
    ],
    ids=lambda value: value if isinstance(value, str) else "+".join(value),
)
def test_without_a_terminal_a_bad_answer_is_one_line_of_copiers_message(
    released_template, tmp_path, flags, question, reason
):
    destination = tmp_path / "api"
    done = run_wizard("new", destination, "--template", released_template, "--defaults", *flags)

    assert done.returncode == 1
    [message] = done.stderr.splitlines()  # one line: no traceback, no warnings
    assert f"'{question}'" in message
    assert reason in message
    assert not destination.exists()


def test_without_a_terminal_defaults_render_the_default_stack(released_template, tmp_path):
    destination = tmp_path / "api"
    done = run_wizard("new", destination, "--template", released_template, "--defaults")
    assert done.returncode == 0, done.stderr

    answers = rendered_answers(destination)
    for key, question in questions().items():
        if "{{" not in str(question["default"]):
            assert answers[key] == question["default"], key
    assert answers["package_name"] == answers["project_name"].replace("-", "_")
    assert "The same without questions" in done.stdout


def test_without_a_terminal_every_answer_from_flags_renders_without_defaults(
    released_template, tmp_path
):
    destination = tmp_path / "api"
    given = {
        "project_name": "acme-api",
        "package_name": "acme",
        "python_version": "3.12",
        "isolation": questions()["isolation"]["default"],
        "tenant_resolvers": "[header]",  # a multiselect answer, as YAML like copier's --data
        "rate_limit_storage": questions()["rate_limit_storage"]["default"],
    }
    assert set(given) | {"framework", "orm"} >= set(questions()), "a question has no answer here"
    data = [flag for key, value in given.items() for flag in ("--data", f"{key}={value}")]

    done = run_wizard(
        "new", destination, "--template", released_template,
        "--framework", "django", "--orm", "django", *data,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    answers = rendered_answers(destination)
    assert answers["framework"] == answers["orm"] == "django"
    assert answers["package_name"] == "acme"
    assert answers["python_version"] == "3.12"
    assert answers["tenant_resolvers"] == ["header"]
    assert (destination / "src/acme/orders/models.py").is_file()


def test_without_a_terminal_a_new_question_is_named_or_takes_its_default(tmp_path):
    template = template_copy(tmp_path / "template", NEW_QUESTION)
    answers = {key: question["default"] for key, question in questions().items()}
    data = [f"--data={key}={value}" for key, value in answers.items() if "{{" not in str(value)]

    missing = run_wizard("new", tmp_path / "one", "--template", template, *data)
    assert missing.returncode == 2
    assert "missing answers: package_name, support_email." in missing.stderr

    done = run_wizard("new", tmp_path / "two", "--template", template, "--defaults")
    assert done.returncode == 0, done.stderr
    assert rendered_answers(tmp_path / "two")["support_email"] == "support@my-api.example"


def test_an_existing_folder_with_files_is_refused(released_template, tmp_path):
    destination = tmp_path / "api"
    destination.mkdir()
    (destination / "notes.txt").write_text("mine")

    done = run_wizard("new", destination, "--template", released_template, "--defaults")

    assert done.returncode == 1
    assert "already exists and is not an empty folder" in done.stderr
    assert [path.name for path in destination.iterdir()] == ["notes.txt"]
