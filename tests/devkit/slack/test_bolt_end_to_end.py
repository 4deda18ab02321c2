"""A throwaway Bolt app, served over loopback HTTP, driven by SlackSender against FakeSlack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from devkit.slack import FakeSlack, LoopbackServer, SlackSender
from tests.fixtures.slack import TEST_BOT_TOKEN, TEST_SIGNING_SECRET


def _build_app(fake: FakeSlack) -> App:
    app = App(
        signing_secret=TEST_SIGNING_SECRET,
        client=WebClient(base_url=fake.url, token=TEST_BOT_TOKEN),
        process_before_response=True,
    )

    @app.command("/jethub")
    def jethub(ack: Ack, respond: Respond, client: WebClient, command: dict) -> None:
        verb, _, account = command["text"].partition(" ")
        if verb == "edit":
            ack()
            client.views_open(
                trigger_id=command["trigger_id"],
                view={
                    "type": "modal",
                    "callback_id": "rename",
                    "private_metadata": account,
                    "title": {"type": "plain_text", "text": "Rename"},
                    "submit": {"type": "plain_text", "text": "Save"},
                    "blocks": [
                        {
                            "type": "input",
                            "block_id": "name",
                            "label": {"type": "plain_text", "text": "New name"},
                            "element": {"type": "plain_text_input", "action_id": "value"},
                        }
                    ],
                },
            )
            return
        ack()
        respond(text=f"Looking up {account}")
        client.chat_postMessage(
            channel=command["channel_id"],
            text=f"<@{command['user_id']}> asked to {verb} {account}",
            blocks=[
                {"type": "section", "text": {"type": "mrkdwn", "text": f"{verb} {account}?"}},
                {
                    "type": "actions",
                    "block_id": "decide",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "approve",
                            "text": {"type": "plain_text", "text": "Approve"},
                            "value": account,
                        }
                    ],
                },
            ],
        )

    @app.action("approve")
    def approve(ack: Ack, respond: Respond, body: dict) -> None:
        ack()
        respond(
            text=f"Approved {body['actions'][0]['value']} by <@{body['user']['id']}>",
            replace_original=True,
        )

    @app.view("rename")
    def rename(ack: Ack, view: dict, client: WebClient, body: dict) -> None:
        name = view["state"]["values"]["name"]["value"]["value"]
        if not name:
            ack(response_action="errors", errors={"name": "A name is required"})
            return
        ack()
        client.chat_postEphemeral(
            channel="C0OPS",
            user=body["user"]["id"],
            text=f"Renamed {view['private_metadata']} to {name}",
        )

    return app


@pytest.fixture
def bolt_url(fake_slack: FakeSlack) -> Iterator[str]:
    with LoopbackServer(SlackRequestHandler(_build_app(fake_slack))) as server:
        yield server.base_url + "slack/events"


@pytest.fixture
def to_bolt(bolt_url: str, fake_slack: FakeSlack) -> Iterator[SlackSender]:
    with SlackSender(bolt_url, TEST_SIGNING_SECRET, fake_slack) as sender:
        yield sender


def test_command_acks_responds_and_posts(to_bolt: SlackSender, fake_slack: FakeSlack):
    response = to_bolt.command("U0ALICE", "suspend 1001", channel="C0OPS")
    assert response.status_code == 200

    [reply] = fake_slack.wait_for(lambda: fake_slack.ephemerals("U0ALICE"))
    assert reply["text"] == "Looking up 1001"
    assert reply["via"] == "response_url"
    [posted] = fake_slack.wait_for(lambda: fake_slack.messages("C0OPS"))
    assert posted["text"] == "<@U0ALICE> asked to suspend 1001"
    assert [r.url for r in fake_slack.responses()] == [response.response_url]

    # A second person clicks Approve; Bolt's respond() replaces the clicked message.
    click = to_bolt.block_action("U0BOB", "approve", message=posted)
    assert click.status_code == 200
    fake_slack.wait_for(lambda: fake_slack.messages("C0OPS")[0]["text"].startswith("Approved"))
    assert fake_slack.messages("C0OPS")[0]["text"] == "Approved 1001 by <@U0BOB>"


def test_modal_round_trip(to_bolt: SlackSender, fake_slack: FakeSlack):
    to_bolt.command("U0ALICE", "edit 1001")
    opened = fake_slack.wait_for(lambda: fake_slack.open_view("U0ALICE"))
    assert opened is not None
    assert opened["private_metadata"] == "1001"

    refused = to_bolt.view_submission("U0ALICE", values={"name": {"value": ""}})
    assert refused.json() == {"response_action": "errors", "errors": {"name": "A name is required"}}
    assert fake_slack.open_view("U0ALICE") is not None

    to_bolt.view_submission("U0ALICE", values={"name": {"value": "Acme Pty Ltd"}})
    assert fake_slack.open_view("U0ALICE") is None
    [note] = fake_slack.wait_for(lambda: fake_slack.ephemerals("U0ALICE"))
    assert note["text"] == "Renamed 1001 to Acme Pty Ltd"


def test_bolt_rejects_bad_signatures(to_bolt: SlackSender, fake_slack: FakeSlack):
    assert to_bolt.tampered(wrong_signature=True).command("U0ALICE", "suspend 1").status_code == 401
    assert to_bolt.tampered(timestamp_skew=-600).command("U0ALICE", "suspend 1").status_code == 401
    assert to_bolt.tampered(unsigned=True).command("U0ALICE", "suspend 1").status_code == 401
    assert fake_slack.calls("chat.postMessage") == []
    assert fake_slack.responses() == []
