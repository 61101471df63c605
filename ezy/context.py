from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class TenantContext:
    """Who is asking: the first argument of every service function."""

    tenant_id: uuid.UUID
    api_key_id: uuid.UUID | None = None
