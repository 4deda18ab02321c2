"""``/jethub <verb> …`` and the ``verb:<name>`` buttons that run a verb on an account.

Both paths parse and authorise inside the ack (fast, from the ledger and settings, never from the
payload), then hand the verb's handler to the worker pool. A feature adds a verb by registering a
handler with the ``VerbRouter``; its buttons anywhere (account view, digest) come for free by
using ``bot.blocks.verb_button``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.boundary import after_ack
from bot.services import Services
from bot.verbs import (
    VERBS,
    Invocation,
)
from commands.actor import Actor

log = logging.getLogger(__name__)

VERB_ACTION = re.compile(r"^verb:([a-z-]+)$")


@dataclass(frozen=True)
class VerbCall:
    """One authorised invocation, handed to the verb's handler after the ack."""

    invocation: Invocation
    actor: Actor
    services: Services
    client: WebClient
    respond: Respond
    channel_id: str
    trigger_id: str
    body: dict[str, Any]
    origin: str | None = None  # e.g. "digest:2026-11-24" when a digest button started it

    @property
    def account(self) -> str:
        assert self.invocation.account is not None
        return self.invocation.account

    def say(self, text: str, **payload: Any) -> None:
        """Answer only the asker (ephemeral), through the response_url."""
        self.respond(text=text, response_type="ephemeral", replace_original=False, **payload)


VerbHandler = Callable[[VerbCall], None]


class VerbRouter:
    def __init__(self) -> None:
        self._handlers: dict[str, VerbHandler] = {}

    def add(self, verb: str, handler: VerbHandler) -> None:
        if verb not in VERBS:
            raise ValueError(f"{verb!r} is not a verb in bot/verbs.py")
        if verb in self._handlers:
            raise ValueError(f"verb {verb!r} already has a handler")
        self._handlers[verb] = handler

    def get(self, verb: str) -> VerbHandler | None:
        return self._handlers.get(verb)


def legacy_handler(
    router: VerbRouter,
    services: Services,
    verb: str,
    respond: Respond,
    body: dict[str, Any],
    call: Any,
) -> Callable[[], None] | None:
    """TRANSITIONAL: a verb still registered the old way, run with the old ``VerbCall``."""
    handler = router.get(verb)
    if handler is None:
        return None
    old = VerbCall(
        invocation=call.invocation,
        actor=call.actor,
        services=services,
        client=call.client,
        respond=respond,
        channel_id=call.channel_id,
        trigger_id=call.trigger_id,
        body=body,
        origin=call.origin,
    )
    return lambda: handler(old)


class Notify(Protocol):
    def __call__(self, text: str) -> object: ...


def after_ack_text(
    services: Services, action: str, work: Callable[[], None], notify: Notify
) -> None:
    """TRANSITIONAL: ``after_ack`` for the modules that still answer with text."""
    after_ack(services, action, work, lambda payload: notify(str(payload["text"])))
