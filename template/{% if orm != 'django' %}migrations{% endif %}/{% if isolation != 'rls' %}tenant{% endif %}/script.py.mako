"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

<%
    # What the revision uses is all it imports, quoted as ruff formats it (lint- and format-clean).
    body = (upgrades or "") + (downgrades or "")
    def quoted(value):
        if isinstance(value, str):
            return '"%s"' % value
        if isinstance(value, (tuple, list)):
            items = [quoted(item) for item in value]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return repr(value)
%>\
from collections.abc import Sequence
% if "sa." in body or "op." in body:

% endif
% if "sa." in body:
import sqlalchemy as sa
% endif
% if "op." in body:
from alembic import op
% endif
% if imports:

${imports.strip()}
% endif

revision: str = ${quoted(up_revision)}
down_revision: str | None = ${quoted(down_revision)}
branch_labels: str | Sequence[str] | None = ${quoted(branch_labels)}
depends_on: str | Sequence[str] | None = ${quoted(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
