"""Modals: trigger ids the fake issues, the view stack, and hash-checked updates."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View

from devkit.slack import FakeSlack
from tests.devkit.slack.conftest import ManualClock
from tests.fixtures.slack import TEST_BOT_TOKEN


def _modal(title: str = "Edit account", *, blocks: int = 1, callback_id: str = "edit") -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "private_metadata": "1001",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"line {i}"}}
            for i in range(blocks)
        ],
    }


def _top(fake: FakeSlack, user: str = "U0ALICE") -> dict:
    view = fake.open_view(user)
    assert view is not None, f"no modal open for {user}"
    return view


def _error(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"]


@pytest.fixture
def timed_client(timed_slack: FakeSlack) -> WebClient:
    return WebClient(base_url=timed_slack.url, token=TEST_BOT_TOKEN)


def test_open_returns_a_view_and_holds_it_for_the_user(client: WebClient, fake_slack: FakeSlack):
    trigger = fake_slack.issue_trigger("U0ALICE")
    view = View(
        type="modal",
        callback_id="rename",
        title="Rename account",
        blocks=[InputBlock(block_id="name", label="Name", element=PlainTextInputElement())],
    )
    answer = client.views_open(trigger_id=trigger, view=view)
    opened = answer["view"]
    assert opened["id"].startswith("V")
    assert opened["hash"]
    assert opened["callback_id"] == "rename"
    assert opened["root_view_id"] == opened["id"]
    assert fake_slack.open_view("U0ALICE") == opened
    assert fake_slack.open_view("U0BOB") is None


def test_trigger_older_than_three_seconds_is_expired(timed_slack: FakeSlack, timed_client, clock):
    trigger = timed_slack.issue_trigger("U0ALICE")
    clock.advance(3.5)
    assert _error(lambda: timed_client.views_open(trigger_id=trigger, view=_modal())) == (
        "expired_trigger_id"
    )
    assert timed_slack.open_view("U0ALICE") is None


def test_trigger_within_three_seconds_works(
    timed_slack: FakeSlack, timed_client, clock: ManualClock
):
    trigger = timed_slack.issue_trigger("U0ALICE")
    clock.advance(2.9)
    assert timed_client.views_open(trigger_id=trigger, view=_modal())["ok"]


def test_unknown_and_reused_triggers(client: WebClient, fake_slack: FakeSlack):
    assert _error(lambda: client.views_open(trigger_id="123.456.abc", view=_modal())) == (
        "expired_trigger_id"
    )
    trigger = fake_slack.issue_trigger("U0ALICE")
    client.views_open(trigger_id=trigger, view=_modal())
    assert _error(lambda: client.views_open(trigger_id=trigger, view=_modal())) == (
        "exchanged_trigger_id"
    )


def test_update_with_a_stale_hash_conflicts(client: WebClient, fake_slack: FakeSlack):
    opened = client.views_open(
        trigger_id=fake_slack.issue_trigger("U0ALICE"), view=_modal("Loading…")
    )["view"]
    first = client.views_update(
        view_id=opened["id"], hash=opened["hash"], view=_modal("Account 1001")
    )["view"]
    assert first["id"] == opened["id"]
    assert first["hash"] != opened["hash"]
    assert first["title"]["text"] == "Account 1001"

    stale = lambda: client.views_update(  # noqa: E731
        view_id=opened["id"], hash=opened["hash"], view=_modal("Late")
    )
    assert _error(stale) == "hash_conflict"
    assert _top(fake_slack)["title"]["text"] == "Account 1001"
    # Without a hash the update always wins, as in Slack.
    assert client.views_update(view_id=opened["id"], view=_modal("Forced"))["ok"]


def test_update_of_a_view_that_is_not_open(client: WebClient):
    assert _error(lambda: client.views_update(view_id="V0NOPE", view=_modal())) == "not_found"


def test_update_by_external_id(client: WebClient, fake_slack: FakeSlack):
    view = _modal() | {"external_id": "edit-1001"}
    client.views_open(trigger_id=fake_slack.issue_trigger("U0ALICE"), view=view)
    client.views_update(external_id="edit-1001", view=_modal("Updated"))
    assert _top(fake_slack)["title"]["text"] == "Updated"


def test_push_stacks_up_to_three(client: WebClient, fake_slack: FakeSlack):
    root = client.views_open(trigger_id=fake_slack.issue_trigger("U0ALICE"), view=_modal("One"))
    second = client.views_push(trigger_id=fake_slack.issue_trigger("U0ALICE"), view=_modal("Two"))
    assert second["view"]["previous_view_id"] == root["view"]["id"]
    assert second["view"]["root_view_id"] == root["view"]["id"]
    client.views_push(trigger_id=fake_slack.issue_trigger("U0ALICE"), view=_modal("Three"))
    fourth = lambda: client.views_push(  # noqa: E731
        trigger_id=fake_slack.issue_trigger("U0ALICE"), view=_modal("Four")
    )
    assert _error(fourth) == "push_limit_reached"
    titles = [v["title"]["text"] for v in fake_slack.view_stack("U0ALICE")]
    assert titles == ["One", "Two", "Three"]


def test_view_block_limit_is_one_hundred(client: WebClient, fake_slack: FakeSlack):
    too_many = lambda: client.views_open(  # noqa: E731
        trigger_id=fake_slack.issue_trigger("U0ALICE"), view=_modal(blocks=101)
    )
    assert _error(too_many) == "invalid_blocks"
    trigger = fake_slack.issue_trigger("U0ALICE")
    assert client.views_open(trigger_id=trigger, view=_modal(blocks=100))["ok"]


def test_view_must_be_a_modal_with_a_title(client: WebClient, fake_slack: FakeSlack):
    no_title = {"type": "modal", "blocks": [SectionBlock(text="x").to_dict()]}
    opening = lambda: client.views_open(  # noqa: E731
        trigger_id=fake_slack.issue_trigger("U0ALICE"), view=no_title
    )
    assert _error(opening) == "invalid_arguments"
