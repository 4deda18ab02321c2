"""The Bolt app: one instance, the same for HTTP mode, Socket Mode, the console and the tests."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse

from audit import first_time
from bot.edge.slack_limits import LimitedRespond
from bot.listeners import register
from bot.runtime.services import Services
from commands.context import correlation_id, new_correlation_id

log = logging.getLogger("jethub.bot")


def _dedupe_key(req: BoltRequest) -> str | None:
    """Slack's id for a delivery: retries of the same delivery carry the same one."""
    body = req.body
    if "event_id" in body:
        return f"event:{body['event_id']}"
    trigger = body.get("trigger_id")
    if trigger:
        kind = body.get("type") or "command"
        suffix = ""
        if kind == "block_actions":
            suffix = ":" + ",".join(str(a.get("action_ts", "")) for a in body.get("actions") or [])
        return f"{kind}:{trigger}{suffix}"
    return None


def create_app(services: Services, *, verify_token: bool = True) -> App:
    settings = services.settings
    secret = settings.slack_signing_secret
    app = App(
        logger=log,
        name="jethub",
        signing_secret=secret.get_secret_value() if secret else None,
        client=services.slack,
        process_before_response=True,
        token_verification_enabled=verify_token and services.slack.token is not None,
        request_verification_enabled=secret is not None,
        listener_executor=services.executor,
    )

    @app.middleware
    def correlate_and_identify(
        req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> Any:
        # Bolt runs the listener after the whole middleware chain has returned, on this same
        # thread, so the id is set here and replaced by the next request, not reset on return.
        cid = new_correlation_id()
        correlation_id.set(cid)
        req.context["correlation_id"] = cid
        # Every listener is handed the services and the actor with the roles held now (from the
        # settings and the background-refreshed groups: never a Slack call in the ack).
        req.context["services"] = services
        req.context["actor"] = services.roles.actor(req.context.user_id or "")
        return next()

    @app.middleware
    def dedupe(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> Any:
        key = _dedupe_key(req)
        if key is not None:
            with services.deps.ledger.connection() as connection:
                fresh = first_time(session=connection, key=key, now=services.deps.now())
            if not fresh:
                log.info("duplicate Slack delivery answered without re-running", extra={"key": key})
                return BoltResponse(status=200, body="")
        return next()

    @app.middleware
    def slack_limits(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> Any:
        context = req.context
        # Bolt hands each request a fresh plain WebClient; the listeners get the shared one that
        # keeps Slack's limits (its token never changes, so sharing it is safe).
        context["client"] = services.slack
        services.slack.views.saw(req.body.get("view"))
        if context.response_url:
            container = req.body.get("container")
            context["respond"] = LimitedRespond(
                response_url=context.response_url,
                book=services.response_urls,
                client=services.slack,
                user=context.user_id,
                channel=context.channel_id,
                container=container if isinstance(container, dict) else None,
                poster=services.replies,
            )
        return next()

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        log.exception("listener failed before acknowledging", exc_info=error)
        return BoltResponse(status=500, body="")

    register(app)

    @app.event(re.compile(".*"))
    def unhandled_event(ack: Ack, event: dict[str, Any]) -> None:
        # An event no listener above handles is acknowledged all the same (an unacknowledged
        # event is redelivered three times, over HTTP or Socket Mode alike).
        ack()
        log.info("ignored an event the app does not handle", extra={"type": event.get("type")})

    return app
