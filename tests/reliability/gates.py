"""What the durable-action acceptance tests drive: real ``jethub`` processes on PostgreSQL, the
sandbox in front of a *gate* that can act at the moment a backend call arrives (kill the process
making it, cut the ledger's database), and a TCP proxy between the bot and PostgreSQL whose
``cut`` drops every connection and refuses new ones for a while — a database outage, as the bot
sees it, without touching the shared server."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy.engine import make_url

Hook = Callable[[], None]


class Gate:
    """WSGI middleware in front of the sandbox: ``when(method, fragment, hook)`` runs ``hook``
    once, for the first matching call, after the backend applied it and before its answer goes
    back — the moment a crash or an outage hurts most: the effect is real, the bot never heard."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._hooks: list[tuple[str, str, Hook]] = []
        self.fired: list[str] = []

    def when(self, method: str, fragment: str, hook: Hook) -> None:
        with self._lock:
            self._hooks.append((method, fragment, hook))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        hook = None
        with self._lock:
            for i, (m, fragment, h) in enumerate(self._hooks):
                if m == method and fragment in path:
                    hook = h
                    del self._hooks[i]
                    self.fired.append(f"{method} {path}")
                    break
        if hook is None:
            return self._app(environ, start_response)
        body = b"".join(self._app(environ, start_response))
        hook()
        return [body]


class PgProxy:
    """A TCP proxy to PostgreSQL. ``cut(seconds)`` closes every open connection at once and
    refuses new ones for ``seconds``."""

    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._refuse_until = 0.0
        self._stopped = False
        self.refused = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database_url: str) -> str:
        parsed = make_url(database_url).set(host="127.0.0.1", port=self.port)
        return parsed.render_as_string(hide_password=False)

    def cut(self, seconds: float) -> None:
        with self._lock:
            self._refuse_until = time.monotonic() + seconds
            victims, self._open = self._open, []
        for sock in victims:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def stop(self) -> None:
        self._stopped = True
        self.cut(0)
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if time.monotonic() < self._refuse_until:
                self.refused += 1
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.extend((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def pg_proxy() -> Iterator[PgProxy]:
    proxy = PgProxy()
    try:
        yield proxy
    finally:
        proxy.stop()
