"""What every control shares: the tenant from the header, the page, the JSON of an order.

The same shape and the same work as the project's `orders/contract.py` (a pydantic model per
order, `total` as a string), so that the project and its control differ by the tenancy only.
"""

import os
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_serializer

# The database, the data layer and the pool size: set by benchmarks/throughput_driver.py.
DSN = os.environ["CONTROL_DSN"]
ORM = os.environ["CONTROL_ORM"]
POOL_SIZE = int(os.environ.get("CONTROL_POOL_SIZE", "10"))

LISTED = ("id", "product", "quantity", "total", "created_at")
COLUMNS = ", ".join(LISTED)
LIST_SQL = (
    f"SELECT {COLUMNS} FROM orders WHERE tenant_id = %s"
    " ORDER BY created_at DESC, id LIMIT %s OFFSET %s"
)
NO_TENANT = {"error": "X-Tenant-ID must be a tenant id"}


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    product: str
    quantity: int
    total: Decimal
    created_at: datetime

    @field_serializer("total")
    def _total_as_string(self, total: Decimal) -> str:
        return f"{total:.2f}"


class Page(BaseModel):
    limit: Annotated[int, Field(ge=1, le=100)] = 50
    offset: Annotated[int, Field(ge=0, le=10**9)] = 0


_ORDER_LIST = TypeAdapter(list[OrderOut])


def serialize_many(orders: list[Any]) -> list[dict[str, Any]]:
    """The orders (rows or mappings) as JSON-ready data, validated as one list, as the
    project's `contract.serialize_many` does."""
    return _ORDER_LIST.dump_python(
        _ORDER_LIST.validate_python(orders, from_attributes=True), mode="json"
    )


def tenant_of(header: str | None) -> uuid.UUID | None:
    """The tenant id the X-Tenant-ID header carries, or None (answered 400)."""
    try:
        return uuid.UUID(header or "")
    except ValueError:
        return None
