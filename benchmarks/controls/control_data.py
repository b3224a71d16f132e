"""The control's data layer without Django: a psycopg_pool pool or a SQLAlchemy engine, sync
(Flask) or async (FastAPI: `async_lister`).

Pooled and read as the project's request path does (psycopg: dict rows, no named prepared
statements, no check on checkout; SQLAlchemy: a pool of the same size, no pre-ping, rows of the
contract's columns rather than `Order` objects), one shared `orders` table, the tenant an
explicit `WHERE tenant_id = %s`. Nothing binds a tenant to the transaction.
"""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from control_contract import DSN, LIST_SQL, ORM, POOL_SIZE


def _pool_options() -> dict[str, Any]:
    """What the sync and the async psycopg pools share."""
    from psycopg.rows import dict_row

    return {
        "kwargs": {"row_factory": dict_row, "prepare_threshold": None},
        "min_size": 1,
        "max_size": POOL_SIZE,
        "name": "control",
    }


def psycopg_lister() -> Callable[[uuid.UUID, int, int], list[Any]]:
    from psycopg_pool import ConnectionPool

    pool = ConnectionPool(DSN, open=True, **_pool_options())

    def list_orders(tenant_id: uuid.UUID, limit: int, offset: int) -> list[Any]:
        with pool.connection() as conn, conn.transaction():
            return conn.execute(LIST_SQL, (tenant_id, limit, offset)).fetchall()

    return list_orders


def _sqlalchemy_parts() -> tuple[Any, type, dict[str, Any]]:
    """The URL, the mapped `Order` and the engine options both SQLAlchemy listers use."""
    from psycopg.conninfo import conninfo_to_dict
    from sqlalchemy import URL, DateTime, Numeric, String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class Order(Base):
        __tablename__ = "orders"

        id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
        tenant_id: Mapped[uuid.UUID]
        product: Mapped[str] = mapped_column(String(200))
        quantity: Mapped[int] = mapped_column(default=1)
        total: Mapped[Decimal] = mapped_column(Numeric(10, 2))
        created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    params = conninfo_to_dict(DSN)
    url = URL.create(
        "postgresql+psycopg",
        username=params.pop("user", None),
        password=params.pop("password", None) or None,
        database=params.pop("dbname", None),
        query={key: str(value) for key, value in params.items()},
    )
    options = {
        "pool_size": POOL_SIZE,
        "max_overflow": 0,
        "pool_pre_ping": False,
        "connect_args": {"prepare_threshold": None},
    }
    return url, Order, options


def _newest_first(order: Any, tenant_id: uuid.UUID, limit: int, offset: int) -> Any:
    from sqlalchemy import select

    columns = (order.id, order.product, order.quantity, order.total, order.created_at)
    query = select(*columns).where(order.tenant_id == tenant_id)
    return query.order_by(order.created_at.desc(), order.id).limit(limit).offset(offset)


def sqlalchemy_lister() -> Callable[[uuid.UUID, int, int], list[Any]]:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    url, order, options = _sqlalchemy_parts()
    engine = create_engine(url, **options)

    def list_orders(tenant_id: uuid.UUID, limit: int, offset: int) -> list[Any]:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            return session.execute(_newest_first(order, tenant_id, limit, offset)).all()

    return list_orders


def async_psycopg_lister() -> Callable[[uuid.UUID, int, int], Awaitable[list[Any]]]:
    from psycopg_pool import AsyncConnectionPool

    pool: AsyncConnectionPool | None = None

    async def list_orders(tenant_id: uuid.UUID, limit: int, offset: int) -> list[Any]:
        nonlocal pool
        if pool is None:  # on the worker's event loop; made and opened without yielding
            pool = AsyncConnectionPool(DSN, open=False, **_pool_options())
            await pool.open()
        async with pool.connection() as conn, conn.transaction():
            cursor = await conn.execute(LIST_SQL, (tenant_id, limit, offset))
            return await cursor.fetchall()

    return list_orders


def async_sqlalchemy_lister() -> Callable[[uuid.UUID, int, int], Awaitable[list[Any]]]:
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    url, order, options = _sqlalchemy_parts()
    engine = create_async_engine(url, **options)  # connects on the worker's event loop

    async def list_orders(tenant_id: uuid.UUID, limit: int, offset: int) -> list[Any]:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            found = await session.execute(_newest_first(order, tenant_id, limit, offset))
            return found.all()

    return list_orders


def lister() -> Callable[[uuid.UUID, int, int], list[Any]]:
    """`list_orders(tenant_id, limit, offset)` on the data layer CONTROL_ORM names."""
    return {"psycopg": psycopg_lister, "sqlalchemy": sqlalchemy_lister}[ORM]()


def async_lister() -> Callable[[uuid.UUID, int, int], Awaitable[list[Any]]]:
    """`lister`'s async twin (FastAPI): the async driver on the worker's event loop."""
    return {"psycopg": async_psycopg_lister, "sqlalchemy": async_sqlalchemy_lister}[ORM]()
