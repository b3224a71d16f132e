"""Bad requests get a 4xx JSON error: never a 500, an HTML page or a stack trace."""

import uuid

import pytest

VALID = {"product": "Widget", "quantity": 2, "total": "49.95"}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"total": "1.00"},
        {"product": "Widget"},
        {**VALID, "product": ""},
        {**VALID, "product": "x" * 201},
        {**VALID, "product": 42},
        {**VALID, "quantity": 0},
        {**VALID, "quantity": 1_000_001},
        {**VALID, "quantity": "2"},
        {**VALID, "quantity": 2.5},
        {**VALID, "quantity": True},
        {**VALID, "total": "-0.01"},
        {**VALID, "total": "100000000"},
        {**VALID, "total": "1.234"},
        {**VALID, "total": "abc"},
        {**VALID, "total": "NaN"},
        {**VALID, "total": None},
        [VALID],
        "Widget",
        None,
    ],
    ids=lambda body: repr(body)[:40],
)
def test_invalid_order_is_refused(api, tenant_a, body):
    reply = api.post("/api/orders", tenant=tenant_a.id, json_body=body)
    assert reply.status in (400, 422), reply.text
    assert "error" in reply.json()


@pytest.mark.parametrize("raw", [b"{", b"not json", b"\xff\xfe", b""])
def test_malformed_json_is_refused(api, tenant_a, raw):
    reply = api.post("/api/orders", tenant=tenant_a.id, raw=raw)
    assert reply.status in (400, 422), reply.text
    assert "error" in reply.json()


def test_body_over_one_mebibyte_is_413(api, tenant_a):
    huge = {"product": "x", "total": "1.00", "padding": "x" * (1024 * 1024)}
    reply = api.post("/api/orders", tenant=tenant_a.id, json_body=huge)
    assert reply.status == 413
    assert "error" in reply.json()


@pytest.mark.parametrize("order_id", ["not-a-uuid", "1", "%00", str(uuid.uuid4())])
def test_unknown_or_malformed_order_id_is_404(api, tenant_a, order_id):
    for method in ("GET", "DELETE"):
        reply = api.request(method, f"/api/orders/{order_id}", tenant=tenant_a.id)
        assert reply.status in (400, 404), reply.text
        assert "error" in reply.json()


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "offset=-1", "offset=x"])
def test_bad_paging_is_refused(api, tenant_a, query):
    reply = api.get(f"/api/orders?{query}", tenant=tenant_a.id)
    assert reply.status in (400, 422), reply.text
    assert "error" in reply.json()


def test_unknown_route_and_method_answer_json(api, tenant_a):
    missing = api.get("/nowhere")
    assert missing.status == 404
    assert "error" in missing.json()
    wrong_method = api.request("PUT", "/api/orders", tenant=tenant_a.id, json_body=VALID)
    assert wrong_method.status == 405
    assert "error" in wrong_method.json()


@pytest.mark.parametrize(
    "product",
    ["nul\u0000inside", "\u0000", "lone \ud800 surrogate", "\udfff"],
    ids=["nul", "only-nul", "high-surrogate", "low-surrogate"],
)
def test_text_postgresql_cannot_store_is_422_naming_the_field(api, tenant_a, product):
    # json.dumps writes these as \u0000 and \ud800 escapes, as a hostile client would.
    reply = api.post("/api/orders", tenant=tenant_a.id, json_body={**VALID, "product": product})
    assert reply.status == 422, reply.text
    fields = [detail["field"] for detail in reply.json()["details"]]
    assert any(field.endswith("product") for field in fields), fields
    assert api.get("/api/orders", tenant=tenant_a.id).json() == []


def test_text_that_postgresql_stores_is_accepted(api, tenant_a):
    product = "Café ☕ 😀 \u00a0 tab\there"  # non-ASCII, astral, a tab: all storable
    reply = api.post("/api/orders", tenant=tenant_a.id, json_body={**VALID, "product": product})
    assert reply.status == 201, reply.text
    assert reply.json()["product"] == product


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
def test_deeply_nested_json_is_400(api, tenant_a, depth, opener):
    reply = api.post("/api/orders", tenant=tenant_a.id, raw=opener * depth)
    assert reply.status == 400, reply.text[:200]
    assert "error" in reply.json()
