"""FakeSlack answers a real slack_sdk WebClient the way Slack's Web API does."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock

from devkit.slack import FakeSlack, WaitTimeout
from tests.fixtures.sandbox import TLS
from tests.fixtures.slack import TEST_BOT_TOKEN


def _error(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"]


def test_auth_test_names_the_bot(client: WebClient, fake_slack: FakeSlack):
    answer = client.auth_test()
    assert answer["user_id"] == fake_slack.bot.user_id
    assert answer["bot_id"] == fake_slack.bot.bot_id
    assert answer["team_id"] == fake_slack.team.id


def test_wrong_or_missing_token_is_refused(fake_slack: FakeSlack):
    wrong = WebClient(base_url=fake_slack.url, token="xoxb-someone-else")
    assert _error(lambda: wrong.chat_postMessage(channel="C0OPS", text="hi")) == "invalid_auth"
    anonymous = WebClient(base_url=fake_slack.url)
    assert _error(anonymous.auth_test) == "not_authed"
    assert fake_slack.messages("C0OPS") == []


def test_unknown_method(client: WebClient):
    assert _error(lambda: client.api_call("chat.teleport")) == "unknown_method"


def test_post_message_is_kept_in_the_channel(client: WebClient, fake_slack: FakeSlack):
    blocks = [SectionBlock(text="*Account 1001* suspended")]
    answer = client.chat_postMessage(channel="C0OPS", text="suspended", blocks=blocks)
    assert answer["channel"] == "C0OPS"
    assert answer["message"]["text"] == "suspended"
    assert answer["message"]["bot_id"] == fake_slack.bot.bot_id
    [stored] = fake_slack.messages("C0OPS")
    assert stored["ts"] == answer["ts"]
    assert stored["blocks"][0]["text"]["text"] == "*Account 1001* suspended"
    assert stored["blocks"][0]["block_id"]  # Slack gives every block an id


def test_post_message_needs_text_and_a_real_channel(client: WebClient):
    with pytest.warns(UserWarning, match="text"):  # slack_sdk's own nudge
        assert _error(lambda: client.chat_postMessage(channel="C0OPS")) == "no_text"
    assert _error(lambda: client.chat_postMessage(channel="ops", text="x")) == "channel_not_found"


def test_posting_to_a_user_lands_in_their_dm(client: WebClient, fake_slack: FakeSlack):
    answer = client.chat_postMessage(channel="U0ALICE", text="psst")
    assert answer["channel"] == "D0ALICE"
    assert [m["text"] for m in fake_slack.messages("D0ALICE")] == ["psst"]


def test_threads_history_and_replies(client: WebClient, fake_slack: FakeSlack):
    parent = client.chat_postMessage(channel="C0OPS", text="approval needed")
    reply = client.chat_postMessage(channel="C0OPS", text="approved", thread_ts=parent["ts"])
    client.chat_postMessage(channel="C0OPS", text="done", thread_ts=reply["ts"])
    client.chat_postMessage(channel="C0OPS", text="next")

    thread = fake_slack.thread("C0OPS", parent["ts"])
    assert [m["text"] for m in thread] == ["approval needed", "approved", "done"]
    assert thread[0]["reply_count"] == 2
    assert all(m["thread_ts"] == parent["ts"] for m in thread)

    history = client.conversations_history(channel="C0OPS", limit=1)
    assert [m["text"] for m in history["messages"]] == ["next"]
    assert history["has_more"] is True
    rest = client.conversations_history(
        channel="C0OPS", cursor=history["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["approval needed"]
    replies = client.conversations_replies(channel="C0OPS", ts=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["approval needed", "approved", "done"]
    assert _error(lambda: client.conversations_replies(channel="C0OPS", ts="1.0")) == (
        "thread_not_found"
    )


def test_update_and_delete(client: WebClient, fake_slack: FakeSlack):
    posted = client.chat_postMessage(channel="C0OPS", text="pending")
    updated = client.chat_update(channel="C0OPS", ts=posted["ts"], text="approved by <@U0BOB>")
    assert updated["message"]["edited"]["user"] == fake_slack.bot.user_id
    assert fake_slack.messages("C0OPS")[0]["text"] == "approved by <@U0BOB>"

    client.chat_delete(channel="C0OPS", ts=posted["ts"])
    assert fake_slack.messages("C0OPS") == []
    assert _error(lambda: client.chat_update(channel="C0OPS", ts=posted["ts"], text="x")) == (
        "message_not_found"
    )


def test_bot_cannot_edit_what_a_person_wrote(client: WebClient, fake_slack: FakeSlack):
    typed = fake_slack.post_user_message("C0OPS", "U0ALICE", "hello")
    assert _error(lambda: client.chat_update(channel="C0OPS", ts=typed["ts"], text="x")) == (
        "cant_update_message"
    )


def test_ephemerals_go_to_one_user(client: WebClient, fake_slack: FakeSlack):
    answer = client.chat_postEphemeral(channel="C0OPS", user="U0ALICE", text="only you")
    [shown] = fake_slack.ephemerals("U0ALICE")
    assert shown["ts"] == answer["message_ts"]
    assert (shown["channel"], shown["text"], shown["via"]) == (
        "C0OPS",
        "only you",
        "chat.postEphemeral",
    )
    assert fake_slack.ephemerals("U0BOB") == []
    assert fake_slack.messages("C0OPS") == []


def test_users_groups_and_channels(client: WebClient, fake_slack: FakeSlack):
    assert client.users_info(user="U0ALICE")["user"]["name"] == "alice"
    fake_slack.add_user("U0CAROL", "carol", real_name="Carol Jones")
    assert client.users_info(user="U0CAROL")["user"]["real_name"] == "Carol Jones"
    assert _error(lambda: client.users_info(user="nobody")) == "user_not_found"

    fake_slack.set_usergroup("S0BILLING", ["U0ALICE", "U0BOB"])
    assert client.usergroups_users_list(usergroup="S0BILLING")["users"] == ["U0ALICE", "U0BOB"]
    assert _error(lambda: client.usergroups_users_list(usergroup="S0NONE")) == "no_such_subteam"

    fake_slack.add_channel("C0123", "approvals")
    assert client.conversations_info(channel="C0123")["channel"]["name"] == "approvals"
    assert client.chat_postMessage(channel="#approvals", text="x")["channel"] == "C0123"


def test_form_encoded_calls_with_a_token_field(fake_slack: FakeSlack):
    answer = httpx.post(
        fake_slack.url + "chat.postMessage",
        data={"token": TEST_BOT_TOKEN, "channel": "C0OPS", "text": "form", "blocks": "[]"},
        verify=TLS,
    ).json()
    assert answer["ok"] is True
    [call] = fake_slack.calls("chat.postMessage")
    assert call.args == {"channel": "C0OPS", "text": "form", "blocks": []}  # no token kept


def test_calls_are_recorded_in_order(client: WebClient, fake_slack: FakeSlack):
    client.auth_test()
    client.chat_postMessage(channel="C0OPS", text="one")
    client.users_info(user="U0ALICE")
    assert [c.method for c in fake_slack.calls()] == [
        "auth.test",
        "chat.postMessage",
        "users.info",
    ]
    [post] = fake_slack.calls("chat.postMessage")
    assert post.ok and post.args["text"] == "one"
    assert post.at <= fake_slack.calls()[-1].at


def test_rate_limit_is_honoured_by_the_retry_handler(fake_slack: FakeSlack):
    fake_slack.rate_limit("chat.postMessage", retry_after=0)
    client = WebClient(
        base_url=fake_slack.url,
        token=TEST_BOT_TOKEN,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert client.chat_postMessage(channel="C0OPS", text="eventually")["ok"]
    statuses = [c.status for c in fake_slack.calls("chat.postMessage")]
    assert statuses == [429, 200]
    assert len(fake_slack.messages("C0OPS")) == 1


def test_rate_limit_without_retry_handler_surfaces(fake_slack: FakeSlack, client: WebClient):
    fake_slack.rate_limit("users.info", retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        client.users_info(user="U0ALICE")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == ["7"] or (
        caught.value.response.headers["Retry-After"] == "7"
    )
    assert client.users_info(user="U0ALICE")["ok"]


def test_injected_failure(fake_slack: FakeSlack, client: WebClient):
    fake_slack.fail_next("chat.postMessage", "channel_not_found")
    assert _error(lambda: client.chat_postMessage(channel="C0OPS", text="x")) == (
        "channel_not_found"
    )
    assert client.chat_postMessage(channel="C0OPS", text="x")["ok"]


def test_more_than_fifty_blocks_in_a_message_is_refused(client: WebClient, fake_slack: FakeSlack):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": str(i)}} for i in range(51)]
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C0OPS", text="x", blocks=blocks)
    assert caught.value.response["error"] == "invalid_blocks"
    assert "50" in caught.value.response["response_metadata"]["messages"][0]
    assert client.chat_postMessage(channel="C0OPS", text="x", blocks=blocks[:50])["ok"]
    assert len(fake_slack.messages("C0OPS")) == 1


def test_broken_blocks_are_refused(client: WebClient):
    twice = [
        {"type": "section", "block_id": "a", "text": {"type": "mrkdwn", "text": "1"}},
        {"type": "section", "block_id": "a", "text": {"type": "mrkdwn", "text": "2"}},
    ]
    untyped = [{"text": "no type"}]
    for blocks in (twice, untyped):
        assert _error(
            lambda b=blocks: client.chat_postMessage(channel="C0OPS", text="x", blocks=b)
        ) == ("invalid_blocks")


def test_elements_get_action_ids(client: WebClient, fake_slack: FakeSlack):
    blocks = [ActionsBlock(elements=[ButtonElement(text="Go", value="1")])]
    client.chat_postMessage(channel="C0OPS", text="x", blocks=blocks)
    [message] = fake_slack.messages("C0OPS")
    assert message["blocks"][0]["elements"][0]["action_id"]


def test_wait_for_sees_calls_from_other_threads(client: WebClient, fake_slack: FakeSlack):
    import threading

    late = threading.Timer(0.05, lambda: client.chat_postMessage(channel="C0OPS", text="late"))
    late.start()
    [message] = fake_slack.wait_for(lambda: fake_slack.messages("C0OPS"), timeout=5)
    assert message["text"] == "late"
    # Its call answered before the fake stops: on a busy machine the client's retry otherwise
    # met the stopped fake, as an unhandled thread exception in a later test.
    late.join()


def test_wait_for_gives_up(fake_slack: FakeSlack):
    with pytest.raises(WaitTimeout):
        fake_slack.wait_for(lambda: fake_slack.calls("chat.postMessage"), timeout=0.1)


def test_wait_for_gives_up_under_a_frozen_clock(fake_slack: FakeSlack):
    from freezegun import freeze_time

    with freeze_time("2026-01-05 09:00:00"), pytest.raises(WaitTimeout):
        fake_slack.wait_for(lambda: fake_slack.calls("chat.postMessage"), timeout=0.2)
