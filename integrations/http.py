"""The retrying JSON-over-HTTP helper every backend client is built on.

One :class:`JsonHttp` per client owns a wire (:mod:`integrations.wire`: kept-alive connections,
explicit timeouts, a bounded pool). :meth:`JsonHttp.request` sends a request, retries connect
errors, timeouts, 429 and 5xx (and whatever else a backend's error reader calls temporary, i.e. any
:class:`BackendUnavailable`) with exponential backoff and jitter, honours ``Retry-After`` up to a
cap, and gives up after ``max_attempts`` with the last error. This module and the wire are the
only places where transport errors, undecodable JSON and pydantic validation errors are caught
and translated into :mod:`integrations.errors`.

Every request in these clients is safe to repeat (reads, PUT/PATCH of a whole value, deletes that
answer 404 once gone, idempotent POSTs), so retrying after a read timeout is acceptable.
"""

from __future__ import annotations

import email.utils
import functools
import json as _json
import logging
import random
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar
from urllib.parse import urlencode

import httpx
import pydantic

from integrations.errors import (
    AuthFailed,
    BackendRejected,
    BackendUnavailable,
    IntegrationError,
    NotFound,
    RateLimited,
    UnexpectedResponse,
)
from integrations.wire import Answer, query_string, wire_for

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "Answer",
    "AttemptHook",
    "AttemptInfo",
    "ErrorReader",
    "JsonHttp",
    "RetryPolicy",
    "decode_json",
    "error_for_status",
    "parse_as",
    "parse_list",
    "retry_after_seconds",
    "shared_tls",
]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=3.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=16, max_keepalive_connections=8)

M = TypeVar("M", bound=pydantic.BaseModel)


@functools.cache
def shared_tls() -> ssl.SSLContext:
    """httpx's default TLS context (the certifi bundle, or ``SSL_CERT_FILE``/``SSL_CERT_DIR``),
    built once for every client: loading the CA bundle takes 10-30 ms, which each new
    ``httpx.Client`` would otherwise spend. A context is safe to share between threads."""
    return httpx.create_ssl_context()


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry.

    The wait before attempt ``n + 1`` is ``Retry-After`` when the backend sent one (capped at
    ``retry_after_max``), else ``backoff_initial * 2 ** (n - 1)`` capped at ``backoff_max``, with
    "equal jitter": a random point in the upper half of that interval.
    """

    max_attempts: int = 4
    backoff_initial: float = 0.2
    backoff_max: float = 5.0
    retry_after_max: float = 10.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def scaled(self, factor: float) -> RetryPolicy:
        """The same attempts with the backoff's pauses times ``factor`` (``Retry-After`` is the
        backend's word and is not scaled)."""
        initial, ceiling = self.backoff_initial * factor, self.backoff_max * factor
        return replace(self, backoff_initial=initial, backoff_max=ceiling)

    def backoff(self, attempt: int, jitter: float) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based); ``jitter`` in [0, 1)."""
        ceiling = min(self.backoff_max, self.backoff_initial * 2 ** (attempt - 1))
        return ceiling / 2 + ceiling / 2 * jitter


@dataclass(frozen=True)
class AttemptInfo:
    """One HTTP attempt, as reported to the ``on_attempt`` hook (for metrics).

    ``endpoint`` is a low-cardinality label such as ``"GET /v1/accounts/{key}"``.
    """

    backend: str
    endpoint: str
    attempt: int
    outcome: Literal["ok", "retry", "failed"]
    status: int | None
    error: str | None
    delay: float


AttemptHook = Callable[[AttemptInfo], None]
ErrorReader = Callable[[Answer], IntegrationError | None]
"""Reads a backend's answer: ``None`` when it is a success, else the error it means."""


def retry_after_seconds(response: Answer) -> float | None:
    """``Retry-After`` as seconds (it may be a number or an HTTP date); ``None`` if absent/bad."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_for_status(
    backend: str,
    response: Answer,
    *,
    code: str | None,
    message: str | None,
    request_id: str | None,
) -> IntegrationError:
    """The error an HTTP failure status means, with the backend's own code and message."""
    status = response.status_code
    text = message or f"HTTP {status} from {response.method} {response.path}"
    if status == 429:
        return RateLimited(
            backend,
            text,
            request_id,
            status=status,
            code=code,
            retry_after=retry_after_seconds(response),
        )
    if status >= 500:
        return BackendUnavailable(
            backend,
            text,
            request_id,
            status=status,
            code=code,
            retry_after=retry_after_seconds(response),
        )
    if status in (401, 403):
        return AuthFailed(backend, code, text, request_id, status=status)
    if status == 404:
        return NotFound(backend, code, text, request_id, status=status)
    return BackendRejected(backend, code, text, request_id, status=status)


def decode_json(backend: str, response: Answer) -> Any:
    """The response body as JSON, or :class:`UnexpectedResponse`."""
    try:
        return response.json()
    except ValueError as exc:
        raise UnexpectedResponse(
            backend,
            f"answer to {response.method} {response.path} is not JSON",
            status=response.status_code,
        ) from exc


def _invalid(backend: str, exc: pydantic.ValidationError, index: int | None) -> UnexpectedResponse:
    first = exc.errors()[0]
    loc = [str(index)] if index is not None else []
    where = ".".join(loc + [str(part) for part in first["loc"]]) or "answer"
    return UnexpectedResponse(
        backend, f"answer not in the documented shape: {where}: {first['msg']}"
    )


def parse_as(backend: str, model: type[M], data: Any) -> M:
    """Validate ``data`` into ``model``, or :class:`UnexpectedResponse`."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _invalid(backend, exc, None) from exc


def parse_list(backend: str, model: type[M], data: Any) -> list[M]:
    """Validate a JSON list of ``model``, or :class:`UnexpectedResponse`."""
    if not isinstance(data, list):
        raise UnexpectedResponse(backend, "answer not in the documented shape: expected a list")
    parsed = []
    for index, item in enumerate(data):
        try:
            parsed.append(model.model_validate(item))
        except pydantic.ValidationError as exc:
            raise _invalid(backend, exc, index) from exc
    return parsed


CREDENTIAL_HEADERS = ("Authorization", "X-Auth-Token")


class JsonHttp:
    """A retrying JSON client for one backend. Thread-safe, like the wire it sends through."""

    def __init__(
        self,
        *,
        backend: str,
        base_url: str,
        read_error: ErrorReader,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        limits: httpx.Limits = DEFAULT_LIMITS,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        on_attempt: AttemptHook | None = None,
    ) -> None:
        self.backend = backend
        self.retry = retry or RetryPolicy()
        self._read_error = read_error
        self._sleep = sleep
        self._jitter = jitter
        self._on_attempt = on_attempt
        self._headers = {
            "User-Agent": "jethub-bot",
            "Accept": "application/json",
            **(headers or {}),
        }
        self._wire = wire_for(
            backend,
            base_url,
            headers=self._headers,
            transport=transport,
            timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
            limits=limits,
            tls=shared_tls(),
        )

    def close(self) -> None:
        self._wire.close()

    def __enter__(self) -> JsonHttp:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        endpoint: str | None = None,
        params: Any = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """Send with retries; the successful answer, or the last error after the last attempt."""
        label = endpoint or f"{method} {path}"
        policy = self.retry
        attempt = 0
        while True:
            attempt += 1
            response: Answer | None = None
            try:
                response = self._send(
                    method, path, params=params, json=json, data=data, headers=headers
                )
                error = self._read_error(response)
            except IntegrationError as exc:
                error = exc
            if error is not None:
                error = error.without(self._credentials(headers, data))
            status = response.status_code if response is not None else None
            if error is None:
                self._report(label, attempt, "ok", status, None, 0.0)
                assert response is not None
                return response
            if not isinstance(error, BackendUnavailable) or attempt >= policy.max_attempts:
                self._report(label, attempt, "failed", status, type(error).__name__, 0.0)
                if isinstance(error, BackendUnavailable):
                    error.record_attempts(attempt)
                raise error
            delay = self._delay(error, attempt)
            self._report(label, attempt, "retry", status, type(error).__name__, delay)
            log.info(
                "%s %s attempt %d/%d failed (%s); retrying in %.2fs",
                self.backend, label, attempt, policy.max_attempts, error.message, delay,
            )  # fmt: skip
            self._sleep(delay)

    def _credentials(
        self, headers: Mapping[str, str] | None, data: Mapping[str, str] | None
    ) -> list[str]:
        """What the call sent that a backend must not be allowed to echo into our words: the
        credential headers (whole, and a bearer's token) and any secret-like form field."""
        sent: list[str] = []
        for name in CREDENTIAL_HEADERS:
            for value in (self._headers.get(name), (headers or {}).get(name)):
                if value:
                    sent += [value, value.partition(" ")[2]]
        sent += [
            value
            for key, value in (data or {}).items()
            if any(word in key.lower() for word in ("secret", "password", "token"))
        ]
        return sent

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """:meth:`request`, then the body decoded as JSON."""
        return decode_json(self.backend, self.request(method, path, **kwargs))

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Any,
        json: Any,
        data: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
    ) -> Answer:
        sent = dict(headers or {})
        body: bytes | None = None
        if json is not None:
            body = _json.dumps(json, ensure_ascii=False, separators=(",", ":")).encode()
            sent["Content-Type"] = "application/json"
        elif data is not None:
            body = urlencode(data).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        target = path
        if params:
            target += ("&" if "?" in path else "?") + query_string(params)
        return self._wire.send(method, target, sent, body)

    def _delay(self, error: BackendUnavailable, attempt: int) -> float:
        if error.retry_after is not None:
            return min(error.retry_after, self.retry.retry_after_max)
        return self.retry.backoff(attempt, self._jitter())

    def _report(
        self,
        endpoint: str,
        attempt: int,
        outcome: Literal["ok", "retry", "failed"],
        status: int | None,
        error: str | None,
        delay: float,
    ) -> None:
        if self._on_attempt is None:
            return
        info = AttemptInfo(self.backend, endpoint, attempt, outcome, status, error, delay)
        try:
            self._on_attempt(info)
        except Exception:  # a broken metrics hook must never break a backend call
            log.exception("on_attempt hook failed")
