"""The wire under :class:`integrations.http.JsonHttp`: one request out, one :class:`Answer` back.

:class:`PooledWire` speaks HTTP/1.1 through ``http.client`` over kept-alive connections, a
bounded pool per backend. It is the default because an account view makes nine backend calls and
httpx's request and response models, its connection pool and h11's parser cost about 0.35 ms of
CPU a call more than ``http.client`` does (measured: docs/benchmarks.md §6), which was a third of
the view. :class:`HttpxWire` is the same contract over ``httpx.Client``: used when a test hands in
an ``httpx`` transport, and when the environment names a forward proxy for the backend (httpx
speaks to proxies; the pooled wire connects directly).

Both raise only :mod:`integrations.errors` (a timeout, a refused or broken connection is
:class:`BackendUnavailable`), never a transport's own exceptions.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
import urllib.request
from collections import deque
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import SplitResult, quote, urlencode, urlsplit

import httpx

from integrations.errors import BackendUnavailable, IntegrationError, UnexpectedResponse

__all__ = ["Answer", "HttpxWire", "PooledWire", "Wire", "query_string", "wire_for"]


class Headers(Protocol):
    def get(self, name: str, default: None = None, /) -> str | None: ...


class Answer:
    """A backend's answer: status, headers (read case-insensitively), body, and what was asked.

    :meth:`json` decodes the body once however often it is asked (an error reader and the
    caller both read it).
    """

    __slots__ = ("_json", "content", "headers", "method", "path", "status_code")

    _UNREAD: Any = object()

    def __init__(
        self, status_code: int, headers: Headers, content: bytes, method: str, path: str
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.method = method
        self.path = path  # the path asked for, without the query
        self._json: Any = self._UNREAD

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        """The body as JSON; ``ValueError`` when it is not."""
        if self._json is self._UNREAD:
            self._json = json.loads(self.content)
        return self._json


class Wire(Protocol):
    def send(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes | None
    ) -> Answer:
        """Send ``method target`` (a path under the base URL, with its query); read the answer."""
        ...

    def close(self) -> None: ...


def query_string(params: Any) -> str:
    """``params`` (a mapping or pairs; list values repeat the key) encoded as httpx encodes them:
    ``true``/``false`` for booleans, spaces as ``%20``."""
    pairs = params.items() if isinstance(params, Mapping) else params
    flat: list[tuple[str, str]] = []
    for key, value in pairs:
        for one in value if isinstance(value, list | tuple) else (value,):
            flat.append((str(key), _primitive(one)))
    return urlencode(flat, quote_via=quote)


def _primitive(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


# What a kept-alive connection the server has closed meanwhile raises on its next request (over
# TLS, a close without close_notify is an SSL EOF).
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, ssl.SSLEOFError)


class _Headers(dict[str, str]):
    """A response's headers by lower-cased name (a repeated header's values joined by ", ")."""

    def get(self, name: str, default: None = None, /) -> str | None:  # type: ignore[override]
        return super().get(name.lower(), default)


class _Response(http.client.HTTPResponse):
    """``http.client``'s response with its header block read into a plain dict.

    The standard ``begin`` parses headers with the ``email`` package's feed parser, about a
    tenth of an account view's CPU over its nine calls; this one reads the same lines and keeps
    what the rest of ``HTTPResponse`` asks of them (``get`` by any case)."""

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:
            version, status, reason = self._read_status()
            if status != http.client.CONTINUE:
                break
            http.client._read_headers(self.fp)
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        headers = _Headers()
        for raw in http.client._read_headers(self.fp):
            name, colon, value = raw.decode("iso-8859-1").partition(":")
            if not colon:
                continue  # the blank line that ends the block
            key, value = name.strip().lower(), value.strip()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        self.headers = self.msg = headers
        self.chunked = (headers.get("transfer-encoding") or "").lower() == "chunked"
        self.chunk_left = None
        self.will_close = self._check_close()
        self.length = None
        length = headers.get("content-length")
        if length and not self.chunked:
            try:
                self.length = int(length)
            except ValueError:
                self.length = None
            else:
                if self.length < 0:
                    self.length = None
        if (
            status in (http.client.NO_CONTENT, http.client.NOT_MODIFIED)
            or 100 <= status < 200
            or self._method == "HEAD"
        ):
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


class _Connection(http.client.HTTPConnection):
    response_class = _Response


class _TlsConnection(http.client.HTTPSConnection):
    response_class = _Response


class PooledWire:
    """HTTP/1.1 to one origin over at most ``max_connections`` connections, keeping up to
    ``max_idle`` of them open between requests. Thread-safe; a connection serves one request at
    a time. A kept-alive connection the server has closed meanwhile is replaced and the request
    sent once more on a new one (every request of these clients is safe to repeat)."""

    def __init__(
        self,
        backend: str,
        base_url: str,
        *,
        headers: Mapping[str, str],
        connect_timeout: float,
        read_timeout: float,
        max_connections: int,
        max_idle: int,
        tls: ssl.SSLContext,
    ) -> None:
        url = urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"not an http(s) base URL: {base_url!r}")
        self.backend = backend
        self._url: SplitResult = url
        self._prefix = url.path.rstrip("/")
        self._headers = dict(headers)
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._tls = tls
        self._max_idle = max_idle
        self._idle: deque[http.client.HTTPConnection] = deque()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._closed = False

    def send(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes | None
    ) -> Answer:
        path = target.partition("?")[0]
        where = f"{method} {path}"
        if not self._slots.acquire(timeout=self._read_timeout):
            raise BackendUnavailable(self.backend, f"timed out waiting for a connection ({where})")
        try:
            sent = {**self._headers, **headers}
            conn, reused = self._checkout(where)
            try:
                return self._exchange(conn, method, target, sent, body, path)
            except _STALE:
                conn.close()
                if not reused:
                    raise
            # The server closed the idle connection before it read this request: once more, new.
            conn, _ = self._checkout(where, fresh=True)
            return self._exchange(conn, method, target, sent, body, path)
        except TimeoutError as exc:
            raise BackendUnavailable(self.backend, f"timed out ({where})") from exc
        except (http.client.HTTPException, OSError) as exc:
            raise BackendUnavailable(
                self.backend, f"connection failed: {type(exc).__name__} ({where})"
            ) from exc
        finally:
            self._slots.release()

    def _exchange(
        self,
        conn: http.client.HTTPConnection,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes | None,
        path: str,
    ) -> Answer:
        try:
            conn.request(method, self._prefix + target, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        except BaseException:
            conn.close()
            raise
        if response.will_close:
            conn.close()
        else:
            self._checkin(conn)
        return Answer(response.status, response.msg, content, method, path)

    def _checkout(
        self, where: str, *, fresh: bool = False
    ) -> tuple[http.client.HTTPConnection, bool]:
        if not fresh:
            with self._lock:
                if self._idle:
                    return self._idle.pop(), True
        conn: http.client.HTTPConnection
        host, port = self._url.hostname or "", self._url.port
        if self._url.scheme == "https":
            conn = _TlsConnection(host, port, timeout=self._connect_timeout, context=self._tls)
        else:
            conn = _Connection(host, port, timeout=self._connect_timeout)
        try:
            conn.connect()
        except TimeoutError as exc:
            conn.close()
            raise BackendUnavailable(self.backend, f"timed out ({where})") from exc
        except ssl.SSLError as exc:
            conn.close()
            reason = exc.reason or type(exc).__name__
            raise BackendUnavailable(
                self.backend, f"could not connect: TLS {reason} ({where})"
            ) from exc
        except OSError as exc:
            conn.close()
            raise BackendUnavailable(self.backend, f"could not connect ({where})") from exc
        assert conn.sock is not None
        conn.sock.settimeout(self._read_timeout)
        return conn, False

    def _checkin(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self._max_idle:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = list(self._idle), deque()
        for conn in idle:
            conn.close()


class HttpxWire:
    """The same contract over an ``httpx.Client`` (its transport, proxies, pool)."""

    def __init__(self, backend: str, client: httpx.Client) -> None:
        self.backend = backend
        self._client = client

    def send(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes | None
    ) -> Answer:
        path = target.partition("?")[0]
        try:
            response = self._client.request(method, target, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise self._translated(exc, f"{method} {path}") from exc
        return Answer(response.status_code, response.headers, response.content, method, path)

    def _translated(self, exc: httpx.HTTPError, where: str) -> IntegrationError:
        name = type(exc).__name__
        if isinstance(exc, httpx.TimeoutException):
            return BackendUnavailable(self.backend, f"timed out ({where})")
        if isinstance(exc, httpx.ConnectError):
            return BackendUnavailable(self.backend, f"could not connect ({where})")
        if isinstance(exc, httpx.TransportError):
            return BackendUnavailable(self.backend, f"connection failed: {name} ({where})")
        return UnexpectedResponse(self.backend, f"request failed: {name} ({where})")

    def close(self) -> None:
        self._client.close()


def _proxied(base_url: str) -> bool:
    """Whether the environment sends requests for ``base_url`` through a proxy (as httpx reads
    ``HTTP(S)_PROXY``/``ALL_PROXY`` and ``NO_PROXY``)."""
    url = urlsplit(base_url)
    proxies = urllib.request.getproxies()
    if not (proxies.get(url.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(url.hostname or "")


def wire_for(
    backend: str,
    base_url: str,
    *,
    headers: Mapping[str, str],
    transport: httpx.BaseTransport | None,
    timeout: httpx.Timeout,
    limits: httpx.Limits,
    tls: ssl.SSLContext,
) -> Wire:
    """The pooled wire, unless a transport is handed in or a proxy is configured for the URL."""
    if transport is None and not _proxied(base_url):
        return PooledWire(
            backend,
            base_url,
            headers=headers,
            connect_timeout=timeout.connect or 15.0,
            read_timeout=timeout.read or 15.0,
            max_connections=limits.max_connections or 16,
            max_idle=limits.max_keepalive_connections or 8,
            tls=tls,
        )
    client = httpx.Client(
        base_url=base_url,
        headers=dict(headers),
        transport=transport,
        verify=tls,
        timeout=timeout,
        limits=limits,
    )
    return HttpxWire(backend, client)
