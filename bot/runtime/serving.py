"""Serving the WSGI app on loopback in a background thread (tests, console, benchmarks)."""

from __future__ import annotations

import threading
from typing import Any, Self

from waitress import wasyncore

from bot.web import WebApp, make_server


class BackgroundServer:
    """The production server (waitress) on a free port, in a daemon thread."""

    def __init__(
        self, web: WebApp, *, host: str = "127.0.0.1", port: int = 0, threads: int = 8
    ) -> None:
        self._server: Any = make_server(web, host=host, port=port, threads=threads)
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="jethub-http", daemon=True)

    def _run(self) -> None:
        try:
            self._server.run()
        except (OSError, ValueError):
            # A socket closed under select() while stopping is expected; anything else is not.
            if not self._stopping:
                raise

    @property
    def url(self) -> str:
        return f"http://{self._server.effective_host}:{self._server.effective_port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every socket from inside the server's own loop, so the loop ends at once."""
        self._stopping = True
        server = self._server
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:
            # The loop already closed its wake-up pipe (it was ending anyway): close directly.
            wasyncore.close_all(server._map, ignore_all=True)
        self._thread.join(timeout=5)
        server.task_dispatcher.shutdown()
