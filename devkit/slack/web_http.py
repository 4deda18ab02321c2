"""The fake's HTTP front: Web API calls under `/api/` (token checked, limits applied, every call
recorded), response URLs under `/response/` and upload URLs under `/upload/`.

State changes happen with the fake's lock held and wake its `wait_for`.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WsgiResponse

from devkit.slack import ids
from devkit.slack.files import Files
from devkit.slack.limits import Limits
from devkit.slack.records import ApiCall, ApiError
from devkit.slack.response_urls import ResponseUrls
from devkit.slack.web_args import parse_args
from devkit.slack.web_methods import WebMethods

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

# Methods called with the app-level token (xapp-) rather than the bot token.
_APP_TOKEN_METHODS = ("apps.connections.open",)


class WebHttp:
    """The WSGI app `FakeSlack` serves on loopback."""

    def __init__(
        self,
        *,
        bot_token: str,
        app_token: str,
        changed: threading.Condition,
        now: Callable[[], float],
        base_url: Callable[[], str],
        methods: WebMethods,
        limits: Limits,
        files: Files,
        response_urls: ResponseUrls,
    ) -> None:
        self._bot_token = bot_token
        self._app_token = app_token
        self._changed = changed
        self._now = now
        self._base_url = base_url
        self._methods = methods
        self._limits = limits
        self._files = files
        self._response_urls = response_urls
        self.calls: list[ApiCall] = []  # every Web API call, in order (read with the lock held)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        request = Request(environ)
        path = request.path
        if path.startswith("/api/"):
            response = self._handle_api(path.removeprefix("/api/"), request)
        elif path.startswith("/response/") and request.method == "POST":
            response = self._handle_response_url(request)
        elif path.startswith("/upload/") and request.method == "POST":
            response = self._handle_upload(request)
        else:
            response = WsgiResponse("not found", status=404, content_type="text/plain")
        return response(environ, start_response)

    def _handle_api(self, method: str, request: Request) -> WsgiResponse:
        now = self._now()
        args, token = parse_args(request)
        status, headers = 200, {"X-Slack-Req-Id": ids.random_id("", 16).lower()}
        with self._changed:
            handler = self._methods.get(method)
            if handler is None:
                body = ApiError("unknown_method").body()
            elif not token:
                body = ApiError("not_authed").body()
            elif token != (self._app_token if method in _APP_TOKEN_METHODS else self._bot_token):
                body = ApiError("invalid_auth").body()
            elif refused := self._limits.refusal(method, args, now, headers):
                status, body = refused
            else:
                try:
                    body = {"ok": True, **handler(args, now)}
                except ApiError as exc:
                    body = exc.body()
            self.calls.append(ApiCall(method, args, now, status, copy.deepcopy(body)))
            self._changed.notify_all()
        return WsgiResponse(
            json.dumps(body),
            status=status,
            headers=headers,
            content_type="application/json; charset=utf-8",
        )

    def _handle_upload(self, request: Request) -> WsgiResponse:
        """The upload URL files.getUploadURLExternal handed out: the file's bytes, raw."""
        data = request.get_data(cache=False, parse_form_data=False)
        with self._changed:
            if not self._files.receive(request.path, data):
                return WsgiResponse("invalid upload url", status=404, content_type="text/plain")
            self._changed.notify_all()
        return WsgiResponse(f"OK - {len(data)}", status=200, content_type="text/plain")

    def _handle_response_url(self, request: Request) -> WsgiResponse:
        url = self._base_url() + request.path.lstrip("/")
        raw = request.get_data(as_text=True)
        with self._changed:
            posted = self._response_urls.receive(url, raw, self._now())
            self._changed.notify_all()
        return WsgiResponse(posted.result, status=posted.status, content_type="text/html")
