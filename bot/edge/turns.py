"""What a listener is handed, and the adapters that make a Bolt listener of it.

A listener in ``bot/listeners/`` is a plain function of one typed *turn*: who (the actor, its
roles resolved by the middleware in ``bot.app``), where (channel, trigger), what they sent (a
``bot.edge.payloads`` model, button values through ``bot.edge.codecs``) and how to answer them. The
adapters below do the rest the same way for every listener:

- ``on_click``: ack at once, then run the listener on the worker pool;
- ``on_submit``: run the listener inside the ack — it validates and returns what to do ``Later``
  — and answer a refusal in the modal (inline on its field, or as a notice), then do the rest;
- ``on_event``: ack at once, then run the listener.

Whatever a listener raises after the ack goes through ``bot.edge.boundary.render_error`` to the
person: listeners never map errors themselves.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError
from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.edge.boundary import Message, Post, after_ack, said, user_message
from bot.edge.codecs import Codec, NotValidAnyMore
from bot.edge.modals import loading_modal, notice_modal
from bot.edge.payloads import AppHomeOpened, BlockAction, ViewSubmission
from bot.edge.slack_limits import to_person
from bot.runtime.services import Services
from commands.actor import Actor
from commands.errors import CommandError, InvalidInput
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from bot.edge.verbs import Invocation
    from commands.deps import Deps

log = logging.getLogger(__name__)

V = TypeVar("V", bound=Codec)
BoltListener = Callable[..., None]


@dataclass(frozen=True)
class Turn:
    """One person's request: who, where, and how to answer only them."""

    services: Services
    actor: Actor
    client: WebClient
    answer: Post
    channel_id: str = ""
    trigger_id: str = ""

    @property
    def deps(self) -> Deps:
        return self.services.deps

    def say(self, payload: Message) -> None:
        self.answer(payload)

    def tell(self, text: str) -> None:
        """Say ``text``, which is safe mrkdwn already (nothing from outside unescaped)."""
        self.answer(said(text))

    def open_modal(
        self, title: str, build: Callable[[], View], loading: View | None = None
    ) -> None:
        """Open a loading modal inside the trigger's three seconds, then fill it with ``build()``
        — or, when that fails, with what ``render_error`` says about why."""
        opened = self.client.views_open(
            trigger_id=self.trigger_id, view=loading or loading_modal(title)
        )
        view_id, view_hash = opened["view"]["id"], opened["view"].get("hash")
        try:
            view = build()
        except Exception as exc:
            if not isinstance(exc, CommandError | IntegrationError):
                log.exception("could not build the %s modal", title)
            view = notice_modal(title, user_message(exc))
        self.client.views_update(view_id=view_id, hash=view_hash, view=view)


@dataclass(frozen=True)
class Click(Turn):
    """A button clicked or an option picked, in a message."""

    payload: BlockAction | None = None
    respond: Respond | None = None

    @property
    def clicked(self) -> BlockAction:
        assert self.payload is not None
        return self.payload

    def value(self, codec: type[V]) -> V:
        """The clicked element's value, read with its codec (``NotValidAnyMore`` otherwise)."""
        return codec.decode(self.clicked.clicked.chosen)

    def replace(self, payload: Message) -> None:
        """Replace the message that was clicked (an ephemeral one too) with ``payload``."""
        assert self.respond is not None
        self.respond(replace_original=True, response_type="ephemeral", **payload)

    def share(self, payload: Message) -> None:
        """Post ``payload`` for everyone in the channel where the button was clicked."""
        assert self.respond is not None
        self.respond(replace_original=False, response_type="in_channel", **payload)


@dataclass(frozen=True)
class VerbCall(Turn):
    """``/jethub <verb> …``, typed or run by a ``verb:<name>`` button; authorised already."""

    invocation: Invocation | None = None
    origin: str | None = None  # e.g. "digest:2026-11-24" when a digest button ran it
    button: BlockAction | None = None  # the click, when a button ran it

    @property
    def verb(self) -> str:
        assert self.invocation is not None
        return self.invocation.verb.name

    @property
    def account(self) -> str:
        assert self.invocation is not None and self.invocation.account is not None
        return self.invocation.account

    @property
    def rest(self) -> str:
        assert self.invocation is not None
        return self.invocation.rest


@dataclass(frozen=True)
class Submission(Turn):
    """A modal submitted; read inside the ack."""

    payload: ViewSubmission | None = None

    @property
    def submitted(self) -> ViewSubmission:
        assert self.payload is not None
        return self.payload

    def meta(self, codec: type[V]) -> V:
        """What the modal carries in ``private_metadata``, read with its codec."""
        return codec.decode(self.submitted.view.private_metadata)


@dataclass(frozen=True)
class Later:
    """What a submission leaves for after the ack, and where to answer: ephemerally in the
    channel the modal was opened from, else in a direct message."""

    work: Callable[[Post], None]
    channel: str = ""


def replier(client: WebClient, user: str, channel: str) -> Post:
    """Answer ``user`` only: an ephemeral in ``channel``, else a direct message."""

    def post(payload: Message) -> object:
        return to_person(client, user, channel, dict(payload))

    return post


def responder(respond: Respond | None, fallback: Post) -> Post:
    """Answer through the response_url (ephemeral, leaving the original), else ``fallback``
    (Bolt hands a ``respond`` even to a payload that carries no response_url)."""
    if respond is None or not respond.response_url:
        return fallback

    def post(payload: Message) -> object:
        return respond(response_type="ephemeral", replace_original=False, **payload)

    return post


def on_click(listener: Callable[[Click], None]) -> BoltListener:
    def handle(
        ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond, client: WebClient
    ) -> None:
        ack()
        services: Services = context["services"]
        actor: Actor = context["actor"]
        answer = responder(respond, replier(client, actor.user_id, context.channel_id or ""))
        try:
            payload = BlockAction.model_validate(body)
        except ValidationError:
            after_ack(services, listener.__name__, _raise(NotValidAnyMore()), answer)
            return
        click = Click(
            services,
            actor,
            client,
            answer,
            channel_id=payload.channel_id,
            trigger_id=payload.trigger_id,
            payload=payload,
            respond=respond,
        )
        after_ack(services, listener.__name__, lambda: listener(click), answer)

    return _named(handle, listener)


def on_submit(listener: Callable[[Submission], Later | None]) -> BoltListener:
    def handle(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        services: Services = context["services"]
        actor: Actor = context["actor"]
        try:
            payload = ViewSubmission.model_validate(body)
        except ValidationError:
            notice = notice_modal("Not valid", user_message(NotValidAnyMore()))
            ack(response_action="update", view=notice)
            return
        submission = Submission(
            services, actor, client, replier(client, actor.user_id, ""), payload=payload
        )
        try:
            later = listener(submission)
        except Exception as exc:  # answered in the modal: unacknowledged, Slack says only "trouble"
            if not isinstance(exc, CommandError | IntegrationError):
                log.exception("unexpected failure validating %s", listener.__name__)
            ack(**_refusal(payload, exc))
            return
        ack()
        if later is not None:
            post = replier(client, actor.user_id, later.channel)
            after_ack(services, listener.__name__, lambda: later.work(post), post)

    return _named(handle, listener)


def on_event(
    listener: Callable[[Turn, AppHomeOpened], None],
    answer: Callable[[WebClient, str, Message], object],
) -> BoltListener:
    """``answer(client, user, message)`` tells a failure: an event has no reply of its own."""

    def handle(ack: Ack, event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        services: Services = context["services"]
        actor: Actor = context["actor"]
        opened = AppHomeOpened.model_validate(event)
        turn = Turn(services, actor, client, functools.partial(answer, client, actor.user_id))
        after_ack(services, listener.__name__, lambda: listener(turn, opened), turn.answer)

    return _named(handle, listener)


def _refusal(payload: ViewSubmission, exc: Exception) -> dict[str, Any]:
    """A refusal (or a failure) inside a submission's ack: on the fields it names when the modal
    has them, else as a notice in place of the modal, in ``render_error``'s words."""
    errors: dict[str, str] = {}
    if isinstance(exc, InvalidInput):  # AddressRejected names several fields at once
        errors = getattr(exc, "errors", None) or {exc.field: str(exc)}
    if errors and all(field in payload.view.state.values for field in errors):
        return {"response_action": "errors", "errors": {k: v[:2000] for k, v in errors.items()}}
    title = payload.view.title.text if payload.view.title else "Not possible"
    return {"response_action": "update", "view": notice_modal(title, user_message(exc))}


def _raise(exc: Exception) -> Callable[[], None]:
    def fail() -> None:
        raise exc

    return fail


def _named(handle: BoltListener, listener: Callable[..., Any]) -> BoltListener:
    handle.__name__ = handle.__qualname__ = listener.__name__
    handle.__module__ = listener.__module__
    return handle
