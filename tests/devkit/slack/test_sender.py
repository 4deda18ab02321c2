"""SlackSender sends Slack's payload shapes and applies the bot's answers to the fake."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient

from devkit.slack import FakeSlack, SlackRejected, SlackSender, UnknownTarget


def _approval_message(client: WebClient) -> dict:
    blocks = [
        SectionBlock(block_id="summary", text="Deactivate *1001*?"),
        ActionsBlock(
            block_id="decide",
            elements=[
                ButtonElement(text="Approve", action_id="approve", value="req-7", style="primary"),
                ButtonElement(text="Deny", action_id="deny", value="req-7", style="danger"),
            ],
        ),
    ]
    return client.chat_postMessage(channel="C0APPROVALS", text="approval", blocks=blocks)["message"]


def _open_modal(client: WebClient, fake: FakeSlack, user: str = "U0ALICE", **extra) -> dict:
    view = View(
        type="modal",
        callback_id="rename",
        private_metadata="1001",
        title="Rename account",
        submit="Save",
        blocks=[
            InputBlock(
                block_id="name", label="New name", element=PlainTextInputElement(action_id="value")
            ),
            SectionBlock(
                block_id="plan",
                text="Plan",
                accessory=StaticSelectElement(
                    action_id="pick",
                    options=[Option(text="Basic", value="basic"), Option(text="Pro", value="pro")],
                ),
            ),
        ],
        **extra,
    )
    return client.views_open(trigger_id=fake.issue_trigger(user), view=view)["view"]


def test_slash_command_fields(sender: SlackSender, recording_app, fake_slack: FakeSlack):
    app, _ = recording_app
    response = sender.command("U0ALICE", "suspend 1001", channel="C0OPS")
    assert response.status_code == 200
    fields = app.received[-1].payload()
    assert fields["command"] == "/jethub"
    assert fields["text"] == "suspend 1001"
    assert (fields["user_id"], fields["user_name"]) == ("U0ALICE", "alice")
    assert (fields["channel_id"], fields["channel_name"]) == ("C0OPS", "ops")
    assert fields["team_id"] == fake_slack.team.id
    assert fields["api_app_id"] == fake_slack.bot.app_id
    assert fields["trigger_id"] == response.trigger_id
    assert fields["response_url"] == response.response_url
    assert response.response_url is not None
    assert response.response_url.startswith(fake_slack.base_url + "response/")
    assert app.received[-1].headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_command_trigger_and_response_url_are_live(sender, client, fake_slack: FakeSlack):
    response = sender.command("U0ALICE", "edit 1001")
    assert client.views_open(
        trigger_id=response.trigger_id,
        view=View(type="modal", title="Edit", blocks=[SectionBlock(text="x")]),
    )["ok"]
    assert fake_slack.open_view("U0ALICE") is not None
    WebhookClient(response.response_url).send(text="later")
    assert [e["text"] for e in fake_slack.ephemerals("U0ALICE")] == ["later"]


@pytest.mark.parametrize(
    ("ack", "ephemeral", "in_channel"),
    [
        ("", [], []),
        ({"text": "Working on it"}, ["Working on it"], []),
        ("plain text ack", ["plain text ack"], []),
        ({"text": "Shared", "response_type": "in_channel"}, [], ["Shared"]),
    ],
)
def test_command_ack_body_is_shown_like_slack(
    sender, recording_app, fake_slack, ack, ephemeral, in_channel
):
    app, _ = recording_app
    app.answer(ack)
    sender.command("U0ALICE", "status 1001", channel="C0OPS")
    assert [e["text"] for e in fake_slack.ephemerals("U0ALICE")] == ephemeral
    assert [m["text"] for m in fake_slack.messages("C0OPS")] == in_channel


def test_command_ack_then_replace_original_replaces_the_ack(sender, recording_app, fake_slack):
    app, _ = recording_app
    app.answer({"text": "Working on it"})
    response = sender.command("U0ALICE", "status 1001")
    WebhookClient(response.response_url).send(text="Active", replace_original=True)
    assert [e["text"] for e in fake_slack.ephemerals("U0ALICE")] == ["Active"]


def test_error_status_shows_nothing(sender, recording_app, fake_slack):
    app, _ = recording_app
    app.answer({"text": "never shown"}, status=500)
    assert sender.command("U0ALICE", "x").status_code == 500
    assert fake_slack.ephemerals("U0ALICE") == []


def test_button_click_on_a_channel_message(sender, recording_app, client, fake_slack):
    app, _ = recording_app
    message = _approval_message(client)
    response = sender.block_action("U0BOB", "approve", message=message)
    payload = app.received[-1].payload()
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == "U0BOB"
    assert payload["container"] == {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": "C0APPROVALS",
        "is_ephemeral": False,
    }
    assert payload["channel"]["id"] == "C0APPROVALS"
    assert payload["message"]["ts"] == message["ts"]
    assert payload["trigger_id"] == response.trigger_id
    assert payload["response_url"] == response.response_url
    assert payload["state"] == {"values": {}}
    [action] = payload["actions"]
    assert action["action_id"] == "approve"
    assert action["block_id"] == "decide"
    assert action["type"] == "button"
    assert action["value"] == "req-7"
    assert action["text"]["text"] == "Approve"
    # The response URL points at the clicked message.
    WebhookClient(response.response_url).send(text="Approved by Bob", replace_original=True)
    assert fake_slack.messages("C0APPROVALS")[0]["text"] == "Approved by Bob"
    assert "blocks" not in fake_slack.messages("C0APPROVALS")[0]


def test_clicking_what_is_not_there(sender, client, fake_slack):
    message = _approval_message(client)
    with pytest.raises(UnknownTarget):
        sender.block_action("U0BOB", "escalate", message=message)
    with pytest.raises(UnknownTarget):
        sender.block_action("U0BOB", "approve", message={"ts": "1.000001"})
    with pytest.raises(ValueError):
        sender.block_action("U0BOB", "approve")


def test_click_on_an_ephemeral(sender, recording_app, client, fake_slack):
    app, _ = recording_app
    blocks = [ActionsBlock(elements=[ButtonElement(text="Share", action_id="share", value="1")])]
    posted = client.chat_postEphemeral(channel="C0OPS", user="U0ALICE", text="x", blocks=blocks)
    with pytest.raises(UnknownTarget):
        sender.block_action("U0BOB", "share", message=posted["message_ts"])
    response = sender.block_action("U0ALICE", "share", message=posted["message_ts"])
    payload = app.received[-1].payload()
    assert payload["container"]["is_ephemeral"] is True
    assert "message" not in payload
    WebhookClient(response.response_url).send_dict({"delete_original": True})
    assert fake_slack.ephemerals("U0ALICE") == []


def test_select_in_a_modal(sender, recording_app, client, fake_slack):
    app, _ = recording_app
    opened = _open_modal(client, fake_slack)
    sender.block_action("U0ALICE", "pick", "pro", view=opened)
    payload = app.received[-1].payload()
    assert payload["container"] == {"type": "view", "view_id": opened["id"]}
    assert payload["view"]["id"] == opened["id"]
    assert "response_url" not in payload
    [action] = payload["actions"]
    assert action["type"] == "static_select"
    assert action["block_id"] == "plan"
    assert action["selected_option"]["value"] == "pro"
    assert action["selected_option"]["text"]["text"] == "Pro"


def test_view_submission_payload_and_close(sender, recording_app, client, fake_slack):
    app, _ = recording_app
    opened = _open_modal(client, fake_slack)
    sender.view_submission("U0ALICE", values={"name": {"value": "Acme Pty Ltd"}})
    payload = app.received[-1].payload()
    assert payload["type"] == "view_submission"
    view = payload["view"]
    assert (view["id"], view["callback_id"], view["private_metadata"], view["hash"]) == (
        opened["id"],
        "rename",
        "1001",
        opened["hash"],
    )
    assert view["state"]["values"] == {
        "name": {"value": {"type": "plain_text_input", "value": "Acme Pty Ltd"}}
    }
    assert payload["trigger_id"]
    assert fake_slack.open_view("U0ALICE") is None  # an empty ack closes the modal


def test_view_submission_errors_keep_the_modal_open(sender, recording_app, client, fake_slack):
    app, _ = recording_app
    _open_modal(client, fake_slack)
    app.answer({"response_action": "errors", "errors": {"name": "Name is required"}})
    response = sender.view_submission("U0ALICE", values={"name": {"value": ""}})
    assert response.json()["errors"] == {"name": "Name is required"}
    still_open = fake_slack.open_view("U0ALICE")
    assert still_open is not None
    assert still_open["state"]["values"]["name"]["value"]["value"] == ""


def test_errors_for_a_block_that_is_not_an_input_are_refused(
    sender, recording_app, client, fake_slack
):
    app, _ = recording_app
    _open_modal(client, fake_slack)
    app.answer({"response_action": "errors", "errors": {"plan": "wrong"}})
    with pytest.raises(SlackRejected):
        sender.view_submission("U0ALICE", values={"name": {"value": "x"}})


def test_view_submission_update_push_and_clear(sender, recording_app, client, fake_slack):
    app, _ = recording_app
    opened = _open_modal(client, fake_slack)
    confirm = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Confirm"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Sure?"}}],
    }
    app.answer({"response_action": "update", "view": confirm})
    sender.view_submission("U0ALICE", values={"name": {"value": "x"}})
    updated = fake_slack.open_view("U0ALICE")
    assert updated is not None
    assert (updated["id"], updated["title"]["text"]) == (opened["id"], "Confirm")
    assert updated["hash"] != opened["hash"]

    app.answer({"response_action": "push", "view": confirm})
    sender.view_submission("U0ALICE")
    assert len(fake_slack.view_stack("U0ALICE")) == 2

    app.answer({"response_action": "clear"})
    sender.view_submission("U0ALICE")
    assert fake_slack.view_stack("U0ALICE") == []


def test_view_closed(sender, recording_app, client, fake_slack):
    app, _ = recording_app
    opened = _open_modal(client, fake_slack, notify_on_close=True)
    sender.view_closed("U0ALICE")
    payload = app.received[-1].payload()
    assert payload["type"] == "view_closed"
    assert payload["view"]["id"] == opened["id"]
    assert payload["is_cleared"] is False
    assert fake_slack.open_view("U0ALICE") is None
    with pytest.raises(UnknownTarget):
        sender.view_submission("U0ALICE")


def test_event_envelope_and_retry_headers(sender: SlackSender, recording_app, fake_slack):
    app, _ = recording_app
    event = {
        "type": "app_mention",
        "user": "U0ALICE",
        "text": "<@U0JETBOT> help",
        "channel": "C0OPS",
    }
    first = sender.event(event, event_id="Ev0001")
    retry = sender.event(event, event_id="Ev0001", retry_num=1, retry_reason="http_timeout")
    envelope = app.received[0].payload()
    assert envelope["type"] == "event_callback"
    assert envelope["event_id"] == "Ev0001"
    assert envelope["event"]["type"] == "app_mention"
    assert envelope["event"]["event_ts"]
    assert envelope["authorizations"][0]["user_id"] == fake_slack.bot.user_id
    assert "X-Slack-Retry-Num" not in app.received[0].headers
    assert app.received[1].headers["X-Slack-Retry-Num"] == "1"
    assert app.received[1].headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert first.sent["event_id"] == retry.sent["event_id"]


def test_unknown_user_is_refused(sender: SlackSender):
    with pytest.raises(UnknownTarget):
        sender.command("alice", "help")
