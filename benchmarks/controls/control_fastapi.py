"""The untenanted control for FastAPI: `GET /api/orders` of one tenant, from a shared table.

An `async def` endpoint on the async driver (an async psycopg pool, or async SQLAlchemy), as
the project's are: no thread hand-off. It answers a `JSONResponse` of the serialized orders
(one `json.dumps`), as a hand-written endpoint with two kinds of answer would: returning the
list from a `response_model=None` endpoint would send it through FastAPI's
`jsonable_encoder`, order by order in Python, a cost the project (whose endpoint declares
its return type) does not pay.
"""

from typing import Annotated

from control_contract import NO_TENANT, Page, serialize_many, tenant_of
from control_data import async_lister
from fastapi import FastAPI, Header, Query
from fastapi.responses import JSONResponse

list_orders = async_lister()
app = FastAPI()


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/api/orders", response_model=None)
async def orders(
    page: Annotated[Page, Query()], x_tenant_id: Annotated[str | None, Header()] = None
) -> JSONResponse:
    tenant_id = tenant_of(x_tenant_id)
    if tenant_id is None:
        return JSONResponse(NO_TENANT, status_code=400)
    return JSONResponse(serialize_many(await list_orders(tenant_id, page.limit, page.offset)))
