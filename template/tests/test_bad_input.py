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
