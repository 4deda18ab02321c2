"""Reading the platform's crossbar error envelope:
``{"status": "error", "error": "404", "message": "bad identifier", "request_id": "..."}``."""

from __future__ import annotations

from integrations.errors import IntegrationError
from integrations.http import Answer, error_for_status

BACKEND = "platform"


def read_platform_error(response: Answer) -> IntegrationError | None:
    try:
        body = response.json()
    except ValueError:
        body = None
    envelope = body if isinstance(body, dict) else {}
    failed = envelope.get("status") in ("error", "fatal")
    if response.is_success and not failed:
        return None
    code = envelope.get("error")
    message = envelope.get("message")
    request_id = envelope.get("request_id") or response.headers.get("X-Request-Id")
    return error_for_status(
        BACKEND,
        response,
        code=str(code) if code is not None else None,
        message=str(message) if message else None,
        request_id=str(request_id) if request_id else None,
    )
