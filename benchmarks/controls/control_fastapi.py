"""The untenanted control for FastAPI: `GET /api/orders` of one tenant, from a shared table.

A plain `def` endpoint, run in the threadpool as the project's is.
"""

from typing import Annotated, Any

from control_contract import NO_TENANT, Page, serialize, tenant_of
from control_data import lister
from fastapi import FastAPI, Header, Query
from fastapi.responses import JSONResponse

list_orders = lister()
app = FastAPI()


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/api/orders", response_model=None)
def orders(
    page: Annotated[Page, Query()], x_tenant_id: Annotated[str | None, Header()] = None
) -> list[dict[str, Any]] | JSONResponse:
    tenant_id = tenant_of(x_tenant_id)
    if tenant_id is None:
        return JSONResponse(NO_TENANT, status_code=400)
    return [serialize(order) for order in list_orders(tenant_id, page.limit, page.offset)]
