"""A WSGI app served by waitress on loopback from a background thread: the fake Slack and the
sandbox both. HTTP/1.1 with keep-alive, as the real services speak it, so the bot's pools
reuse their connections as they would in production (werkzeug's development server closes
every connection: a new TCP connection for every call, on both sides)."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from waitress import wasyncore
from waitress.server import create_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


class NotStarted(RuntimeError):
    """The server's address was read before ``start()``."""


def bind(app: WSGIApplication, host: str, port: int, *, threads: int, ident: str) -> Any:
    """Waitress's server for ``app`` (it has no public type), bound and not yet running."""
    return create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        ident=ident,
        asyncore_use_poll=True,  # no select() limit on the number of open connections
    )


class BackgroundServer:
    """Serve ``app`` at ``http://host:<port>/`` from a daemon thread until :meth:`stop`."""

    def __init__(
        self,
        app: WSGIApplication,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
        ident: str = "jethub-devkit",
    ) -> None:
        self._app, self._host, self._port = app, host, port
        self._threads, self._ident = threads, ident
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    @property
    def started(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise NotStarted("call start() first")
        return int(self._server.effective_port)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        if self._server is None:
            raise NotStarted("call start() first")
        return f"http://{self._server.effective_host}:{self._server.effective_port}"

    def start(self) -> Self:
        if self._server is not None:
            return self
        server = bind(self._app, self._host, self._port, threads=self._threads, ident=self._ident)
        self._server, self._stopping = server, False
        self._thread = threading.Thread(
            target=self._run, args=(server,), name=f"{self._ident}:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def _run(self, server: Any) -> None:
        try:
            server.run()
        except (OSError, ValueError):
            # A socket closed under poll() while stopping is expected; anything else is not.
            if not self._stopping:
                raise

    def stop(self) -> None:
        """Close every socket from inside the server's own loop, so the loop ends at once; open
        keep-alive connections are closed with it (a client's next call reconnects)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        self._stopping = True
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:
            # The loop already closed its wake-up pipe (it was ending anyway): close directly.
            wasyncore.close_all(server._map, ignore_all=True)
        if thread is not None:
            thread.join(timeout=5)
        server.task_dispatcher.shutdown()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
