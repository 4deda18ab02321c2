"""Serving the sandbox on loopback: in a background thread (tests) or in the foreground (CLI)."""

from __future__ import annotations

import threading
from types import TracebackType

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from devkit.sandbox._app import SandboxApp, SandboxTokens
from devkit.sandbox._counters import Counters
from devkit.sandbox._faults import FaultBoard, Faults
from devkit.sandbox._world import SandboxWorld
from integrations.clock import BusinessClock

# How often the serving loop looks for a stop request; also the worst-case wait in stop().
_POLL_S = 0.005


class _QuietHandler(WSGIRequestHandler):
    """No access log: the sandbox answers thousands of calls in a benchmark."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class SandboxNotStarted(RuntimeError):
    """``url`` was read before ``start()``."""


class Sandbox:
    """Zuora, the Jet Hub platform and the SBC on one loopback HTTP server.

    >>> sb = Sandbox(world=demo_world()).start()
    >>> sb.url            # base URL for all three backends
    >>> sb.stop()
    """

    def __init__(
        self,
        world: SandboxWorld | None = None,
        tokens: SandboxTokens | None = None,
        *,
        fault_seed: int = 0,
    ) -> None:
        self.world = world if world is not None else SandboxWorld()
        self.counters = Counters()
        self._faults = FaultBoard(fault_seed)
        self.app = SandboxApp(
            self.world, tokens=tokens, faults=self._faults, counters=self.counters
        )
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def faults(self, backend: str) -> Faults:
        """One backend's faults: ``sb.faults("platform").set(latency_ms=20, fail_next=2)``."""
        return self._faults[backend]

    def clear_faults(self) -> None:
        self._faults.clear()

    def expire_zuora_tokens(self) -> None:
        with self.world.lock:
            self.world.zuora.expire_tokens()

    def _bind(self, host: str, port: int) -> BaseWSGIServer:
        return make_server(host, port, self.app, threaded=True, request_handler=_QuietHandler)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Sandbox:
        if self._server is not None:
            return self
        self._server = self._bind(host, port)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _POLL_S},
            name=f"sandbox:{self._server.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        if self._server is None:
            raise SandboxNotStarted("call start() first")
        return f"http://{self._server.host}:{self._server.port}"

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def build_world(
    data: str = "demo", size: int | None = None, seed: int = 1, clock: BusinessClock | None = None
) -> SandboxWorld:
    """The world the CLI serves: ``demo``, ``generated`` (``size`` accounts) or ``big``."""
    from devkit.sandbox._demo import demo_world
    from devkit.sandbox._generate import big_account_world, generate_world

    if data == "demo":
        return demo_world(clock=clock)
    if data == "generated":
        return generate_world(size or 1_000, seed=seed, clock=clock)
    if data == "big":
        return big_account_world(seed=seed, clock=clock)
    raise ValueError(f"unknown data set {data!r}: demo, generated or big")


def serve_forever(
    port: int, data: str = "demo", size: int | None = None, clock: BusinessClock | None = None
) -> None:
    """Serve on 127.0.0.1:``port`` until interrupted (``jethub sandbox --port N``)."""
    sandbox = Sandbox(world=build_world(data, size, clock=clock))
    server = sandbox._bind("127.0.0.1", port)
    print(f"sandbox listening on http://127.0.0.1:{server.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
