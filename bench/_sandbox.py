"""The sandbox in its own process, as the real backends are: its CPU does not share our GIL.

    with RemoteSandbox("generated", size=10_000) as sandbox:
        sandbox.set_faults("zuora", latency_ms=20)
        ...  # point the clients at sandbox.url
        sandbox.counters()["zuora"]

``data`` is ``demo``, ``generated`` (``size`` accounts; ``drift="0.005"`` drifts that share of
them for reconciliation), ``big`` (one big account; ``big``
takes ``add_big_account``'s sizes as keyword arguments) or ``collections`` (``size`` accounts
suspended for non-payment, the first ``paid=N`` of them paid since: ``collections_world``).
The child serves until its stdin closes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from types import TracebackType
from typing import Any, Self

import httpx


class SandboxDidNotStart(RuntimeError):
    pass


class RemoteSandbox:
    def __init__(self, data: str = "demo", *, size: int = 0, **big: int | str) -> None:
        self.spec = {"data": data, "size": size, "big": big}
        self.url = ""
        self._process: subprocess.Popen[str] | None = None
        self._http = httpx.Client(timeout=120)

    def start(self) -> Self:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench._sandbox", json.dumps(self.spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        if "http://" not in line:
            self.stop()
            raise SandboxDidNotStart(f"the sandbox said {line!r}")
        self.url = line[line.index("http://") :]
        return self

    def stop(self) -> None:
        self._http.close()
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    @property
    def pid(self) -> int:
        """The sandbox process's id (for its CPU time)."""
        if self._process is None:
            raise SandboxDidNotStart("call start() first")
        return self._process.pid

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def set_faults(self, backend: str, **settings: Any) -> None:
        answer = self._http.put(f"{self.url}/_sandbox/faults/{backend}", json=settings)
        answer.raise_for_status()

    def clear_faults(self) -> None:
        self._http.delete(f"{self.url}/_sandbox/faults").raise_for_status()

    def counters(self) -> dict[str, dict[str, int]]:
        answer = self._http.get(f"{self.url}/_sandbox/counters")
        answer.raise_for_status()
        counted: dict[str, dict[str, int]] = answer.json()
        return counted

    def reset_counters(self) -> None:
        self._http.post(f"{self.url}/_sandbox/counters/reset").raise_for_status()


def total(counters: dict[str, dict[str, int]], backend: str, prefix: str = "") -> int:
    """Calls to ``backend`` (whose endpoint starts with ``prefix``, e.g. ``"DELETE "``)."""
    calls = counters.get(backend, {})
    return sum(n for endpoint, n in calls.items() if endpoint.startswith(prefix))


def _serve(spec: dict[str, Any]) -> None:
    from devkit.sandbox import (
        Sandbox,
        SandboxWorld,
        add_big_account,
        build_world,
        collections_world,
    )

    if spec["data"] == "big":
        world = SandboxWorld()
        add_big_account(world, **spec["big"])
    elif spec["data"] == "collections":
        world = collections_world(spec["size"], int(spec["big"].get("paid", 0)))
    else:
        drift = float(spec["big"].get("drift", 0.0))
        world = build_world(spec["data"], spec["size"] or None, drift=drift)
    sandbox = Sandbox(world=world).start()
    print(f"sandbox listening on {sandbox.url}", flush=True)
    sys.stdin.read()  # until the parent closes our stdin (or dies)
    sandbox.stop()


if __name__ == "__main__":
    _serve(json.loads(sys.argv[1]))
