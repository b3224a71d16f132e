"""A tenant, as the registry holds it: what every layer passes around."""

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Tenant:
    id: uuid.UUID
    slug: str
    name: str
    status: str
    plan: str
    created_at: datetime

    @property
    def active(self) -> bool:
        return self.status == "active"

    def as_dict(self) -> dict[str, str]:
        return {
            "id": str(self.id),
            "slug": self.slug,
            "name": self.name,
            "status": self.status,
            "plan": self.plan,
            "created_at": self.created_at.isoformat(),
        }
