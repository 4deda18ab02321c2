"""The digest over 10,000 generated accounts: Zuora calls grow with pages of invoices, and the
posted messages validate, stay within 50 blocks and are paced a second apart."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from audit import Ledger
from bot.digest.job import post_digest
from bot.digest.views import ROWS_PER_PAGE, digest_post
from bot.edge.slack_limits import ChannelPacer, SlackClient
from commands.deps import Deps
from commands.digest.overdue import OWING, build_digest, due_before
from devkit.sandbox import Sandbox, generate_world
from devkit.slack import FakeSlack
from integrations.zuora._client import OBJECT_QUERY_PAGE_SIZE
from tests.digest.conftest import check_message, make_deps
from tests.fixtures.bot import BOT_TOKEN, DIGEST_CHANNEL

ACCOUNTS = 10_000


@pytest.fixture(scope="module")
def big() -> Iterator[Sandbox]:
    sandbox = Sandbox(world=generate_world(ACCOUNTS, seed=11)).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def deps(big: Sandbox, sqlite_ledger: Ledger) -> Deps:
    return make_deps(big, sqlite_ledger)


def expected_pages(sandbox: Sandbox, deps: Deps) -> int:
    """Result pages of the digest's query, counted from the sandbox's own invoices."""
    bound = due_before(deps.today(), deps.policy.overdue_days)
    with sandbox.world.lock:
        matching = sum(
            1
            for invoice in sandbox.world.zuora.invoices_after(0)
            if invoice.status == "Posted" and invoice.balance >= OWING and invoice.due_date < bound
        )
    assert matching > OBJECT_QUERY_PAGE_SIZE * 3  # several pages, or the test proves little
    return math.ceil(matching / OBJECT_QUERY_PAGE_SIZE)


def test_zuora_calls_are_result_pages_plus_the_token(big: Sandbox, deps: Deps):
    pages = expected_pages(big, deps)
    big.counters.reset()
    digest = build_digest(deps, deps.today())
    counts = big.counters.snapshot()
    assert counts["zuora"] == {"POST /oauth/token": 1, "GET /object-query/invoices": pages}
    assert sum(counts["platform"].values()) <= 2  # one paged listing of suspended accounts
    assert counts["sbc"] == {}
    assert len(digest.rows) > 300 and digest.suspended > 0


def test_the_posted_digest_validates_within_50_blocks_and_is_paced(big: Sandbox, deps: Deps):
    digest = build_digest(deps, deps.today())
    slack = FakeSlack(bot_token=BOT_TOKEN).start()
    slack.add_channel(DIGEST_CHANNEL, "billing-digest")
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    try:
        pacer = ChannelPacer(1.0, burst=1, sleep=sleep, clock=lambda: now[0])
        client = SlackClient(token=BOT_TOKEN, base_url=slack.url, pacer=pacer)
        post = digest_post(digest, at=deps.now(), zone=ZoneInfo("Australia/Sydney"))
        posted = post_digest(client, DIGEST_CHANNEL, post)
        [summary] = slack.messages(DIGEST_CHANNEL)
        thread = slack.thread(DIGEST_CHANNEL, summary["ts"])
    finally:
        slack.stop()
    replies = thread[1:]
    assert len(posted) == 1 + len(replies)
    assert len(replies) == math.ceil(len(digest.rows) / ROWS_PER_PAGE)
    for message in [summary, *replies]:
        check_message(message)
    listed = [
        block["block_id"].removeprefix("digest.row.")
        for message in replies
        for block in message["blocks"]
        if block["type"] == "section"
    ]
    assert listed == [row.account for row in digest.rows]
    # One message a second in the channel: every reply waited a full second after the last.
    assert slept == [1.0] * len(replies)
    assert summary["blocks"][0]["type"] == "header"
    assert deps.today() - timedelta(days=7) >= min(row.oldest_due for row in digest.rows)
