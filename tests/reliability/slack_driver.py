"""Driving the deployed bot the way Slack users do, over signed HTTP, including users who click
a button on a copy of a message that has since changed (the race the approvals must win)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from bot.approvals import views as approval_views
from bot.approvals.views import APPROVE as APPROVE_ACTION
from bot.approvals.views import APPROVE_MODAL
from bot.deactivation import views as deactivation_views
from devkit.slack import FakeSlack, Response, SlackSender, payloads
from tests.fixtures.bot import APPROVALS_CHANNEL, SIGNING_SECRET

Json = dict[str, Any]
T = TypeVar("T")


def sender(fake: FakeSlack, base_url: str) -> SlackSender:
    return SlackSender(f"{base_url}/slack/events", SIGNING_SECRET, fake, timeout=30.0)


def poll(predicate: Callable[[], T | None], *, timeout: float, every: float = 0.02) -> T:
    """Wait for a truthy ``predicate()`` across processes (no wait_idle reaches them)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met in {timeout}s (last: {value!r})")
        time.sleep(every)


def request_deactivation(send: SlackSender, fake: FakeSlack, user: str, account: str) -> Json:
    """``/jethub deactivate <account>``, fill the modal, submit; the approval message posted."""
    answer = send.command(user, f"deactivate {account}")
    assert answer.status_code == 200, answer.text

    def request_modal() -> Json | None:
        view = fake.open_view(user)
        if view is not None and view.get("callback_id") == deactivation_views.REQUEST_MODAL:
            return view
        return None

    view = poll(request_modal, timeout=30)
    submitted = send.view_submission(
        user,
        view["id"],
        values={
            deactivation_views.REASON_BLOCK: {deactivation_views.INPUT_ACTION: "closing down"},
            deactivation_views.CONFIRM_BLOCK: {deactivation_views.INPUT_ACTION: account},
            # An account with active children must say what becomes of them: they stay.
            deactivation_views.CHILDREN_BLOCK: {
                deactivation_views.INPUT_ACTION: {
                    "type": "radio_buttons",
                    "selected_option": {"value": "keep"},
                }
            },
        },
    )
    assert submitted.status_code == 200, submitted.text

    def approval_message() -> Json | None:
        for message in fake.messages(APPROVALS_CHANNEL):
            if f"Deactivate account {account} " in json.dumps(message.get("blocks", [])):
                return dict(message)
        return None

    return poll(approval_message, timeout=30)


def stale_click(
    send: SlackSender,
    fake: FakeSlack,
    user: str,
    shown: Json,
    action_id: str,
    value: str,
    *,
    response_url: str | None = None,
) -> Response:
    """``user`` clicks ``action_id`` on ``shown``: the message as it was when their client drew
    it, even if the bot has replaced its buttons since."""
    who = fake.directory.user(user)
    channel = fake.directory.channel(APPROVALS_CHANNEL)
    ref = fake.find_message(shown["ts"])
    assert who is not None and channel is not None and ref is not None
    trigger_id = fake.issue_trigger(user)
    response_url = response_url or fake.issue_response_url(user, channel.id, origin=ref)
    action = payloads.action(
        shown.get("blocks", []),
        action_id,
        value,
        block_id=None,
        selected_option=None,
        action_ts=f"{time.time():.6f}",
    )
    message = {k: v for k, v in shown.items() if k not in ("channel", "via")}
    payload = payloads.block_actions(
        user=who,
        team=fake.team,
        bot=fake.bot,
        trigger_id=trigger_id,
        actions=[action],
        container={
            "type": "message",
            "message_ts": shown["ts"],
            "channel_id": channel.id,
            "is_ephemeral": False,
        },
        state={"values": {}},
        channel=channel,
        message=message,
        response_url=response_url,
    )
    return send.post(urlencode({"payload": json.dumps(payload)}).encode())


def stale_approve(
    send: SlackSender, fake: FakeSlack, user: str, shown: Json, request_id: str, account: str
) -> Response:
    """``user`` clicks Approve on ``shown`` (as :func:`stale_click`) and, when the bot opens the
    typed confirmation (a deactivation's), types ``account`` into it: the submission is the
    approval. The click's answer when no modal opened (a refusal, told through its response URL).
    One approval at a time per user: Slack shows a person one modal stack."""
    channel = fake.directory.channel(APPROVALS_CHANNEL)
    ref = fake.find_message(shown["ts"])
    assert channel is not None and ref is not None
    before = fake.open_view(user)
    response_url = fake.issue_response_url(user, channel.id, origin=ref)
    clicked = stale_click(
        send, fake, user, shown, APPROVE_ACTION, request_id, response_url=response_url
    )
    assert clicked.status_code == 200, clicked.text

    def opened_or_answered() -> Json | None:
        view = fake.open_view(user)
        fresh = view is not None and (before is None or view["id"] != before["id"])
        if fresh and view is not None and view["callback_id"] == APPROVE_MODAL:
            return view
        if any(r.url == response_url for r in fake.responses()):
            return {"answered": response_url}
        return None

    view = poll(opened_or_answered, timeout=30)
    if "id" not in view:
        return clicked
    typed = {approval_views.TYPED_FIELD: {approval_views.APPROVE_TYPED_ACTION: account}}
    return send.view_submission(user, view["id"], values=typed)
