"""The digest's chart: the overdue book by days overdue, rendered as a PNG and uploaded once per
digest into the digest's thread through files.getUploadURLExternal / completeUploadExternal."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bot.digest.chart import chart_alt_text
from bot.digest.job import run_digest
from commands.digest.overdue import DigestRow, aging_buckets
from tests.digest.conftest import ClockWorld, all_events
from tests.digest.test_clock import local
from tests.fixtures.bot import DIGEST_CHANNEL

LABELS = ["7\u201314", "15\u201330", "31\u201360", "61\u201390", "90+"]


def row(days: int, amount: str = "10.00", account: str = "1001") -> DigestRow:
    return DigestRow(
        account=account,
        name="x",
        zuora_account=None,
        amount_overdue=Decimal(amount),
        currency="AUD",
        oldest_due=date(2026, 1, 1),
        days_overdue=days,
        invoices=1,
        newly_overdue=False,
    )


def expected_bucket(days: int) -> int:
    """Written out the long way, as the issue states the buckets."""
    if days <= 14:
        return 0
    if days <= 30:
        return 1
    if days <= 60:
        return 2
    if days <= 90:
        return 3
    return 4


def test_the_bucket_edges() -> None:
    days = [7, 14, 15, 30, 31, 60, 61, 90, 91, 400]
    buckets = aging_buckets([row(d, "1.50") for d in days], threshold=7)
    assert [b.label for b in buckets] == LABELS
    assert [b.accounts for b in buckets] == [2, 2, 2, 2, 2]
    assert [b.amount for b in buckets] == [Decimal("3.00")] * 5


def test_a_threshold_under_seven_days_widens_the_first_bucket() -> None:
    buckets = aging_buckets([row(2), row(9)], threshold=2)
    assert buckets[0].label == "2\u201314" and buckets[0].accounts == 2


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=7, max_value=2000),
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2),
        ),
        max_size=60,
    )
)
def test_every_row_lands_in_exactly_its_bucket(rows: list[tuple[int, Decimal]]) -> None:
    buckets = aging_buckets([row(d, str(a)) for d, a in rows], threshold=7)
    assert len(buckets) == 5
    for index, bucket in enumerate(buckets):
        mine = [(d, a) for d, a in rows if expected_bucket(d) == index]
        assert bucket.accounts == len(mine)
        assert bucket.amount == sum((a for _, a in mine), Decimal(0))


def test_the_chart_is_uploaded_once_per_digest_into_its_thread(world: ClockWorld) -> None:
    with freeze_time(local(2026, 11, 24, 15)):
        run = run_digest(world.services, world.services.slack, owner="o")
        assert run_digest(world.services, world.services.slack, owner="o") is None
    assert run is not None and run.digest.rows
    slack = world.slack
    assert len(slack.calls("files.getUploadURLExternal")) == 1
    assert len(slack.calls("files.completeUploadExternal")) == 1
    [uploaded] = slack.files()
    # shared in the digest's thread, as a reply under the digest's first message
    [parent] = slack.messages(DIGEST_CHANNEL)
    assert uploaded["shares"]["channel"] == slack.directory.channel(DIGEST_CHANNEL).id  # type: ignore[union-attr]
    thread = slack.thread(DIGEST_CHANNEL, parent["ts"])
    shared = [m for m in thread[1:] if m.get("files")]
    assert [f["id"] for m in shared for f in m["files"]] == [uploaded["id"]]

    image = Image.open(io.BytesIO(uploaded["content"]))
    assert image.format == "PNG" and image.size == (640, 320)
    image.verify()
    # the buckets the picture was drawn from are the digest's rows, bucketed the long way
    counts, amounts = [0] * 5, [Decimal(0)] * 5
    for listed in run.digest.rows:
        counts[expected_bucket(listed.days_overdue)] += 1
        amounts[expected_bucket(listed.days_overdue)] += listed.amount_overdue
    described = Image.open(io.BytesIO(uploaded["content"])).text["Description"]  # type: ignore[attr-defined]
    assert described == uploaded["alt_txt"] == chart_alt_text(run.digest.aging, "AUD")
    for label, count, amount in zip(LABELS, counts, amounts, strict=True):
        plural = "" if count == 1 else "s"
        assert f"{label} days: {count} account{plural}, ${amount:,.2f}" in described

    [posted] = [e for e in all_events(world.services.deps.ledger) if e.action == "digest.post"]
    assert posted.details["chart"] == uploaded["id"]


def test_a_chart_that_cannot_be_uploaded_leaves_the_digest_posted(world: ClockWorld) -> None:
    world.slack.fail_next("files.getUploadURLExternal", "internal_error")
    with freeze_time(local(2026, 11, 24, 15)):
        run = run_digest(world.services, world.services.slack, owner="o")
    assert run is not None and len(world.digests()) == 1
    assert world.slack.files() == []
    [posted] = [e for e in all_events(world.services.deps.ledger) if e.action == "digest.post"]
    assert posted.outcome == "ok" and posted.details["chart"].startswith("failed")
