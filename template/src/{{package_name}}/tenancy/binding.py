"""How a transaction is bound to a tenant and proven bound, under every isolation strategy.

The strategy says what binds (`isolation.tenant_binding`, `isolation.no_tenant_binding`: one
statement, and the answer that proves the server holds it); this module says how that
statement travels and is checked, the same for every data layer, sync or async. Where the
driver sends a simple query, it goes with BEGIN in one message (`begin_and_bind`), so binding
costs no round trip of its own; elsewhere (the Django ORM, the audit) it runs first thing in
the open transaction (`bind`). Either way `confirm` raises `BindingNotInEffect` before any query
of the transaction runs unless the server answered with what the binding expects.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

from .errors import BindingNotInEffect

# Runs one statement (SQL, parameters) on a connection and returns the first value of its
# first row (None for no row): what `bind` takes from each data layer.
Execute = Callable[[str, tuple[Any, ...]], Any]


class Binding(NamedTuple):
    """One statement that binds (its SQL and parameters), and the first value of its first row
    that proves the server holds the binding."""

    query: str
    params: tuple[Any, ...]
    expected: Any


def confirm(binding: Binding, effective: Any) -> None:
    """`BindingNotInEffect` unless the server answered `binding`'s statement with what it
    expects. Every data layer runs the statement and calls this before any query of the
    transaction."""
    if effective != binding.expected:
        raise BindingNotInEffect(binding.expected, effective)


def begin_and_bind(binding: Binding | None) -> tuple[str, tuple[Any, ...]]:
    """The one message that opens a transaction bound by `binding` (on a connection in
    autocommit mode), so that binding costs no round trip of its own: the bind's statement,
    then BEGIN, as one simple query (its parameters bound client side, as psycopg's
    `ClientCursor` does). PostgreSQL runs the statements of one message as one transaction,
    and a BEGIN among them makes that transaction the explicit one that goes on until COMMIT
    or ROLLBACK, the bind included. The message's first result is the bind's answer, for
    `confirm` before any query of the transaction runs; a bind that fails never begins it.
    BEGIN alone when there is nothing to bind."""
    if binding is None:
        return "BEGIN", ()
    return f"{binding.query}; BEGIN", binding.params


def bind(execute: Execute, binding: Binding | None) -> None:
    """Run `binding`'s statement in the open transaction via a connection's `execute`, and
    `confirm` it (nothing when there is nothing to bind)."""
    if binding is not None:
        confirm(binding, execute(binding.query, binding.params))
