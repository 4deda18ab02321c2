"""Response URLs: handed out by the fake, 5 uses in 30 minutes, reflected in channel state."""

from __future__ import annotations

import httpx
from slack_sdk.webhook import WebhookClient

from devkit.slack import FakeSlack, MessageRef
from tests.devkit.slack.conftest import ManualClock
from tests.fixtures.sandbox import TLS


def test_default_reply_is_ephemeral_to_the_user(fake_slack: FakeSlack):
    url = fake_slack.issue_response_url("U0ALICE", "C0OPS")
    answer = WebhookClient(url).send(text="Account 1001 is active")
    assert (answer.status_code, answer.body) == (200, "ok")
    [shown] = fake_slack.ephemerals("U0ALICE")
    assert (shown["channel"], shown["text"], shown["via"]) == (
        "C0OPS",
        "Account 1001 is active",
        "response_url",
    )
    [post] = fake_slack.responses()
    assert post.ok and post.user == "U0ALICE" and post.body["text"] == "Account 1001 is active"


def test_in_channel_reply_is_a_channel_message(fake_slack: FakeSlack):
    url = fake_slack.issue_response_url("U0ALICE", "C0OPS")
    WebhookClient(url).send(text="shared", response_type="in_channel")
    assert [m["text"] for m in fake_slack.messages("C0OPS")] == ["shared"]
    assert fake_slack.ephemerals("U0ALICE") == []


def test_replace_original_edits_the_message_clicked(fake_slack: FakeSlack):
    message = fake_slack.post_user_message("C0OPS", "U0ALICE", "placeholder")
    origin = MessageRef("C0OPS", message["ts"])
    url = fake_slack.issue_response_url("U0BOB", "C0OPS", origin=origin)
    WebhookClient(url).send(text="Approved by Bob", replace_original=True)
    [current] = fake_slack.messages("C0OPS")
    assert current["ts"] == message["ts"]
    assert current["text"] == "Approved by Bob"


def test_replace_original_of_an_ephemeral(fake_slack: FakeSlack):
    url = fake_slack.issue_response_url("U0ALICE", "C0OPS")
    hook = WebhookClient(url)
    hook.send(text="Working…")
    hook.send(text="Done", replace_original=True)
    assert [e["text"] for e in fake_slack.ephemerals("U0ALICE")] == ["Done"]


def test_delete_original(fake_slack: FakeSlack):
    url = fake_slack.issue_response_url("U0ALICE", "C0OPS")
    hook = WebhookClient(url)
    hook.send(text="Working…")
    assert hook.send_dict({"delete_original": True}).status_code == 200
    assert fake_slack.ephemerals("U0ALICE") == []


def test_at_most_five_uses(fake_slack: FakeSlack):
    hook = WebhookClient(fake_slack.issue_response_url("U0ALICE", "C0OPS"))
    statuses = [hook.send(text=f"update {i}").status_code for i in range(6)]
    assert statuses == [200] * 5 + [404]
    assert fake_slack.responses()[-1].result == "used_url"
    assert len(fake_slack.ephemerals("U0ALICE")) == 5


def test_expires_after_thirty_minutes(timed_slack: FakeSlack, clock: ManualClock):
    hook = WebhookClient(timed_slack.issue_response_url("U0ALICE", "C0OPS"))
    clock.advance(29 * 60)
    assert hook.send(text="still fine").status_code == 200
    clock.advance(2 * 60)
    late = hook.send(text="too late")
    assert (late.status_code, late.body) == (404, "expired_url")
    assert [e["text"] for e in timed_slack.ephemerals("U0ALICE")] == ["still fine"]


def test_block_limit_and_empty_reply(fake_slack: FakeSlack):
    url = fake_slack.issue_response_url("U0ALICE", "C0OPS")
    hook = WebhookClient(url)
    blocks = [{"type": "divider"}] * 51
    assert hook.send(text="x", blocks=blocks).body == "invalid_blocks"
    assert hook.send_dict({"response_type": "ephemeral"}).body == "no_text"
    assert httpx.post(url, content=b"null", verify=TLS).text == "invalid_payload"
    assert fake_slack.ephemerals("U0ALICE") == []
    assert hook.send(text="fine", blocks=blocks[:50]).status_code == 200


def test_unknown_response_url(fake_slack: FakeSlack):
    answer = WebhookClient(fake_slack.base_url + "response/RNOPE").send(text="x")
    assert answer.status_code == 404
