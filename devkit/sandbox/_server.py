"""Serving the sandbox on loopback: in a background thread (tests) or in the foreground (CLI).

It is served by waitress, as the bot is: HTTP/1.1 with keep-alive, so the clients' pools reuse
their connections as they would with the real backends (werkzeug's development server spoke
HTTP/1.0: a new TCP connection for every call, on both sides, about a third of a call's CPU).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from devkit.sandbox._app import SandboxApp, SandboxTokens
from devkit.sandbox._counters import Counters
from devkit.sandbox._faults import FaultBoard, Faults
from devkit.sandbox._world import SandboxWorld
from devkit.serving import BackgroundServer, bind
from integrations.clock import BusinessClock

# Requests served at once. Above the clients' pools (8 fan-out workers per client, several
# clients in a test) so that injected latency overlaps as it would on a real backend.
THREADS = 32


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
        self._server: BackgroundServer | None = None

    def faults(self, backend: str) -> Faults:
        """One backend's faults: ``sb.faults("platform").set(latency_ms=20, fail_next=2)``."""
        return self._faults[backend]

    def clear_faults(self) -> None:
        self._faults.clear()

    def expire_zuora_tokens(self) -> None:
        with self.world.lock:
            self.world.zuora.expire_tokens()

    def _serve(self, environ: dict[str, Any], start_response: Any) -> Any:
        # Looked up per request, so that a test may wrap ``app`` while it is served.
        return self.app(environ, start_response)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Sandbox:
        if self._server is None:
            self._server = BackgroundServer(
                self._serve, host=host, port=port, threads=THREADS, ident="jethub-sandbox"
            ).start()
        return self

    @property
    def url(self) -> str:
        if self._server is None:
            raise SandboxNotStarted("call start() first")
        return self._server.url

    def stop(self) -> None:
        """Close every socket at once; open keep-alive connections are closed with it (a
        client's next call reconnects)."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()

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
    data: str = "demo",
    size: int | None = None,
    seed: int = 1,
    clock: BusinessClock | None = None,
    drift: float = 0.0,
) -> SandboxWorld:
    """The world the CLI serves: ``demo``, ``generated`` (``size`` accounts) or ``big``."""
    from devkit.sandbox._demo import demo_world
    from devkit.sandbox._generate import big_account_world, generate_world

    if data == "demo":
        return demo_world(clock=clock)
    if data == "generated":
        return generate_world(size or 1_000, seed=seed, clock=clock, drift=drift)
    if data == "big":
        return big_account_world(seed=seed, clock=clock)
    raise ValueError(f"unknown data set {data!r}: demo, generated or big")


def serve_forever(
    port: int, data: str = "demo", size: int | None = None, clock: BusinessClock | None = None
) -> None:
    """Serve on 127.0.0.1:``port`` until interrupted (``jethub sandbox --port N``)."""
    sandbox = Sandbox(world=build_world(data, size, clock=clock))
    server = bind(sandbox._serve, "127.0.0.1", port, threads=THREADS, ident="jethub-sandbox")
    print(f"sandbox listening on http://127.0.0.1:{server.effective_port}", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        server.task_dispatcher.shutdown()
