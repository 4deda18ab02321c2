"""Reading Zuora's error envelope: ``{"success": false, "reasons": [{"code", "message"}]}``."""

from __future__ import annotations

from typing import Any

from integrations.errors import (
    AuthFailed,
    BackendRejected,
    BackendUnavailable,
    IntegrationError,
    NotFound,
    RateLimited,
)
from integrations.http import Answer, error_for_status, retry_after_seconds

BACKEND = "zuora"

# The last two digits of a Zuora error code are its category.
NOT_FOUND = 40
AUTH = 11
CONCURRENCY_LIMIT = 70
TEMPORARY = frozenset({50, 61, 99})  # locking, temporary, integration: worth another try


def _first_reason(body: Any) -> tuple[str | None, str | None]:
    if not isinstance(body, dict):
        return None, None
    reasons = body.get("reasons")
    if isinstance(reasons, list) and reasons and isinstance(reasons[0], dict):
        code = reasons[0].get("code")
        message = reasons[0].get("message")
        return (str(code) if code is not None else None, str(message) if message else None)
    message = body.get("message") or body.get("error_description") or body.get("error")
    return None, str(message) if message else None


def _category(code: str | None) -> int | None:
    return int(code) % 100 if code and code.isdigit() else None


def error_for_code(
    code: str | None, message: str | None, request_id: str | None, response: Answer
) -> IntegrationError:
    """The error a Zuora error code means, by its category."""
    status = response.status_code
    text = message or "request failed"
    category = _category(code)
    if category == NOT_FOUND:
        return NotFound(BACKEND, code, text, request_id, status=status)
    if category == AUTH:
        return AuthFailed(BACKEND, code, text, request_id, status=status)
    if category == CONCURRENCY_LIMIT:
        return RateLimited(
            BACKEND, text, request_id, status=status, code=code,
            retry_after=retry_after_seconds(response),
        )  # fmt: skip
    if category in TEMPORARY:
        return BackendUnavailable(BACKEND, text, request_id, status=status, code=code)
    return BackendRejected(BACKEND, code, text, request_id, status=status)


def read_zuora_error(response: Answer) -> IntegrationError | None:
    """None for a success; else the error, from the HTTP status and/or ``success: false``."""
    request_id = response.headers.get("Zuora-Request-Id")
    try:
        body = response.json()
    except ValueError:
        body = None
    code, message = _first_reason(body)
    if response.is_success:
        if isinstance(body, dict) and body.get("success") is False:
            return error_for_code(code, message, request_id, response)
        return None
    status = response.status_code
    if status == 401:
        return AuthFailed(BACKEND, code, message or "token refused", request_id, status=status)
    if status != 429 and status < 500 and _category(code) is not None:
        return error_for_code(code, message, request_id, response)
    return error_for_status(BACKEND, response, code=code, message=message, request_id=request_id)
