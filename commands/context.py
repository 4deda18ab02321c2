"""The correlation id of the request being served, carried to logs and audit events."""

from __future__ import annotations

import secrets
from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def new_correlation_id() -> str:
    return secrets.token_hex(8)


def current_correlation_id() -> str | None:
    return correlation_id.get()
