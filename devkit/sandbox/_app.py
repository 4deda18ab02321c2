"""The WSGI app: routes a request to its backend, counts it, applies faults and auth."""

from __future__ import annotations

import functools
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from devkit.sandbox import _platform_api, _sbc_api, _zuora_api, _zuora_payments, _zuora_query
from devkit.sandbox._control_api import ControlApi
from devkit.sandbox._counters import Counters
from devkit.sandbox._faults import FaultBoard
from devkit.sandbox._http import Call, Reply, Route, to_response
from devkit.sandbox._world import SandboxWorld

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SandboxTokens:
    """Credentials the sandbox insists on; a None field accepts any non-empty value."""

    zuora_client_id: str | None = None
    zuora_client_secret: str | None = field(default=None, repr=False)
    platform: str | None = field(default=None, repr=False)
    sbc: str | None = field(default=None, repr=False)


FaultReply = Callable[..., Reply]


@dataclass(frozen=True, slots=True)
class Backend:
    name: str
    prefixes: tuple[str, ...]
    routes: list[Route]
    authorised: Callable[[Call], bool]
    unauthorised: Callable[[], Reply]
    fault_reply: FaultReply
    finish: Callable[[Reply], Reply]

    def owns(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.prefixes)


def _same(given: str, expected: str | None) -> bool:
    if not given:
        return False
    return expected is None or secrets.compare_digest(given, expected)


def _credentials(request: Request) -> str:
    """What a careless backend quotes of its caller in an error text."""
    secret = request.form.get("client_secret", "")
    token = request.headers.get("Authorization") or request.headers.get("X-Auth-Token", "")
    return f" for token={token} client_secret={secret}"


def _unchanged(reply: Reply) -> Reply:
    return reply


def _backends(tokens: SandboxTokens) -> list[Backend]:
    def zuora_ok(call: Call) -> bool:
        return _zuora_api.bearer_ok(call.world.zuora, call.request)

    def platform_ok(call: Call) -> bool:
        return _same(call.request.headers.get("X-Auth-Token", ""), tokens.platform)

    def sbc_ok(call: Call) -> bool:
        scheme, _, token = call.request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and _same(token.strip(), tokens.sbc)

    def oauth(call: Call) -> Reply:
        return _zuora_api.oauth_token(call, tokens.zuora_client_id, tokens.zuora_client_secret)

    zuora_routes = [
        Route("/oauth/token", ("POST",), oauth, public=True),
        *_zuora_api.routes(),
        *_zuora_payments.routes(),
        *_zuora_query.routes(),
    ]
    platform_routes = [
        Route(r.path, r.methods, _platform_api.guard(r.handler)) for r in _platform_api.routes()
    ]
    return [
        Backend(
            "zuora",
            _zuora_api.PREFIXES,
            zuora_routes,
            zuora_ok,
            _zuora_api.unauthorised,
            _zuora_api.fault_reply,
            _zuora_api.finish,
        ),
        Backend(
            "platform",
            _platform_api.PREFIXES,
            platform_routes,
            platform_ok,
            _platform_api.unauthorised,
            _platform_api.fault_reply,
            _unchanged,
        ),
        Backend(
            "sbc",
            _sbc_api.PREFIXES,
            _sbc_api.routes(),
            sbc_ok,
            _sbc_api.unauthorised,
            _sbc_api.fault_reply,
            _unchanged,
        ),
    ]


def _no_route(backend: Backend | None, status: int, path: str) -> Reply:
    message = "no such resource" if status == 404 else "method not allowed"
    if backend is None or backend.name == "sbc":
        return _sbc_api.error(
            status, "not_found" if status == 404 else "method_not_allowed", message
        )
    if backend.name == "platform":
        return _platform_api.error(status, message)
    code = _zuora_api.NOT_FOUND if status == 404 else 50000045
    return _zuora_api.failure(status, code, f"{message}: {path}")


@functools.cache
def _route_map(rules: tuple[tuple[str, tuple[str, ...]], ...]) -> Map:
    """Compiling the routes takes tens of milliseconds; every app shares one map."""
    return Map(
        [
            Rule(path, methods=list(methods), endpoint=index)
            for index, (path, methods) in enumerate(rules)
        ],
        strict_slashes=False,
    )


class SandboxApp:
    """WSGI callable serving Zuora, the platform, the SBC and ``/_sandbox`` from one world."""

    def __init__(
        self,
        world: SandboxWorld,
        *,
        tokens: SandboxTokens | None = None,
        faults: FaultBoard | None = None,
        counters: Counters | None = None,
    ) -> None:
        self.world = world
        self.faults = faults or FaultBoard()
        self.counters = counters or Counters()
        self._backends = _backends(tokens or SandboxTokens())
        control = ControlApi(self.counters, self.faults)
        self._routes: list[tuple[Route, Backend | None]] = [
            (route, backend) for backend in self._backends for route in backend.routes
        ]
        self._routes += [(route, None) for route in control.routes()]
        self._map = _route_map(tuple((route.path, route.methods) for route, _ in self._routes))

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = to_response(self.handle(request))
        return response(environ, start_response)

    def _backend_for(self, path: str) -> Backend | None:
        return next((b for b in self._backends if b.owns(path)), None)

    def handle(self, request: Request) -> Reply:
        backend = self._backend_for(request.path)
        finish = backend.finish if backend else _unchanged
        try:
            index, args = self._map.bind_to_environ(request.environ).match()
        except NotFound:
            return finish(_no_route(backend, 404, request.path))
        except MethodNotAllowed as exc:
            reply = _no_route(backend, 405, request.path)
            reply.headers["Allow"] = ", ".join(exc.valid_methods or [])
            return finish(reply)
        except HTTPException as exc:  # redirects and the like
            return finish(_no_route(backend, exc.code or 404, request.path))
        route, owner = self._routes[index]
        call = Call(self.world, request, {k: str(v) for k, v in args.items()})
        if owner is None:
            return route.handler(call)
        return owner.finish(self._serve(owner, route, call))

    def _serve(self, backend: Backend, route: Route, call: Call) -> Reply:
        self.counters.incr(backend.name, f"{call.request.method} {route.template}")
        verdict = self.faults[backend.name].decide()
        if verdict.latency_s:
            time.sleep(verdict.latency_s)
        if verdict.failure is not None:
            return backend.fault_reply(
                verdict.failure.value,
                path=call.request.path,
                retry_after=verdict.retry_after,
                coin=verdict.coin,
                echo=_credentials(call.request) if verdict.echo else "",
            )
        with self.world.lock:
            if not route.public and not backend.authorised(call):
                return backend.unauthorised()
            try:
                return route.handler(call)
            except Exception:
                # The boundary of a server: answer 500 like the real system would, keep the trace.
                log.exception("sandbox handler failed: %s %s", call.request.method, route.path)
                return backend.fault_reply(
                    "fail_next", path=call.request.path, retry_after=0, coin=1.0
                )
