"""The two-tenant scenario: each tenant sees, reads and deletes only its own orders."""


def create(api, tenant, product: str, total: str = "10.00") -> dict:
    reply = api.post(
        "/api/orders", tenant=tenant.id, json_body={"product": product, "total": total}
    )
    assert reply.status == 201, reply.text
    return reply.json()


def test_each_tenant_sees_only_its_own_orders(api, tenant_a, tenant_b):
    a1 = create(api, tenant_a, "a-first")
    a2 = create(api, tenant_a, "a-second")
    b1 = create(api, tenant_b, "b-only")

    seen_by_a = api.get("/api/orders", tenant=tenant_a.id)
    seen_by_b = api.get("/api/orders", tenant=tenant_b.slug)

    assert seen_by_a.status == 200
    assert [order["id"] for order in seen_by_a.json()] == [a2["id"], a1["id"]]  # newest first
    assert [order["id"] for order in seen_by_b.json()] == [b1["id"]]


def test_another_tenants_order_is_not_found(api, tenant_a, tenant_b):
    order = create(api, tenant_a, "secret")

    assert api.get(f"/api/orders/{order['id']}", tenant=tenant_b.id).status == 404
    refused = api.delete(f"/api/orders/{order['id']}", tenant=tenant_b.id)
    assert (refused.status, refused.json()) == (404, {"error": "Order not found"})

    still_there = api.get(f"/api/orders/{order['id']}", tenant=tenant_a.id)
    assert still_there.status == 200
    assert still_there.json() == order


def test_owner_deletes_its_order(api, tenant_a):
    order = create(api, tenant_a, "to-delete")

    deleted = api.delete(f"/api/orders/{order['id']}", tenant=tenant_a.id)

    assert deleted.status == 200
    assert deleted.json() == {"deleted": order}
    assert api.get(f"/api/orders/{order['id']}", tenant=tenant_a.id).status == 404


def test_tenant_id_in_the_body_is_not_obeyed(api, tenant_a, tenant_b):
    body = {"product": "smuggled", "total": "1.00", "tenant_id": str(tenant_a.id)}

    created = api.post("/api/orders", tenant=tenant_b.id, json_body=body)

    assert created.status == 201
    assert "tenant_id" not in created.json()
    assert api.get(f"/api/orders/{created.json()['id']}", tenant=tenant_b.id).status == 200
    assert api.get(f"/api/orders/{created.json()['id']}", tenant=tenant_a.id).status == 404


def test_created_order_has_the_contract_shape(api, tenant_a):
    created = api.post(
        "/api/orders", tenant=tenant_a.id, json_body={"product": "Widget", "total": 49.95}
    )

    assert created.status == 201
    order = created.json()
    assert set(order) == {"id", "product", "quantity", "total", "created_at"}
    assert (order["product"], order["quantity"], order["total"]) == ("Widget", 1, "49.95")


def test_paging(api, tenant_a):
    ids = [create(api, tenant_a, f"item-{n}")["id"] for n in range(5)]

    first = api.get("/api/orders?limit=2", tenant=tenant_a.id).json()
    rest = api.get("/api/orders?limit=10&offset=2", tenant=tenant_a.id).json()

    assert [order["id"] for order in first + rest] == ids[::-1]
    assert len(first) == 2
