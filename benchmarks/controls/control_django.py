"""The untenanted control for Django: `GET /api/orders` of one tenant, from a shared table.

Under the Django ORM (CONTROL_ORM=django) the rows come through a model in an atomic block
as mappings (`.values()`) on a persistent connection (CONN_MAX_AGE, no health checks, as
the project sets them);
under psycopg or SQLAlchemy through `control_data`, as the project's Django glue would.
"""

import uuid
from typing import Any

import django
from control_contract import DSN, LISTED, NO_TENANT, ORM, Page, serialize_many, tenant_of
from django.conf import settings
from django.urls import path
from psycopg.conninfo import conninfo_to_dict
from pydantic import ValidationError

params = conninfo_to_dict(DSN)
settings.configure(
    SECRET_KEY="control",
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    USE_TZ=True,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": params.pop("dbname"),
            "USER": params.pop("user", ""),
            "PASSWORD": params.pop("password", ""),
            "HOST": params.pop("host", ""),
            "PORT": params.pop("port", ""),
            "OPTIONS": {**params, "prepare_threshold": None},
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": False,
        }
    },
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import models, transaction  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant_id = models.UUIDField()
    product = models.TextField()
    quantity = models.IntegerField(default=1)
    total = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField()

    class Meta:
        app_label = "control"
        db_table = "orders"
        managed = False
        ordering = ["-created_at", "id"]


def orm_list_orders(tenant_id: uuid.UUID, limit: int, offset: int) -> list[dict[str, Any]]:
    with transaction.atomic():
        found = Order.objects.filter(tenant_id=tenant_id).values(*LISTED)
        return list(found[offset : offset + limit])


if ORM == "django":
    list_orders = orm_list_orders
else:
    from control_data import lister

    list_orders = lister()


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def orders(request: HttpRequest) -> JsonResponse:
    tenant_id = tenant_of(request.headers.get("X-Tenant-ID"))
    if tenant_id is None:
        return JsonResponse(NO_TENANT, status=400)
    try:
        page = Page.model_validate(request.GET.dict())
    except ValidationError:
        return JsonResponse({"error": "Invalid request"}, status=422)
    found = list_orders(tenant_id, page.limit, page.offset)
    return JsonResponse(serialize_many(found), safe=False)


urlpatterns = [path("health", health), path("api/orders", orders)]
application = get_wsgi_application()
