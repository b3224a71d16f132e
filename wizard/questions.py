"""The questions of copier.yml, read and evaluated by copier itself at run time.

copier's Worker loads the template at the requested version (copier.yml and its Jinja
environment); copier's Question renders each question's help, default, `when`, choices (a choice
whose validator renders a reason is disabled with that reason) and validator, and describes the
question the way questionary wants it. Nothing here knows any question by name, so a question
added to copier.yml is asked without touching this code.

Worker, Question, AnswersMap and MISSING are copier internals (copier exports only run_copy,
run_recopy and run_update): they are used here and nowhere else, and the tests that drive the
wizard fail loudly if a copier release changes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import questionary
from copier._main import Worker
from copier._types import MISSING
from copier._user_data import AnswersMap, Question

# Asks one question (questionary's description of it) and returns the answer; raises
# KeyboardInterrupt when the user gives up.
Prompt = Callable[[Mapping[str, Any]], Any]


class MissingAnswersError(Exception):
    """Questions that would have to be asked, but there is no one to ask."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


@dataclass
class Answered:
    name: str
    value: Any
    label: str  # the choice's title where the question has choices, else the value itself
    asked: bool  # False for computed answers (`when` false, `ask` false): copier recomputes them
    secret: bool = False  # never shown or repeated (copier keeps it out of the answers file)


@contextmanager
def open_template(src_path: str, vcs_ref: str | None) -> Iterator[Worker]:
    """copier's view of the template at `vcs_ref` (a clone it removes afterwards)."""
    with Worker(src_path=src_path, vcs_ref=vcs_ref, unsafe=True, quiet=True) as worker:
        yield worker


def question_names(worker: Worker) -> list[str]:
    return list(worker.template.questions_data)


def ask_prompt(description: Mapping[str, Any]) -> Any:
    """Ask through questionary; Ctrl-C raises KeyboardInterrupt (unsafe_prompt does not eat it)."""
    name = description["name"]
    answers = questionary.unsafe_prompt([description])
    if name not in answers:  # questionary answers nothing when the prompt was cancelled
        raise KeyboardInterrupt
    return answers[name]


def collect_answers(
    worker: Worker,
    given: Mapping[str, Any],
    *,
    use_defaults: bool,
    prompt: Prompt | None,
) -> list[Answered]:
    """Answer every question in copier.yml's order, the way copier's own questionnaire does.

    An answer in `given` is parsed and validated by copier (a refusal raises ValueError with
    copier's message); otherwise the default is taken with `use_defaults`, else `prompt` asks.
    Without a prompt, the questions nobody answered are reported all at once.
    """
    answers = AnswersMap(
        init=dict(given), metadata=worker.template.metadata, external=worker._external_data()
    )
    worker.answers = answers  # copier's render context reads the answers from the worker
    collected: list[Answered] = []
    missing: list[str] = []

    for name, details in worker.template.questions_data.items():
        question = Question(
            var_name=name,
            answers=answers,
            context=worker._render_context(),
            jinja_env=worker.jinja_env,
            settings=worker.settings,
            **details,
        )
        when = question.get_when()
        if not when:
            answers.hide(name)  # not a question for this stack: kept out of the answers file
        computed = not when or not question.get_ask()  # copier answers it from its default

        if name in given:
            try:
                value = question.parse_answer(given[name])
            except TypeError as error:  # e.g. a multiselect answer that is not a YAML list
                raise ValueError(f"Invalid answer for '{name}': {error}") from error
            question.validate_answer(value)
        elif computed:
            value = question.get_default()
            if value is MISSING:
                continue
        elif prompt is not None and not use_defaults:
            value = prompt(describe(question))
        else:
            value = question.get_default()
            if value is MISSING or not use_defaults:
                missing.append(name)
                if value is MISSING:
                    continue
                # Unanswered, but later questions may render from it: go on with the default
                # to name every missing answer at once.
        answers.user[name] = value
        label = label_of(question, value)
        asked = name in given or not computed
        collected.append(Answered(name, value, label, asked=asked, secret=question.secret))

    if missing:
        raise MissingAnswersError(missing)
    return collected


def describe(question: Question) -> dict[str, Any]:
    """copier's questionary description of the question, its name shown before its help."""
    description = question.get_questionary_structure()
    help_text = question.render_value(question.help).strip() if question.help else ""
    if help_text:
        description["message"] = f"{question.var_name} — {help_text}\n  "
    description["qmark"] = "?"
    return description


def label_of(question: Question, value: Any) -> str:
    if question.secret:
        return "********"
    if not question.choices:
        return str(value)
    titles = {repr(choice.value): choice.title for choice in describe(question)["choices"]}
    values = value if isinstance(value, list) else [value]
    return ", ".join(str(titles.get(repr(item), item)) for item in values)
