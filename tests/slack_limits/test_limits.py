"""Slack's limits, enforced by the FakeSlack and kept by the bot: response URLs (5 uses, 30
minutes), views.update hashes, one post a second a channel, and Retry-After."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.edge.replies import ReplyPoster
from bot.edge.slack_limits import (
    RESPONSE_URL_USES,
    ChannelPacer,
    LimitedRespond,
    ResponseUrlBook,
    SlackClient,
)
from bot.runtime.services import slack_client
from devkit.slack import FakeSlack, MessageRef
from tests.fixtures.bot import ALICE, SUPPORT_CHANNEL, BotHarness
from tests.fixtures.sandbox import TLS
from tests.fixtures.slack import TEST_BOT_TOKEN

CHANNEL = "C0LIMITS"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=TEST_BOT_TOKEN) as started:
        started.add_user(ALICE, "alice")
        started.add_channel(CHANNEL, "limits")
        yield started


def client_for(fake: FakeSlack, **kwargs: object) -> SlackClient:
    return SlackClient(token=TEST_BOT_TOKEN, base_url=fake.url, **kwargs)  # type: ignore[arg-type]


# One poster for the module, as one per process in the app (each test's fake is another origin).
POSTER = ReplyPoster()


def respond_for(
    fake: FakeSlack, url: str, book: ResponseUrlBook, **kwargs: object
) -> LimitedRespond:
    """The bot's respond, posting through a ``ReplyPoster`` as the app's does."""
    return LimitedRespond(
        response_url=url,
        book=book,
        client=client_for(fake),
        user=ALICE,
        channel=CHANNEL,
        poster=POSTER,
        **kwargs,  # type: ignore[arg-type]
    )


# -- response URLs ---------------------------------------------------------------------------


def test_a_spent_response_url_falls_back_to_an_ephemeral(fake: FakeSlack) -> None:
    url = fake.issue_response_url(ALICE, CHANNEL)
    respond = respond_for(fake, url, ResponseUrlBook())
    for n in range(RESPONSE_URL_USES + 2):
        assert respond(text=f"reply {n}", response_type="ephemeral").status_code == 200
    # five went through the URL, none was refused, the last two came by chat.postEphemeral
    assert [r.status for r in fake.responses()] == [200] * RESPONSE_URL_USES
    assert len(fake.calls("chat.postEphemeral")) == 2
    assert [m["text"] for m in fake.ephemerals(ALICE)] == [f"reply {n}" for n in range(7)]


def test_the_fake_refuses_a_sixth_use_and_an_expired_url(fake: FakeSlack) -> None:
    url = fake.issue_response_url(ALICE, CHANNEL)
    statuses = [httpx.post(url, json={"text": "hi"}, verify=TLS).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [404] and fake.responses()[-1].result == "used_url"
    other = fake.issue_response_url(ALICE, CHANNEL)
    fake.expire_response_urls()
    answer = httpx.post(other, json={"text": "late"}, verify=TLS)
    assert answer.status_code == 404 and answer.text == "expired_url"


def test_an_expired_response_url_falls_back_and_is_not_tried_again(fake: FakeSlack) -> None:
    url = fake.issue_response_url(ALICE, CHANNEL)
    fake.expire_response_urls()
    respond = respond_for(fake, url, ResponseUrlBook())
    respond(text="first", response_type="ephemeral")
    respond(text="second", response_type="ephemeral")
    assert [r.result for r in fake.responses()] == ["expired_url"]  # tried once only
    assert [m["text"] for m in fake.ephemerals(ALICE)] == ["first", "second"]


def test_the_bot_notices_expiry_itself() -> None:
    now = [0.0]
    book = ResponseUrlBook(clock=lambda: now[0])
    book.seen("https://hooks.example/1")
    assert book.take("https://hooks.example/1")
    now[0] = 29 * 60 + 1  # inside the last minute: a post might land too late
    assert not book.take("https://hooks.example/1")


def test_replace_original_falls_back_to_chat_update(fake: FakeSlack) -> None:
    posted = client_for(fake).chat_postMessage(channel=CHANNEL, text="before")
    ref = MessageRef(CHANNEL, posted["ts"])
    url = fake.issue_response_url(ALICE, CHANNEL, origin=ref)
    fake.expire_response_urls()
    container = {"type": "message", "channel_id": CHANNEL, "message_ts": posted["ts"]}
    respond = respond_for(fake, url, ResponseUrlBook(), container=container)
    respond(text="after", replace_original=True)
    [message] = fake.messages(CHANNEL)
    assert message["text"] == "after" and "edited" in message


def test_a_reply_where_the_bot_cannot_post_goes_to_a_dm(fake: FakeSlack) -> None:
    url = fake.issue_response_url(ALICE, CHANNEL)
    fake.expire_response_urls()
    fake.fail_next("chat.postEphemeral", "channel_not_found")
    respond_for(fake, url, ResponseUrlBook())(text="to you", response_type="ephemeral")
    assert [m["text"] for m in fake.messages("D" + ALICE[1:])] == ["to you"]


def test_the_bot_replies_through_the_web_api_when_its_url_has_expired(bot: BotHarness) -> None:
    bot.slack.expire_response_urls()
    original = bot.slack.issue_response_url

    def expired(user: str, channel: str, origin: MessageRef | None = None) -> str:
        url = original(user, channel, origin)
        bot.slack.expire_response_urls()
        return url

    bot.slack.issue_response_url = expired  # type: ignore[method-assign]
    bot.command(ALICE, "account 1001", channel=SUPPORT_CHANNEL)
    assert [r.result for r in bot.slack.responses()] == ["expired_url"]
    [reply] = bot.slack.ephemerals(ALICE)
    assert reply["via"] == "chat.postEphemeral" and "1001" in reply["text"]


# -- views.update hashes ---------------------------------------------------------------------


def test_a_conflicting_view_update_is_retried_once_with_the_newest_hash(fake: FakeSlack) -> None:
    client = client_for(fake)
    opened = client.views_open(trigger_id=fake.issue_trigger(ALICE), view=modal("loading"))
    view_id, first_hash = opened["view"]["id"], opened["view"]["hash"]
    client.views_update(view_id=view_id, hash=first_hash, view=modal("someone else's"))
    # the slow work comes back with the hash it started from
    client.views_update(view_id=view_id, hash=first_hash, view=modal("result"))
    assert [c.error for c in fake.calls("views.update")] == [None, "hash_conflict", None]
    assert fake.open_view(ALICE)["title"]["text"] == "result"  # type: ignore[index]


def test_a_view_update_conflict_with_no_newer_hash_known_is_raised(fake: FakeSlack) -> None:
    client = client_for(fake)
    opened = client.views_open(trigger_id=fake.issue_trigger(ALICE), view=modal("loading"))
    view_id, first_hash = opened["view"]["id"], opened["view"]["hash"]
    other = client_for(fake)  # another process: this client never sees its answer
    other.views_update(view_id=view_id, view=modal("other"))
    with pytest.raises(SlackApiError) as raised:
        client.views_update(view_id=view_id, hash=first_hash, view=modal("result"))
    assert raised.value.response["error"] == "hash_conflict"
    assert len(fake.calls("views.update")) == 2  # not retried blindly


def modal(title: str) -> dict[str, object]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": title}}],
    }


# -- channel pacing --------------------------------------------------------------------------


def test_the_fake_paces_channel_posts(fake: FakeSlack) -> None:
    fake.enforce_retry_after()
    fake.pace_channels(per_second=1.0, burst=3)
    raw = WebClient(token=TEST_BOT_TOKEN, base_url=fake.url)  # no pacing, no retries
    for n in range(3):
        raw.chat_postMessage(channel=CHANNEL, text=f"burst {n}")
    with pytest.raises(SlackApiError) as raised:
        raw.chat_postMessage(channel=CHANNEL, text="one too many")
    assert raised.value.response.status_code == 429
    assert int(raised.value.response.headers["Retry-After"]) >= 1


def test_the_bot_paces_its_posts_per_channel(fake: FakeSlack) -> None:
    fake.enforce_retry_after()
    fake.pace_channels(per_second=4.0, burst=2)
    fake.add_channel("C0OTHER", "other")
    client = client_for(fake, pacer=ChannelPacer(rate=4.0, burst=2))
    for n in range(6):
        client.chat_postMessage(channel=CHANNEL, text=f"paced {n}")
        client.chat_postMessage(channel="C0OTHER", text=f"other {n}")
    assert all(c.status == 200 for c in fake.calls("chat.postMessage"))
    assert fake.early_retries == []
    assert len(fake.messages(CHANNEL)) == len(fake.messages("C0OTHER")) == 6


def test_the_pace_is_slacks_unless_the_setting_raises_it(fake: FakeSlack) -> None:
    from bot.runtime.settings import SettingsError, load_settings

    assert slack_client_for(fake).pacer.rate == pytest.approx(1.0)
    faster = load_settings(_env_file=None, jethub_slack_posts_per_second="1000")
    assert slack_client(faster).pacer.rate == pytest.approx(1000.0)
    with pytest.raises(SettingsError, match="JETHUB_SLACK_POSTS_PER_SECOND"):
        load_settings(_env_file=None, jethub_slack_posts_per_second="0")


@given(
    rate=st.floats(min_value=0.5, max_value=20),
    burst=st.integers(min_value=1, max_value=6),
    gaps=st.lists(st.floats(min_value=0, max_value=3), min_size=1, max_size=30),
)
def test_the_pacer_never_exceeds_its_bucket(rate: float, burst: int, gaps: list[float]) -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = ChannelPacer(rate, burst, clock=lambda: now[0], sleep=sleep)
    sent: list[float] = []
    for gap in gaps:
        now[0] += gap
        pacer.wait("C1")
        sent.append(now[0])
    # in any window of k/rate seconds, at most burst + k - 1 posts... checked as: post i and post
    # i + burst are at least one interval apart
    for i in range(len(sent) - burst):
        assert sent[i + burst] - sent[i] >= 1.0 / rate - 1e-9


# -- Retry-After -----------------------------------------------------------------------------


def test_ratelimited_answers_are_retried_after_their_retry_after(fake: FakeSlack) -> None:
    fake.enforce_retry_after()
    fake.rate_limit("chat.postMessage", retry_after=1)
    client = slack_client_for(fake)
    client.chat_postMessage(channel=CHANNEL, text="eventually")
    assert [c.status for c in fake.calls("chat.postMessage")] == [429, 200]
    assert fake.early_retries == []
    assert [m["text"] for m in fake.messages(CHANNEL)] == ["eventually"]


def test_the_fake_refuses_a_retry_before_retry_after(fake: FakeSlack) -> None:
    fake.enforce_retry_after()
    fake.rate_limit("chat.postMessage", retry_after=30)
    raw = WebClient(token=TEST_BOT_TOKEN, base_url=fake.url)
    for _ in range(2):
        with pytest.raises(SlackApiError):
            raw.chat_postMessage(channel=CHANNEL, text="impatient")
    assert [c.method for c in fake.early_retries] == ["chat.postMessage"]
    assert fake.messages(CHANNEL) == []


def slack_client_for(fake: FakeSlack) -> SlackClient:
    from bot.runtime.settings import Settings

    settings = Settings(_env_file=None, slack_bot_token=TEST_BOT_TOKEN, slack_api_url=fake.url)
    return slack_client(settings)
