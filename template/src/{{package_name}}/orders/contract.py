"""The orders contract, shared by every framework: input validation and the JSON shape."""

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_serializer

MAX_PAGE_SIZE = 100


class OrderIn(BaseModel):
    """A new order. Unknown fields (tenant_id among them) are ignored, never obeyed."""

    model_config = ConfigDict(extra="ignore")

    product: Annotated[str, Field(strict=True, min_length=1, max_length=200)]
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


def serialize(order: Any) -> dict[str, Any]:
    return OrderOut.model_validate(order).model_dump(mode="json")


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
