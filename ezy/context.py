from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class TenantContext:
    """Who is asking: the first argument of every service function."""

    tenant_id: uuid.UUID
    api_key_id: uuid.UUID | None = None
    api_key_prefix: str | None = None  # as the key list shows it (`ezy_<prefix>`), for the audit log
    # Who acts when no key does (the audit log's actor): `cli` (an operator's shell) or `system`.
    origin: str = "system"
