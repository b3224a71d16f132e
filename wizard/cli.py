"""tenant-wizard: a guided `copier copy` of this template, and `copier update` for its projects.

    tenant-wizard new my-api [--framework flask] [--orm psycopg] [--isolation rls]
                             [--data KEY=VALUE ...] [--defaults] [--yes]
                             [--template SRC] [--vcs-ref REF]
    tenant-wizard update [my-api] [--data KEY=VALUE ...] [--vcs-ref REF]

The questions come from copier.yml at run time (see questions.py). Every refusal is one line on
stderr and a non-zero exit; Ctrl-C leaves nothing behind.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import copier
import questionary
import yaml
from copier.errors import CopierError

from .questions import (
    Answered,
    MissingAnswersError,
    ask_prompt,
    collect_answers,
    open_template,
    question_names,
)

# The template this wizard ships with: the repository it lives in.
TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
STACK_FLAGS = ("framework", "orm", "isolation")
ANSWERS_FILE = ".copier-answers.yml"
PROG = "tenant-wizard"


class WizardError(Exception):
    """A refusal the user can act on: printed as one line, no traceback."""


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warnings.showwarning = show_warning_on_one_line
    try:
        return args.command(args)
    except KeyboardInterrupt:
        print(f"\n{PROG}: cancelled; {args.on_cancel}", file=sys.stderr)
        return 130
    except MissingAnswersError as missing:
        print(f"{PROG}: {missing_message(missing, args)}", file=sys.stderr)
        return 2
    except (WizardError, CopierError, ValueError) as error:
        # copier's validation errors are ValueErrors; their text is copier's own message.
        print(f"{PROG}: {one_line(str(error))}", file=sys.stderr)
        return 1


def show_warning_on_one_line(message, category, filename, lineno, file=None, line=None) -> None:
    # copier warns, e.g. that a local template's uncommitted changes are rendered: worth
    # seeing, but as a note, not as a source line of copier's.
    print(f"{PROG}: warning: {one_line(str(message))}", file=file or sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    new = commands.add_parser(
        "new",
        help="render a new project, asking copier.yml's questions",
        description="Ask copier.yml's questions (only those not answered by flags), show the "
        "chosen stack, confirm, and render the project into DEST. When stdin is not a terminal "
        "nothing is asked: every answer must come from flags or --defaults.",
    )
    new.add_argument("destination", metavar="DEST", help="folder to create (new or empty)")
    for key in STACK_FLAGS:
        new.add_argument(f"--{key}", metavar="VALUE", help=f"answer for '{key}'")
    add_data_flag(new)
    new.add_argument(
        "--defaults", action="store_true", help="take the default for every unanswered question"
    )
    new.add_argument("--yes", "-y", action="store_true", help="render without confirmation")
    new.add_argument(
        "--template",
        default=str(TEMPLATE_ROOT),
        metavar="SRC",
        help="template path or git URL (default: the template this wizard ships with)",
    )
    add_vcs_ref_flag(new)
    new.set_defaults(command=run_new, on_cancel="nothing was written.")

    update = commands.add_parser(
        "update",
        help="bring template changes into a rendered project (copier update)",
        description="Run copier update on a project rendered from this template: the template's "
        "changes since the project's version are merged with your own edits. The project must "
        "be committed to git first, so the update is one reviewable diff.",
    )
    update.add_argument(
        "destination", metavar="DEST", nargs="?", default=".", help="the project (default: .)"
    )
    add_data_flag(update)
    add_vcs_ref_flag(update)
    update.set_defaults(
        command=run_update,
        on_cancel="the update may be half applied; `git reset --hard && git clean -fd` in the "
        "project restores its last commit.",
    )
    return parser


def add_data_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        "-d",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an answer, as copier's --data takes it (repeatable)",
    )


def add_vcs_ref_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--vcs-ref",
        metavar="REF",
        help="template git ref to use (default: its latest release tag; HEAD for unreleased "
        "changes, including uncommitted ones in a local template)",
    )


def parse_data(items: list[str]) -> dict[str, str]:
    data = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise WizardError(f"--data takes KEY=VALUE, got {item!r}")
        data[key.strip()] = value
    return data


# ── new ──────────────────────────────────────────────────────────────────────


def run_new(args: argparse.Namespace) -> int:
    destination = Path(args.destination).absolute()
    if args.template == str(TEMPLATE_ROOT) and not (TEMPLATE_ROOT / "copier.yml").is_file():
        raise WizardError("this wizard is not installed from a template checkout: give --template")
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise WizardError(f"{destination} already exists and is not an empty folder")
    given = parse_data(args.data)
    given.update({key: getattr(args, key) for key in STACK_FLAGS if getattr(args, key)})
    interactive = sys.stdin.isatty()

    with open_template(args.template, args.vcs_ref) as template:
        known = question_names(template)
        if unknown := sorted(set(given) - set(known)):
            raise WizardError(
                f"no question {', '.join(map(repr, unknown))} in the template's copier.yml "
                f"(its questions: {', '.join(known)})"
            )
        answered = collect_answers(
            template,
            given,
            use_defaults=args.defaults,
            prompt=ask_prompt if interactive else None,
        )
        version = template.template.version

    source = [] if args.template == str(TEMPLATE_ROOT) else ["--template", args.template]
    source += ["--vcs-ref", args.vcs_ref] if args.vcs_ref else []
    print_summary(answered, destination, version, source)
    if interactive and not args.yes:
        confirmed = questionary.confirm("Render this project?", default=True).unsafe_ask()
        if not confirmed:
            print("Nothing was written.")
            return 1

    render(args.template, args.vcs_ref, destination, {a.name: a.value for a in answered if a.asked})
    print(f"\nRendered {destination}. Its README.md says how to run it and its tests.")
    return 0


def print_summary(
    answered: list[Answered], destination: Path, version: Any, source: list[str]
) -> None:
    width = max(len(item.name) for item in answered)
    print(f"\nThe project: {destination}" + (f" (template {version})" if version else ""))
    for item in answered:
        value = ", ".join(map(str, item.value)) if isinstance(item.value, list) else str(item.value)
        shown = item.label if item.label == value or item.secret else f"{item.label} ({value})"
        print(f"  {item.name:<{width}}  {shown}{'' if item.asked else '  (computed)'}")
    replay = [PROG, "new", str(destination), *source]
    for item in answered:
        if item.asked and not item.secret:
            replay += ["--data", f"{item.name}={as_data(item.value)}"]
    print(f"\nThe same without questions:\n  {shlex.join(replay)}\n")


def as_data(value: Any) -> str:
    # A list answer (multiselect) is given to --data as YAML, like copier's own --data.
    return json.dumps(value) if isinstance(value, list) else str(value)


def render(src: str, vcs_ref: str | None, destination: Path, data: dict[str, Any]) -> None:
    """copier.run_copy into a staging folder beside DEST, then one rename: an interrupted or
    failed render (Ctrl-C, a failing task) leaves no half-rendered DEST, nor folders made for it."""
    outermost_new = next(
        (path for path in reversed([destination, *destination.parents]) if not path.exists()), None
    )
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        # Rendered under DEST's own name, so copier's `_folder_name` is the real one.
        rendered = staging / destination.name
        copier.run_copy(
            src, rendered, data=data, defaults=True, unsafe=True, vcs_ref=vcs_ref, quiet=True
        )
        if destination.exists():
            destination.rmdir()  # it was checked to be empty
        rendered.rename(destination)
    except BaseException:
        if outermost_new is not None and outermost_new != destination:
            shutil.rmtree(outermost_new, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def missing_message(missing: MissingAnswersError, args: argparse.Namespace) -> str:
    names = ", ".join(missing.names)
    if args.defaults:
        return f"no default for {names}: give them with --data KEY=VALUE"
    return (
        f"stdin is not a terminal, so nothing is asked; missing answers: {names}. Give them "
        f"with --data KEY=VALUE (or --{'/--'.join(STACK_FLAGS)}), or --defaults to take the "
        "defaults"
    )


def one_line(message: str) -> str:
    return " ".join(message.split())


# ── update ───────────────────────────────────────────────────────────────────


def run_update(args: argparse.Namespace) -> int:
    project = Path(args.destination).absolute()
    template_version_before = check_updatable(project)
    copier.run_update(
        project,
        data=parse_data(args.data),
        vcs_ref=args.vcs_ref,
        defaults=True,  # keeps every recorded answer; a new question takes its default
        overwrite=True,  # the project is committed, so the update is a reviewable diff
        unsafe=True,  # the template's migrations run its hooks/ scripts
        quiet=True,
    )
    # skip_answered stays False: copier re-reads the answers file after `_migrations`
    # (renamed answers) only then.
    template_version_after = read_answers(project).get("_commit")
    conflicted = unmerged_files(project)
    if conflicted:
        print(
            f"{PROG}: updated to template {template_version_after} with conflicts in "
            f"{', '.join(conflicted)}: resolve the <<<<<<< markers, then commit",
            file=sys.stderr,
        )
        return 1
    if template_version_after == template_version_before:
        print(f"{project} is already at template {template_version_after}; answers re-applied.")
    else:
        print(
            f"Updated {project} from template {template_version_before} to "
            f"{template_version_after}. Review with `git diff`, then commit."
        )
    return 0


def check_updatable(project: Path) -> str:
    """Refuse, in one line, what copier would refuse with a traceback or a vaguer message."""
    if not project.is_dir():
        raise WizardError(f"{project} is not a folder")
    answers = read_answers(project)
    if not answers.get("_src_path"):
        raise WizardError(
            f"{project} is not a project rendered by copier (no {ANSWERS_FILE} naming its template)"
        )
    if not answers.get("_commit"):
        raise WizardError(
            f"{project} was rendered from a template that is not a git repository: there is no "
            "template version to update from"
        )
    inside = git(project, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0:
        raise WizardError(
            f"{project} is not a git repository: commit it first (git init && git add -A && "
            "git commit), so the update is a diff you can review"
        )
    if git(project, "status", "--porcelain", "--", ".").stdout.strip():
        raise WizardError(
            f"{project} has uncommitted changes: commit or stash them first, so the update is "
            "a diff you can review and undo"
        )
    return answers["_commit"]


def read_answers(project: Path) -> dict[str, Any]:
    path = project / ANSWERS_FILE
    if not path.is_file():
        return {}
    loaded = yaml.safe_load(path.read_text())
    return loaded if isinstance(loaded, dict) else {}


def unmerged_files(project: Path) -> list[str]:
    """Files copier could not merge: it records inline conflicts as unmerged in git's index."""
    unmerged = git(project, "diff", "--relative", "--name-only", "--diff-filter=U").stdout
    untracked = git(project, "ls-files", "--others", "--exclude-standard").stdout
    rejected = [name for name in untracked.splitlines() if name.endswith(".rej")]
    return sorted(set(unmerged.splitlines()) | set(rejected))


def git(cwd: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, text=True, check=False)


if __name__ == "__main__":
    raise SystemExit(main())
