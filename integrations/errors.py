"""The one exception family every backend client raises.

::

    IntegrationError(backend, message, request_id=None)   any failure talking to a backend
    ├── BackendUnavailable       no usable answer: connect error, timeout, 5xx, or a
    │   │                        temporary Zuora error, still failing after the retries
    │   └── RateLimited          429 (or Zuora's concurrency limit) still after the retries
    ├── BackendRejected(backend, code, message, request_id=None)
    │   │                        the backend answered and said no: a 4xx, or Zuora's
    │   │                        ``success: false``; ``code`` is the backend's own error code
    │   ├── NotFound             the thing named does not exist (404, Zuora category 40)
    │   └── AuthFailed           our credentials were refused (401/403, bad client secret)
    └── UnexpectedResponse       the answer could not be read (not JSON, wrong shape)

``backend`` is the short name (``"zuora"``, ``"platform"``, ``"sbc"``). ``str(error)`` names the
backend and what happened, and carries the backend's request id when there is one so a person can
quote it to support. Messages never contain a token or secret: they are built only from the
backend's answer, the HTTP method and the path — and the credentials the call sent are cut out of
the backend's answer (``without``), since some backends quote them back.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AuthFailed",
    "BackendRejected",
    "BackendUnavailable",
    "IntegrationError",
    "NotFound",
    "RateLimited",
    "UnexpectedResponse",
]

BACKEND_NAMES = {"zuora": "Zuora", "platform": "Jet Hub platform", "sbc": "SBC"}
REDACTED = "[redacted]"
MIN_CREDENTIAL = 6  # shorter values would cut ordinary words out of a message


class IntegrationError(Exception):
    """Root of every error a backend client raises."""

    def __init__(
        self,
        backend: str,
        message: str,
        request_id: str | None = None,
        *,
        status: int | None = None,
    ) -> None:
        self.backend = backend
        self.message = message
        self.request_id = request_id
        self.status = status
        super().__init__(self._render())

    @property
    def backend_name(self) -> str:
        """The backend as a person calls it (``"Zuora"``)."""
        return BACKEND_NAMES.get(self.backend, self.backend)

    def _details(self) -> list[str]:
        return [f"request id {self.request_id}"] if self.request_id else []

    def _render(self) -> str:
        details = self._details()
        suffix = f" ({', '.join(details)})" if details else ""
        return f"{self.backend_name}: {self.message}{suffix}"

    def without(self, credentials: Iterable[str]) -> IntegrationError:
        """This error with every credential the call sent cut out of the backend's words (a
        backend may quote the caller's token or secret back): before it is logged, told,
        recorded or exported anywhere."""
        message = self.message
        for credential in sorted(credentials, key=len, reverse=True):
            if len(credential) >= MIN_CREDENTIAL and credential in message:
                message = message.replace(credential, REDACTED)
        if message != self.message:
            self.message = message
            self.args = (self._render(),)
        return self

    def __reduce__(self) -> tuple[object, ...]:
        # Keep errors picklable across process pools despite the keyword-only arguments.
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[IntegrationError], state: dict[str, object]) -> IntegrationError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, error._render())
    return error


class BackendUnavailable(IntegrationError):
    """No usable answer after every attempt: the backend is down, slow or failing."""

    def __init__(
        self,
        backend: str,
        message: str,
        request_id: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        attempts: int = 1,
        retry_after: float | None = None,
    ) -> None:
        self.code = code
        self.attempts = attempts
        self.retry_after = retry_after
        super().__init__(backend, message, request_id, status=status)

    def record_attempts(self, attempts: int) -> None:
        """Note how many attempts were made before giving up (shown in the message)."""
        self.attempts = attempts
        self.args = (self._render(),)

    def _details(self) -> list[str]:
        details = [f"code {self.code}"] if self.code else []
        if self.attempts > 1:
            details.append(f"after {self.attempts} attempts")
        return details + super()._details()


class RateLimited(BackendUnavailable):
    """The backend kept asking us to slow down (HTTP 429) after every attempt."""


class BackendRejected(IntegrationError):
    """The backend answered and refused the request; ``code`` is its own error code."""

    def __init__(
        self,
        backend: str,
        code: str | None,
        message: str,
        request_id: str | None = None,
        *,
        status: int | None = None,
    ) -> None:
        self.code = code
        super().__init__(backend, message, request_id, status=status)

    def _details(self) -> list[str]:
        return ([f"code {self.code}"] if self.code else []) + super()._details()


class NotFound(BackendRejected):
    """The account, contact, subscription or item named does not exist."""


class AuthFailed(BackendRejected):
    """The backend refused our credentials or token."""


class UnexpectedResponse(IntegrationError):
    """The backend answered something we cannot read (not JSON, or not the documented shape)."""
