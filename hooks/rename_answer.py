"""Carry an answer across a renamed question: a `_migrations` step for `copier update`.

When a release renames a question in copier.yml, add to copier.yml (next to the rename):

    _migrations:
      - version: v2.0.0   # the first release with the new name
        when: "{{ _stage == 'before' }}"
        command:
          - "{{ _copier_python }}"
          - "{{ _copier_conf.src_path }}/hooks/rename_answer.py"
          - "{{ _copier_conf.answers_file }}"
          - old_name
          - new_name

copier runs it in the project before rendering the new version, then reads the answers file
again, so the project keeps its old answer under the new name and nobody is asked twice. A
project that already has the new name (or never had the old one) is left as it is.
"""

import sys
from itertools import takewhile
from pathlib import Path

import yaml  # copier's own dependency: present in the interpreter that runs copier


def rename_answer(answers_file: Path, old: str, new: str) -> bool:
    text = answers_file.read_text()
    answers = yaml.safe_load(text) or {}
    if old not in answers or new in answers:
        return False
    answers = {(new if key == old else key): value for key, value in answers.items()}
    # Keep copier's header comment; copier rewrites the whole file after the update anyway.
    lines = text.splitlines(keepends=True)
    header = "".join(takewhile(lambda line: line.startswith("#"), lines))
    answers_file.write_text(header + yaml.safe_dump(answers, sort_keys=False))
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: rename_answer.py ANSWERS_FILE OLD_NAME NEW_NAME", file=sys.stderr)
        return 2
    answers_file, old, new = Path(argv[0]), argv[1], argv[2]
    if rename_answer(answers_file, old, new):
        print(f"{answers_file}: answer '{old}' is now '{new}'", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
