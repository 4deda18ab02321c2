"""``/_sandbox``: counters, faults and token expiry, for tests and benchmarks. Never faulted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from devkit.sandbox._counters import Counters
from devkit.sandbox._faults import FaultBoard, FaultSettings
from devkit.sandbox._http import BadRequest, Call, Reply, Route, read_json


def _error(status: int, message: str) -> Reply:
    return Reply(status, {"error": message})


@dataclass(frozen=True, slots=True)
class ControlApi:
    counters: Counters
    faults: FaultBoard

    def routes(self) -> list[Route]:
        return [
            Route("/_sandbox/counters", ("GET",), self.get_counters),
            Route("/_sandbox/counters/reset", ("POST",), self.reset_counters),
            Route("/_sandbox/faults", ("GET",), self.get_faults),
            Route("/_sandbox/faults", ("DELETE",), self.clear_faults),
            Route("/_sandbox/faults/<backend>", ("PUT",), self.set_faults),
            Route("/_sandbox/zuora/expire-tokens", ("POST",), self.expire_tokens),
        ]

    def get_counters(self, call: Call) -> Reply:
        return Reply(200, self.counters.snapshot())

    def reset_counters(self, call: Call) -> Reply:
        self.counters.reset()
        return Reply(200, self.counters.snapshot())

    def _all_faults(self) -> dict[str, Any]:
        return {b: s.model_dump() for b, s in self.faults.snapshot().items()}

    def get_faults(self, call: Call) -> Reply:
        return Reply(200, self._all_faults())

    def clear_faults(self, call: Call) -> Reply:
        self.faults.clear()
        return Reply(200, self._all_faults())

    def set_faults(self, call: Call) -> Reply:
        backend = call.args["backend"]
        if backend not in self.faults:
            return _error(404, f"unknown backend {backend!r}: zuora, platform or sbc")
        try:
            body = read_json(call.request)
            if not isinstance(body, dict):
                raise BadRequest("body must be an object")
            FaultSettings.model_validate(body)  # names and ranges, before changing anything
            settings = self.faults[backend].set(**body)
        except BadRequest as exc:
            return _error(400, exc.message)
        except ValidationError as exc:
            return _error(400, str(exc.errors()[0]["msg"]) + f" at {exc.errors()[0]['loc']}")
        return Reply(200, settings.model_dump())

    def expire_tokens(self, call: Call) -> Reply:
        with call.world.lock:
            count = len(call.world.zuora.tokens)
            call.world.zuora.expire_tokens()
        return Reply(200, {"expired": count})
