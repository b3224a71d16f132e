"""The orders contract, shared by every framework: input validation and the JSON shape."""

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_serializer,
)

MAX_PAGE_SIZE = 100

# What PostgreSQL refuses in a text value: NUL (0x00), and lone UTF-16 surrogates, which a
# JSON body can carry as "\ud800" but UTF-8 cannot encode. Refused here as a 422 naming the
# field, rather than as a database error (a 500) when the row is written.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def _storable(value: str) -> str:
    if _UNSTORABLE.search(value):
        raise ValueError("must not contain NUL or unpaired surrogate characters")
    return value


# Every string field of the contract is a `Text`.
Text = Annotated[str, AfterValidator(_storable)]


class OrderIn(BaseModel):
    """A new order. Unknown fields (tenant_id among them) are ignored, never obeyed."""

    model_config = ConfigDict(extra="ignore")

    product: Annotated[Text, Field(strict=True, min_length=1, max_length=200)]
    quantity: Annotated[int, Field(strict=True, ge=1, le=1_000_000)] = 1
    total: Annotated[Decimal, Field(ge=0, lt=10**8, max_digits=10, decimal_places=2)]


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
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 50
    offset: Annotated[int, Field(ge=0, le=10**9)] = 0


# A listing's orders, read and dumped in one call each (half the cost of one order at a time).
_ORDER_LIST = TypeAdapter(list[OrderOut])


def serialize(order: Any) -> dict[str, Any]:
    """One order (an object with the contract's attributes, or a mapping) as JSON-ready data."""
    return OrderOut.model_validate(order).model_dump(mode="json")


def serialize_many(orders: Iterable[Any]) -> list[dict[str, Any]]:
    """`serialize` of each of `orders`."""
    validated = _ORDER_LIST.validate_python(list(orders), from_attributes=True)
    return _ORDER_LIST.dump_python(validated, mode="json")


def parse_json(raw: bytes | str) -> Any:
    """A request body's JSON, or None when it is not JSON (answered 400 by the caller).

    Nesting deeper than the interpreter's recursion limit (a body of 100,000 `[`) raises
    RecursionError in `json.loads`: that is malformed input too, never a 500.
    """
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def parse_order_id(value: str) -> uuid.UUID | None:
    """A path id, or None when it is malformed (answered as "not found")."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def describe_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Validation errors as plain JSON: where and what, without echoing the input."""
    return [
        {"field": ".".join(str(part) for part in item["loc"]) or "body", "message": item["msg"]}
        for item in errors
    ]


def error_details(error: ValidationError) -> list[dict[str, str]]:
    return describe_errors(error.errors(include_url=False))
