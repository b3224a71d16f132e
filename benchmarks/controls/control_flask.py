"""The untenanted control for Flask: `GET /api/orders` of one tenant, from a shared table."""

from control_contract import NO_TENANT, Page, serialize_many, tenant_of
from control_data import lister
from flask import Flask, request

list_orders = lister()
app = Flask(__name__)
app.json.sort_keys = False


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/api/orders")
def orders():
    tenant_id = tenant_of(request.headers.get("X-Tenant-ID"))
    if tenant_id is None:
        return NO_TENANT, 400
    page = Page.model_validate(request.args.to_dict())
    return serialize_many(list_orders(tenant_id, page.limit, page.offset))
