"""The combinations the questionnaire accepts, derived from copier.yml (never a hand list).

Every framework × orm × isolation choice is offered to copier itself (pretend mode, nothing
written); what copier refuses, such as a disabled choice, is not a combination.
"""

import itertools
import tempfile
from functools import cache
from pathlib import Path

import copier
import yaml

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
STACK_QUESTIONS = ("framework", "orm", "isolation")


def questions() -> dict:
    """copier.yml's questions, without the computed values (`when: false`, never asked)."""
    return {
        key: value
        for key, value in yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text()).items()
        if not key.startswith("_") and value.get("when") is not False
    }


def choice_values(question: dict) -> list:
    choices = question.get("choices", [])
    if isinstance(choices, dict):
        return [value["value"] if isinstance(value, dict) else value for value in choices.values()]
    return list(choices)


def copier_accepts(answers: dict) -> bool:
    with tempfile.TemporaryDirectory() as scratch:
        try:
            copier.run_copy(
                str(TEMPLATE_ROOT),
                scratch,
                data=answers,
                defaults=True,
                pretend=True,
                quiet=True,
                unsafe=True,
                vcs_ref="HEAD",
            )
        except ValueError:
            return False
    return True


@cache
def accepted_combinations() -> tuple[dict, ...]:
    all_questions = questions()
    offered = itertools.product(*(choice_values(all_questions[key]) for key in STACK_QUESTIONS))
    candidates = [dict(zip(STACK_QUESTIONS, values, strict=True)) for values in offered]
    return tuple(answers for answers in candidates if copier_accepts(answers))


def combination_id(answers: dict) -> str:
    """`framework:flask-orm:psycopg-isolation:rls`, plus the other answers a sample sets
    (`-resolvers:jwt+header-ratelimit:redis`, `-python:3.13`)."""
    name = "-".join(f"{key}:{answers[key]}" for key in STACK_QUESTIONS)
    if "tenant_resolvers" in answers:
        name += f"-resolvers:{'+'.join(answers['tenant_resolvers'])}"
    if "rate_limit_storage" in answers:
        name += f"-ratelimit:{answers['rate_limit_storage']}"
    if "python_version" in answers:
        name += f"-python:{answers['python_version']}"
    return name


# A deliberate sample of the answers that change request handling: each resolver alone and
# together, each rate-limit storage. (header alone with no rate limiting is the default, which
# the full framework × orm × isolation product already runs.)
TENANCY_SAMPLE = (
    {"tenant_resolvers": ["subdomain"], "rate_limit_storage": "memory"},
    {"tenant_resolvers": ["jwt"], "rate_limit_storage": "redis"},
    {"tenant_resolvers": ["jwt", "header", "subdomain"], "rate_limit_storage": "redis"},
    {"tenant_resolvers": ["header", "subdomain"], "rate_limit_storage": "none"},
    {"tenant_resolvers": ["jwt", "header"], "rate_limit_storage": "memory"},
)


def answer_sample() -> list[dict]:
    """The answers beyond the stack, sampled: each TENANCY_SAMPLE entry on a different
    accepted pair, and each python_version but the default on one of those entries (the full
    framework × orm × isolation product runs on the default version). Refuses any value
    copier.yml lacks.

    The pairs are those under rls and schema: what a sample varies (resolvers, rate limits, the
    Python version) is request handling and packaging, which no isolation strategy changes,
    and database isolation's suite, a database per tenant, is the costliest to run again."""
    all_questions = questions()
    for answers in TENANCY_SAMPLE:
        for key, value in answers.items():
            offered = choice_values(all_questions[key])
            assert set(value if isinstance(value, list) else [value]) <= set(offered), (key, value)
    python = all_questions["python_version"]
    other_pythons = [v for v in choice_values(python) if v != python["default"]]
    assert len(other_pythons) <= len(TENANCY_SAMPLE), "a Python version without a sample"
    pairs = [pair for pair in accepted_combinations() if pair["isolation"] != "database"]
    # Every third pair: the samples spread over the frameworks, the data layers and both
    # strategies.
    sample = [
        {**pairs[(3 * n) % len(pairs)], **answers} for n, answers in enumerate(TENANCY_SAMPLE)
    ]
    for entry, version in zip(sample[::-1], other_pythons, strict=False):
        entry["python_version"] = version
    return sample
