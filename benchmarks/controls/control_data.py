"""The control's data layer without Django: a psycopg_pool pool or a SQLAlchemy engine.

Pooled as the project pools (psycopg: dict rows, a check on each checkout, no named prepared
statements; SQLAlchemy: QueuePool of the same size, pre-ping), one shared `orders` table,
the tenant an explicit `WHERE tenant_id = %s`. Nothing binds a tenant to the transaction.
"""

import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from control_contract import DSN, LIST_SQL, ORM, POOL_SIZE


def psycopg_lister() -> Callable[[uuid.UUID, int, int], list[Any]]:
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    pool = ConnectionPool(
        DSN,
        kwargs={"row_factory": dict_row, "prepare_threshold": None},
        check=ConnectionPool.check_connection,
        min_size=1,
        max_size=POOL_SIZE,
        open=True,
        name="control",
    )

    def list_orders(tenant_id: uuid.UUID, limit: int, offset: int) -> list[Any]:
        with pool.connection() as conn, conn.transaction():
            return conn.execute(LIST_SQL, (tenant_id, limit, offset)).fetchall()

    return list_orders


def sqlalchemy_lister() -> Callable[[uuid.UUID, int, int], list[Any]]:
    from psycopg.conninfo import conninfo_to_dict
    from sqlalchemy import URL, DateTime, Numeric, String, create_engine, select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

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
    engine = create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=0,
        pool_pre_ping=True,
        connect_args={"prepare_threshold": None},
    )

    def list_orders(tenant_id: uuid.UUID, limit: int, offset: int) -> list[Any]:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            newest_first = (
                select(Order)
                .where(Order.tenant_id == tenant_id)
                .order_by(Order.created_at.desc(), Order.id)
            )
            return list(session.scalars(newest_first.limit(limit).offset(offset)))

    return list_orders


def lister() -> Callable[[uuid.UUID, int, int], list[Any]]:
    """`list_orders(tenant_id, limit, offset)` on the data layer CONTROL_ORM names."""
    return {"psycopg": psycopg_lister, "sqlalchemy": sqlalchemy_lister}[ORM]()
