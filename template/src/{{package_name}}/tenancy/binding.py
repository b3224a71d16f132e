"""How a transaction is bound to a tenant and proven bound, under every isolation strategy.

The strategy says what binds (`isolation.tenant_binding`, `isolation.no_tenant_binding`: one
statement, and the answer that proves the server holds it); this module says how that
statement travels and is checked, the same for every data layer, sync or async. Where the
data layer hands us its psycopg connection (psycopg, SQLAlchemy), BEGIN and the bind go in one
message (`begin_bound`, `begin_bound_async`), so binding costs no round trip of its own;
elsewhere (the Django ORM, the audit) the bind runs first thing in the open transaction
(`bind`). Either way `confirm` raises `BindingNotInEffect` before any query of the transaction
runs unless the server answered with what the binding expects.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

from psycopg import AsyncClientCursor, AsyncConnection, ClientCursor, Connection, errors, pq
from psycopg.rows import tuple_row

from .errors import BindingNotInEffect

# Runs one statement (SQL, parameters) on a connection and returns the first value of its
# first row (None for no row): what `bind` takes from each data layer.
Execute = Callable[[str, tuple[Any, ...]], Any]


class Binding(NamedTuple):
    """One statement that binds (its SQL and parameters), and the first value of its first row
    (a text, as the server writes it) that proves the server holds the binding."""

    query: str
    params: tuple[Any, ...]
    expected: Any


def confirm(binding: Binding, effective: Any) -> None:
    """`BindingNotInEffect` unless the server answered `binding`'s statement with what it
    expects. Every data layer runs the statement and calls this before any query of the
    transaction."""
    if effective != binding.expected:
        raise BindingNotInEffect(binding.expected, effective)


# The messages `begin_bound` sends, by binding and client encoding: each made once per
# process (a tenant's is the same for every request), at most MESSAGES_KEPT of them.
MESSAGES_KEPT = 10_000
_messages: dict[tuple[Binding | None, bytes | None], bytes] = {}


def begin_message(conn: Connection[Any] | AsyncConnection[Any], binding: Binding | None) -> bytes:
    """The one message that opens a transaction bound by `binding` on `conn` (a connection in
    autocommit mode, so that psycopg sends no BEGIN of its own): BEGIN, then the bind's
    statement, as one simple query, its parameters bound client side (psycopg's `mogrify`).
    PostgreSQL runs the statements of one message in one transaction, and BEGIN makes it the
    explicit one that goes on until COMMIT or ROLLBACK, the bind included; the message's last
    result is the bind's answer. BEGIN alone when there is nothing to bind."""
    key = (binding, conn.pgconn.parameter_status(b"client_encoding"))
    message = _messages.get(key)
    if message is None:
        text = "BEGIN"
        if binding is not None:
            mogrify = (ClientCursor if isinstance(conn, Connection) else AsyncClientCursor)(conn)
            text += "; " + mogrify.mogrify(binding.query, binding.params)
        if len(_messages) >= MESSAGES_KEPT:
            _messages.clear()
        message = _messages[key] = text.encode(conn.info.encoding)
    return message


def begin_bound(conn: Connection[Any], binding: Binding | None) -> None:
    """Open a transaction on `conn` bound by `binding`, in one round trip (`begin_message`),
    and `confirm` it: `BindingNotInEffect` unless the server holds it.

    The message goes through libpq's `PQexec` (psycopg's `pq` layer, which releases the GIL
    while it waits), not a cursor: a cursor's execution of it cost a request about 40 us more
    CPU (7% of listing 50 orders with Flask, measured). An error, a connection lost
    included, raises psycopg's exception for it; a bind that fails leaves the transaction
    aborted, for the caller's rollback."""
    pgconn = conn.pgconn
    if pgconn.status != pq.ConnStatus.OK:
        raise errors.OperationalError("the connection is closed")
    result = pgconn.exec_(begin_message(conn, binding))
    if result.status == pq.ExecStatus.FATAL_ERROR:
        raise _error(result, conn.info.encoding)
    if binding is not None:
        value = result.get_value(0, 0) if result.ntuples else None
        confirm(binding, None if value is None else value.decode(conn.info.encoding))


async def begin_bound_async(conn: AsyncConnection[Any], binding: Binding | None) -> None:
    """`begin_bound` on an async connection: the same message, through a cursor (libpq's
    `PQexec` would block the event loop)."""
    cursor = conn.cursor(row_factory=tuple_row)
    await cursor.execute(begin_message(conn, binding))
    if binding is not None:
        cursor.nextset()  # past BEGIN's result, to the bind's
        row = await cursor.fetchone()
        confirm(binding, None if row is None else row[0])


def _error(result: pq.abc.PGresult, encoding: str) -> errors.Error:
    """psycopg's exception for an error `result`: the class of its SQLSTATE (none: the
    connection was lost, an OperationalError, as psycopg's cursors raise and the data layer's
    handling of lost connections expects; `psycopg.errors.error_from_result` would make it a
    DatabaseError)."""
    message = (result.error_message or b"").decode(encoding, "replace").strip()
    sqlstate = result.error_field(pq.DiagnosticField.SQLSTATE)
    if not sqlstate:
        return errors.OperationalError(message)
    try:
        return errors.lookup(sqlstate.decode())(message)
    except KeyError:
        return errors.DatabaseError(message)


def bind(execute: Execute, binding: Binding | None) -> None:
    """Run `binding`'s statement in the open transaction via a connection's `execute`, and
    `confirm` it (nothing when there is nothing to bind)."""
    if binding is not None:
        confirm(binding, execute(binding.query, binding.params))
