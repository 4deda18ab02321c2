"""The digest's Block Kit, built without Slack: escaping, buttons, paging and limits."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.digest import views
from bot.edge.blocks import MAX_MESSAGE_BLOCKS
from bot.edge.codecs import NotValidAnyMore, SnoozeRef
from commands.digest.overdue import Digest, DigestRow
from commands.digest.snooze import Snoozed, SnoozeForm, SnoozeInfo
from tests.digest.conftest import check_message, check_view

SYDNEY = ZoneInfo("Australia/Sydney")
DAY = date(2026, 11, 24)
AT = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 09:00 AEDT


def row(n: int, name: str | None = None, **extra: object) -> DigestRow:
    values: dict[str, object] = {
        "account": str(1000 + n),
        "name": name if name is not None else f"Account {n}",
        "zuora_account": f"A{1000 + n:08d}",
        "amount_overdue": Decimal("100.50") + n,
        "currency": "AUD",
        "oldest_due": DAY - timedelta(days=10),
        "days_overdue": 10,
        "invoices": 1 + n % 3,
        "newly_overdue": False,
    }
    values.update(extra)
    return DigestRow.model_validate(values)


def digest(rows: list[DigestRow], **extra: object) -> Digest:
    values: dict[str, object] = {
        "day": DAY,
        "overdue_days": 7,
        "min_balance": Decimal("0.01"),
        "rows": rows,
        "suspended": 2,
        "snoozed": 1,
        "unlinked_invoices": 0,
    }
    values.update(extra)
    return Digest.model_validate(values)


def all_text(payload: dict[str, object]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def is_row_actions(block: dict[str, Any]) -> bool:
    return block["type"] == "actions" and block["block_id"].startswith(views.ROW_ACTIONS_BLOCK)


def test_a_short_digest_is_one_message_with_summary_rows_and_buttons():
    d = digest([row(1), row(2, newly_overdue=True, days_overdue=7)])
    post = views.digest_post(d, at=AT, zone=SYDNEY)
    assert post.thread == []
    check_message(post.first)
    text = all_text(post.first)
    assert "*2 accounts* overdue for suspension" in text
    assert "*$204.00* overdue in total" in text  # 101.50 + 102.50
    assert "*1* newly overdue since yesterday" in text
    assert "2 accounts already suspended and 1 account snoozed" in text
    assert "09:00 AEDT" in text
    actions = [b for b in post.first["blocks"] if is_row_actions(b)]
    assert len(actions) == 2
    [bulk] = [b for b in post.first["blocks"] if b.get("block_id") == "digest.bulk"]
    assert bulk["elements"][0]["text"]["text"] == "Suspend all eligible (2)"
    suspend, snooze, promise, take, view = actions[0]["elements"]
    assert suspend["action_id"] == "verb:suspend"
    assert suspend["value"] == "1001|digest:2026-11-24"
    assert snooze["action_id"] == views.SNOOZE_ACTION and snooze["value"] == "1001"
    assert promise["action_id"] == "verb:promise"
    assert promise["value"] == "1001|digest:2026-11-24"
    assert take["action_id"] == views.TAKE_ACTION and take["value"] == "1001"
    assert view["action_id"] == "verb:account" and view["value"] == "1001"


def test_outside_text_is_escaped_so_it_cannot_mention_anyone():
    d = digest([row(1, name="<!channel> & <@U123>")])
    text = all_text(views.digest_post(d, at=AT, zone=SYDNEY).first)
    assert "<!channel>" not in text and "<@U123>" not in text
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in text


def test_no_candidates_still_says_so():
    post = views.digest_post(digest([], suspended=0, snoozed=0), at=AT, zone=SYDNEY)
    check_message(post.first)
    assert "*No accounts* are overdue" in all_text(post.first)


def test_unlinked_invoices_are_mentioned():
    post = views.digest_post(digest([row(1)], unlinked_invoices=3), at=AT, zone=SYDNEY)
    assert "3 overdue invoices in Zuora name no Jet Hub account" in all_text(post.first)


def test_a_long_digest_puts_the_summary_in_the_channel_and_rows_in_its_thread():
    rows = [row(n) for n in range(100)]
    post = views.digest_post(digest(rows), at=AT, zone=SYDNEY)
    actions = [b["block_id"] for b in post.first["blocks"] if b["type"] == "actions"]
    assert actions == ["digest.bulk"]  # the rows' buttons are in the thread
    assert "listed in this thread" in all_text(post.first)
    assert len(post.thread) == -(-100 // views.ROWS_PER_PAGE)
    listed = []
    for page in post.thread:
        check_message(page)
        listed += [b["block_id"] for b in page["blocks"] if b["type"] == "section"]
    assert listed == [f"digest.row.{1000 + n}" for n in range(100)]


@settings(max_examples=30, deadline=None)
@given(count=st.integers(min_value=0, max_value=400), name=st.text(max_size=300))
def test_every_message_validates_and_stays_within_50_blocks(count: int, name: str):
    rows = [row(n, name=name or "x") for n in range(count)]
    post = views.digest_post(digest(rows), at=AT, zone=SYDNEY)
    for payload in post.messages:
        check_message(payload)
    shown = sum(1 for p in post.messages for b in p.get("blocks", []) if is_row_actions(b))
    assert shown == count


def test_ephemeral_pages_are_capped_and_say_how_many_were_left_out():
    rows = [row(n) for n in range(200)]
    pages = views.ephemeral_pages(digest(rows), at=AT, zone=SYDNEY, max_messages=4)
    assert len(pages) == 4
    for page in pages:
        check_message(page)
    shown = sum(1 for p in pages for b in p["blocks"] if is_row_actions(b))
    assert shown == 3 * views.ROWS_PER_PAGE
    assert f"and {200 - shown} more accounts not shown" in all_text(pages[-1])
    assert "listed below" in all_text(pages[0])
    assert len(pages[-1]["blocks"]) <= MAX_MESSAGE_BLOCKS


def test_ephemeral_pages_of_a_short_digest_are_the_digest():
    d = digest([row(1)])
    assert views.ephemeral_pages(d, at=AT, zone=SYDNEY, max_messages=4) == [
        views.digest_post(d, at=AT, zone=SYDNEY).first
    ]


def test_dry_run_text_lists_every_row():
    text = views.digest_text(digest([row(1), row(2, newly_overdue=True)]))
    assert "2 accounts overdue" in text
    assert "1001" in text and "1002" in text and "NEW" in text


def test_snooze_modal_validates_and_carries_ids_only():
    form = SnoozeForm(
        account="1003",
        name="<b>&Co",
        today=DAY,
        current=SnoozeInfo(until=DAY + timedelta(days=3), by="U0OSCAR", reason="call <!here>"),
    )
    view = views.snooze_modal(form, SnoozeRef(account="1003", channel="C0DIGEST"))
    check_view(view)
    body = view.to_dict()
    assert body["callback_id"] == views.SNOOZE_MODAL
    assert json.loads(body["private_metadata"]) == {"a": "1003", "c": "C0DIGEST"}
    text = all_text(body)
    assert "&lt;b&gt;&amp;Co" in text and "<!here>" not in text
    inputs = {b["block_id"]: b for b in body["blocks"] if b["type"] == "input"}
    assert set(inputs) == {views.FOR_BLOCK, views.UNTIL_BLOCK, views.REASON_BLOCK}
    assert inputs["until"]["element"]["initial_date"] == "2026-11-27"  # the snooze in force
    assert inputs["until"]["optional"] and not inputs["reason"].get("optional")
    labels = [o["text"]["text"] for o in inputs["for"]["element"]["options"]]
    assert labels[1].startswith("1 week — through ") and labels[1].endswith("(default)")
    assert labels == [labels[0], labels[1], labels[2], "Until the date below"]
    assert labels[0].startswith("3 days") and labels[2].startswith("2 weeks")
    assert SnoozeRef.decode(body["private_metadata"]).channel == "C0DIGEST"
    with pytest.raises(NotValidAnyMore):
        SnoozeRef.decode("not json")


def test_snoozed_reply():
    result = Snoozed(
        account="1003",
        name="Bean <Fitzroy>",
        until=DAY,
        reason="promised",
        by="U0ALICE",
        before=None,
    )
    payload = views.snoozed_message(result)
    check_message(payload)
    assert "returns to the digest on 25 Nov 2026" in all_text(payload)
    assert "&lt;Fitzroy&gt;" in all_text(payload)
