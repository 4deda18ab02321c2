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
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import metrics
from bot.blocks import esc, message, section
from bot.boundary import after_ack
from bot.services import Services
from bot.verbs import (
    MAX_ACCOUNT_DIGITS,
    VERBS,
    BadAccountArgument,
    Invocation,
    UsageError,
    help_lines,
    parse,
)
from commands.actor import Actor
from commands.errors import Forbidden
from commands.trail import authorize, record

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


def help_message(actor: Actor, role_contact: str | None = None) -> dict[str, Any]:
    """The verbs this person may run; the others are only counted, with who grants roles."""
    lines = "\n".join(help_lines(actor))
    text = (
        "*/jethub* — Jet Hub account management. An account is its Jet Hub number, its Zuora "
        "account number (`A00001001`), a phone number, or a name (in quotes when text follows it)."
        "\n" + lines
    )
    hidden = sum(1 for verb in VERBS.values() if not verb.allowed(actor))
    if hidden:
        who = esc(role_contact.strip()) if role_contact and role_contact.strip() else None
        text += f"\n_{hidden} more verb{'s' if hidden != 1 else ''} need a role you don't have" + (
            f" — to get one: {who}._" if who else "._"
        )
    return message("jethub verbs:\n" + lines, [section(text)])


def register(app: App, services: Services, router: VerbRouter) -> None:
    deps = services.deps

    def dispatch(
        invocation: Invocation,
        body: dict[str, Any],
        *,
        user_id: str,
        channel_id: str,
        respond: Respond,
        client: WebClient,
        origin: str | None,
    ) -> str | None:
        """Authorise and schedule; return a refusal to show in the ack, or None when accepted."""
        verb = invocation.verb
        actor = services.roles.actor(user_id)
        if verb.role is not None and not verb.allowed(actor):
            try:
                authorize(
                    deps,
                    actor,
                    verb.role,
                    action=verb.action,
                    to=verb.to or f"use `/jethub {verb.name}`",
                    account=invocation.account,
                )
            except Forbidden as exc:
                return str(exc)
        handler = router.get(verb.name)
        if handler is None:
            return f"`/jethub {verb.name}` is not available in this build yet."
        call = VerbCall(
            invocation=invocation,
            actor=actor,
            services=services,
            client=client,
            respond=respond,
            channel_id=channel_id,
            trigger_id=body.get("trigger_id", ""),
            body=body,
            origin=origin,
        )
        after_ack(
            services,
            verb.name,
            lambda: handler(call),
            lambda text: respond(text=text, response_type="ephemeral", replace_original=False),
        )
        return None

    @app.command("/jethub")
    def on_jethub(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        try:
            invocation = parse(body.get("text", ""))
        except BadAccountArgument as exc:
            ack(text=str(exc))
            record(  # counted in /metrics, as every audited refusal is, once it commits
                deps,
                actor=body["user_id"],
                action=exc.verb.action,
                account=None,
                outcome="refused",
                details={"problem": "not an account", "argument": exc.argument},
            )
            return
        except UsageError as exc:
            metrics.ACTIONS.labels("usage", "refused").inc()
            ack(text=str(exc))
            return
        if invocation.verb.name == "help":
            actor = services.roles.actor(body["user_id"])
            ack(**help_message(actor, deps.policy.role_contact))
            return
        refusal = dispatch(
            invocation,
            body,
            user_id=body["user_id"],
            channel_id=body.get("channel_id", ""),
            respond=respond,
            client=client,
            origin=None,
        )
        ack(text=refusal) if refusal else ack()

    @app.action(VERB_ACTION)
    def on_verb_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        match = VERB_ACTION.match(action.get("action_id", ""))
        raw = str(action.get("value") or action.get("selected_option", {}).get("value") or "")
        account, _, origin = raw.partition("|")
        verb = VERBS.get(match.group(1)) if match else None
        ack()
        tell = lambda text: services.executor.submit(  # noqa: E731 — after the ack, off this thread
            respond, text=text, response_type="ephemeral", replace_original=False
        )
        # A button carries an account number (and maybe where it was shown): anything else was
        # not made by us, and is refused before it can be recorded.
        if not (
            verb is not None
            and account.isascii()
            and account.isdigit()
            and len(account) <= MAX_ACCOUNT_DIGITS
            and len(origin) <= 64
            and origin.isprintable()
        ):
            tell("That button is not valid any more.")
            return
        channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get(
            "channel_id", ""
        )
        refusal = dispatch(
            Invocation(verb, account, ""),
            body,
            user_id=body["user"]["id"],
            channel_id=channel,
            respond=respond,
            client=client,
            origin=origin or None,
        )
        if refusal:
            tell(refusal)
