"""Where ``jethub audit stream`` sends the audit log: NDJSON lines (one event a line) to stdout,
to a file (appended, flushed and synced per batch), or POSTed to an HTTPS webhook with a bearer
token (one batch a request, ``application/x-ndjson``; any 2xx accepts the whole batch).

A sink is named by its spec — ``stdout``, ``file:PATH`` or ``https://host/path`` — and the
ledger keeps a delivery cursor per name. A failure is an ``IntegrationError`` (backend
``"audit sink"``) whose words never carry the token, whatever the receiver answered.
"""

from __future__ import annotations

import os
import ssl
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, TextIO
from urllib.parse import urlsplit

import httpx

from integrations.errors import AuthFailed, BackendUnavailable, IntegrationError
from integrations.http import shared_tls

BACKEND = "audit sink"
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
_QUOTED_ANSWER = 200  # characters of a refusing receiver's body quoted in the error


class AuditSink(Protocol):
    name: str  # the sink's identity: its delivery cursor is kept under this name

    def send(self, lines: Sequence[str]) -> None:
        """Deliver one batch of NDJSON lines (without their newlines) or raise."""

    def close(self) -> None: ...


def sink_name(spec: str) -> str:
    """The spec a cursor is kept under: ``stdout``, ``file:<absolute path>`` or the webhook's
    scheme, host and path (a query string or user info is not part of its identity)."""
    kind = check_sink(spec)
    if kind == "stdout":
        return "stdout"
    if kind == "file":
        return "file:" + str(Path(spec[len("file:") :]).expanduser().resolve())
    parts = urlsplit(spec)
    return f"https://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path or '/'}"


def check_sink(spec: str) -> str:
    """``stdout``, ``file`` or ``https`` for a valid spec; ValueError saying what is wrong."""
    if spec == "stdout":
        return "stdout"
    if spec.startswith("file:"):
        if not spec[len("file:") :].strip():
            raise ValueError("file: needs a path (file:/var/log/jethub-audit.ndjson)")
        return "file"
    parts = urlsplit(spec)
    if parts.scheme == "https" and parts.hostname:
        return "https"
    if parts.scheme == "http":
        raise ValueError("a webhook must be https:// (the bearer token must not travel in clear)")
    raise ValueError(f"{spec!r} is not stdout, file:PATH or an https:// URL")


class StreamSink:
    def __init__(self, out: TextIO, name: str = "stdout") -> None:
        self.name = name
        self._out = out

    def send(self, lines: Sequence[str]) -> None:
        self._out.write("".join(line + "\n" for line in lines))
        self._out.flush()

    def close(self) -> None:
        return None


class FileSink:
    def __init__(self, path: Path, name: str) -> None:
        self.name = name
        self._path = path

    def send(self, lines: Sequence[str]) -> None:
        try:
            with self._path.open("a", encoding="utf-8") as out:
                out.write("".join(line + "\n" for line in lines))
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise BackendUnavailable(BACKEND, f"cannot append to {self._path}: {exc}") from None

    def close(self) -> None:
        return None


class WebhookSink:
    def __init__(self, url: str, name: str, *, token: str, ca_file: str | None = None) -> None:
        self.name = name
        self._url = url
        self._token = token
        tls: ssl.SSLContext = (
            ssl.create_default_context(cafile=ca_file) if ca_file else shared_tls()
        )
        self._client = httpx.Client(timeout=TIMEOUT, verify=tls, follow_redirects=False)

    def send(self, lines: Sequence[str]) -> None:
        body = "".join(line + "\n" for line in lines).encode("utf-8")
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Content-Type": "application/x-ndjson",
        }
        try:
            answer = self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise self._clean(
                BackendUnavailable(BACKEND, f"POST {self.name} failed: {exc}")
            ) from None
        if answer.is_success:
            return
        said = answer.text[:_QUOTED_ANSWER].strip()
        message = f"POST {self.name} answered HTTP {answer.status_code}" + (
            f": {said}" if said else ""
        )
        if answer.status_code in (401, 403):
            raise self._clean(AuthFailed(BACKEND, str(answer.status_code), message)) from None
        raise self._clean(BackendUnavailable(BACKEND, message, status=answer.status_code)) from None

    def _clean(self, error: IntegrationError) -> IntegrationError:
        return error.without([self._token, f"Bearer {self._token}"])

    def close(self) -> None:
        self._client.close()


def open_sink(
    spec: str, *, token: str | None = None, ca_file: str | None = None, out: TextIO | None = None
) -> AuditSink:
    """The sink ``spec`` names (``out`` is where ``stdout`` writes; the real one by default)."""
    kind, name = check_sink(spec), sink_name(spec)
    if kind == "stdout":
        return StreamSink(out if out is not None else sys.stdout)
    if kind == "file":
        return FileSink(Path(name[len("file:") :]), name)
    if not token:
        raise ValueError("an https:// audit sink needs JETHUB_AUDIT_SINK_TOKEN")
    return WebhookSink(spec, name, token=token, ca_file=ca_file)
