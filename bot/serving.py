"""Serving the WSGI app on loopback in a background thread (tests, console, benchmarks)."""

from __future__ import annotations

import threading
from typing import Any, Self

from waitress.server import create_server

from bot.web import WebApp


class BackgroundServer:
    """The production server (waitress) on a free port, in a daemon thread."""

    def __init__(
        self, web: WebApp, *, host: str = "127.0.0.1", port: int = 0, threads: int = 8
    ) -> None:
        self._server: Any = create_server(
            web, host=host, port=port, threads=threads, ident="jethub"
        )
        self._thread = threading.Thread(target=self._server.run, name="jethub-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._server.effective_host}:{self._server.effective_port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.close()
        self._thread.join(timeout=5)
