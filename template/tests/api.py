"""A uniform view of the framework's own test client, so one suite serves every framework."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .naming import name_tenant

_NO_BODY = object()


@dataclass
class Reply:
    status: int
    text: str
    headers: Mapping[str, str]

    def json(self) -> Any:
        return json.loads(self.text)


class ApiClient:
    def request(
        self,
        method: str,
        path: str,
        *,
        tenant: object = None,
        json_body: Any = _NO_BODY,
        raw: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        all_headers = dict(headers or {})
        if tenant is not None:
            all_headers.update(name_tenant(tenant))
        body = raw if raw is not None else None
        if json_body is not _NO_BODY:
            body = json.dumps(json_body).encode()
        if body is not None:
            all_headers.setdefault("Content-Type", "application/json")
        return self.send(method, path, all_headers, body)

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        raise NotImplementedError

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)
