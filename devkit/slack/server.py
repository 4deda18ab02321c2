"""A WSGI app served on loopback from a background thread (waitress: HTTP/1.1, kept alive)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from devkit.serving import BackgroundServer

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


class LoopbackServer(BackgroundServer):
    """Serve `app` at `http://127.0.0.1:<free port>/` until `stop()`."""

    def __init__(self, app: WSGIApplication, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(app, host=host, port=port, threads=16, ident="fake-slack")

    @property
    def base_url(self) -> str:
        """Root URL with a trailing slash, e.g. `http://127.0.0.1:52011/`."""
        if not self.started:
            raise RuntimeError("server is not started")
        return f"{self.url}/"
