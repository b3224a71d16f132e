"""The untenanted control for FastAPI: `GET /api/orders` of one tenant, from a shared table.

An `async def` endpoint on the async driver (an async psycopg pool, or async SQLAlchemy), as
the project's are: no thread hand-off. Its response model is declared, as the project's
return type declares it, so FastAPI writes the orders with pydantic straight to JSON bytes;
an endpoint with `response_model=None` would send them through `jsonable_encoder` and
`json.dumps`, in Python, a cost the project does not pay.
"""

from typing import Annotated, Any

from control_contract import NO_TENANT, Page, serialize_many, tenant_of
from control_data import async_lister
from fastapi import FastAPI, Header, Query
from fastapi.responses import JSONResponse

list_orders = async_lister()
app = FastAPI()


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/api/orders", response_model=list[dict[str, Any]])
async def orders(
    page: Annotated[Page, Query()], x_tenant_id: Annotated[str | None, Header()] = None
) -> list[dict[str, Any]] | JSONResponse:
    tenant_id = tenant_of(x_tenant_id)
    if tenant_id is None:
        return JSONResponse(NO_TENANT, status_code=400)  # a Response goes out as it is
    return serialize_many(await list_orders(tenant_id, page.limit, page.offset))
