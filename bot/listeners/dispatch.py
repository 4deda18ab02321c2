"""``/jethub …`` and the ``verb:<name>`` buttons that run a verb on an account.

The command is parsed and authorised inside the ack, a button right after it (both from the
ledger and settings, never from the payload); the verb's handler runs after the ack. A verb's
buttons anywhere (account view, digest, a pick list) come for free with
``bot.edge.blocks.verb_button``; a click is role-checked again here.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.edge.boundary import Message, after_ack
from bot.edge.codecs import NotValidAnyMore, VerbTarget
from bot.edge.payloads import BlockAction, SlashCommand
from bot.edge.turns import Click, VerbCall, replier, responder
from bot.edge.verbs import VERBS, BadAccountArgument, Invocation, UsageError, help_message, parse
from bot.listeners.verbs import HANDLERS
from bot.runtime.services import Services
from commands.actor import Actor
from commands.errors import Forbidden
from commands.trail import authorize, record

VERB_ACTION = re.compile(r"^verb:([a-z-]+)$")


def on_command(
    ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond, client: WebClient
) -> None:
    services: Services = context["services"]
    actor: Actor = context["actor"]
    command = SlashCommand.model_validate(body)
    answer = responder(respond, replier(client, actor.user_id, command.channel_id))
    try:
        invocation = parse(command.text)
    except UsageError as exc:
        ack(text=str(exc))
        # The ack was the answer; a record the ledger could not take is logged, not told.
        after_ack(services, "usage", partial(_record_usage, services, actor, exc), _logged_only)
        return
    if invocation.verb.name == "help":
        ack(**help_message(actor, services.deps.policy.role_contact))
        return
    call = VerbCall(services, actor, client, answer, command.channel_id, command.trigger_id)
    refusal = start(call, invocation, origin=None, button=None)
    ack(text=refusal) if refusal else ack()


def _logged_only(_: Message) -> None:
    """``after_ack`` has logged the failure already; the person has their answer."""


def _record_usage(services: Services, actor: Actor, exc: UsageError) -> None:
    """A command that could not be read is a refusal like any other: audited (and so counted in
    /metrics), under its verb's action when the verb was named."""
    if isinstance(exc, BadAccountArgument):
        details = {"problem": "not an account", "argument": exc.argument}
        action = exc.verb.action
    else:
        details, action = {"problem": str(exc)[:200]}, "usage"
    record(
        services.deps, actor=actor, action=action, account=None, outcome="refused", details=details
    )


def on_verb_button(click: Click) -> None:
    """A ``verb:<name>`` button: the verb on the account it carries, for whoever clicked (a
    button carries an account number and maybe where it was shown, nothing else)."""
    target = click.value(VerbTarget)
    match = VERB_ACTION.match(click.clicked.clicked.action_id)
    verb = VERBS.get(match.group(1)) if match else None
    if verb is None:
        raise NotValidAnyMore()
    call = VerbCall(
        click.services, click.actor, click.client, click.answer, click.channel_id, click.trigger_id
    )
    invocation = Invocation(verb, target.account, "")
    refusal = start(call, invocation, origin=target.origin or None, button=click.clicked)
    if refusal:
        click.tell(refusal)


def start(
    call: VerbCall,
    invocation: Invocation,
    *,
    origin: str | None,
    button: BlockAction | None,
) -> str | None:
    """Authorise and schedule; a refusal to show at once, or None when the verb will run."""
    verb = invocation.verb
    if verb.role is not None and not verb.allowed(call.actor):
        try:
            authorize(
                call.deps,
                call.actor,
                verb.role,
                action=verb.action,
                to=verb.to or f"use `/jethub {verb.name}`",
                account=invocation.account,
            )
        except Forbidden as exc:
            return str(exc)
    call = replace(call, invocation=invocation, origin=origin, button=button)
    handler = HANDLERS.get(verb.name)
    if handler is None:
        return f"`/jethub {verb.name}` is not available in this build yet."
    after_ack(call.services, verb.name, partial(handler, call), call.answer, verb=verb.name)
    return None
