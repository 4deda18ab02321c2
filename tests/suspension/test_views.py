"""The suspension views as pure functions: limits, escaping, and what each shows."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from audit.models import ApprovalState
from bot.catalogue import register_error_words
from bot.edge.boundary import in_place, render_error
from bot.suspension import views
from commands.approvals.model import ApprovalView
from commands.errors import Conflict, InvalidInput
from commands.suspension.models import (
    AlreadySettled,
    AlreadySuspended,
    Confirmation,
    OverdueInvoice,
    OverdueSummary,
    Settled,
    Suspended,
    SuspensionState,
    Unsuspended,
)

ZONE = ZoneInfo("Australia/Sydney")
NOW = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
NASTY = "<!channel> & <@U123> <https://evil|click>"


def overdue(count: int = 2) -> OverdueSummary:
    today = date(2026, 11, 25)
    invoices = [
        OverdueInvoice(
            number=f"INV{i:08d}",
            due_date=today - timedelta(days=30 + i),
            balance=Decimal("100.50"),
            days_overdue=30 + i,
        )
        for i in range(count)
    ]
    invoices.sort(key=lambda inv: inv.due_date)
    return OverdueSummary(
        as_of=today,
        overdue_days=7,
        count=count,
        total=Decimal("100.50") * count,
        currency="AUD",
        oldest_due=invoices[0].due_date if invoices else None,
        invoices=invoices[:20],
    )


def confirmation(**changes: Any) -> Confirmation:
    values: dict[str, Any] = {
        "id": "abcDEF123_-x",
        "action": "suspend",
        "account": "1003",
        "name": "Harbour Dental",
        "requested_by": "U0ALICE",
        "reason": "unpaid",
        "created_at": NOW,
        "expires_at": NOW + timedelta(minutes=30),
        "overdue": overdue(),
    }
    values.update(changes)
    return Confirmation(**values)


def rendered(payload: dict[str, Any]) -> str:
    return json.dumps(payload.get("blocks") or []) + payload["text"]


def check(payload: dict[str, Any]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = payload.get("blocks") or []
    assert 0 < len(blocks) <= 50
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
    return blocks


def button_values(blocks: list[dict[str, Any]]) -> dict[str, str]:
    return {
        e["action_id"]: e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]
    }


def mrkdwn_texts(payload: dict[str, Any]) -> list[str]:
    texts = [payload["text"]]
    for block in payload.get("blocks") or []:
        if block.get("text"):
            texts.append(block["text"]["text"])
        for element in block.get("elements") or []:
            if element.get("type") == "mrkdwn":
                texts.append(element["text"])
    return texts


def test_suspend_confirmation_shows_invoices_effects_reason_and_buttons() -> None:
    payload = views.confirmation_message(confirmation(), zone=ZONE)
    blocks = check(payload)
    text = rendered(payload)
    assert "2 invoices" in text and "$201.00 AUD" in text and "oldest due" in text
    assert "voicemail" in text and "not allowed to make calls" in text and "Action Bar" in text
    assert button_values(blocks) == {views.CONFIRM: "abcDEF123_-x", views.CANCEL: "abcDEF123_-x"}
    [reason] = [b for b in blocks if b["type"] == "input"]
    assert reason["block_id"] == views.REASON_BLOCK and not reason["optional"]
    assert reason["element"]["initial_value"] == "unpaid"


def test_without_a_reason_the_box_starts_empty() -> None:
    blocks = check(views.confirmation_message(confirmation(reason=""), zone=ZONE))
    [reason] = [b for b in blocks if b["type"] == "input"]
    assert "initial_value" not in reason["element"]


def test_many_invoices_are_summarised_within_limits() -> None:
    payload = views.confirmation_message(confirmation(overdue=overdue(40)), zone=ZONE)
    check(payload)
    text = rendered(payload)
    assert "40 invoices" in text and "and 30 more" in text
    assert text.count("INV000000") == views.INVOICES_SHOWN


def test_approval_mode_says_so() -> None:
    payload = views.confirmation_message(confirmation(needs_approval=True), zone=ZONE)
    check(payload)
    assert "Request approval" in rendered(payload) and "second person" in rendered(payload)
    assert "*Request approval* sends it to the approvers" in rendered(payload)
    assert "Confirm" not in rendered(payload)  # no button is called Confirm


def test_digest_origin_is_shown() -> None:
    payload = views.confirmation_message(confirmation(origin="digest:2026-11-24"), zone=ZONE)
    assert "overdue digest of 2026-11-24" in rendered(payload)


def test_unsuspend_confirmation() -> None:
    state = SuspensionState(reason="late", by="U0BOB", at=NOW - timedelta(days=3))
    payload = views.confirmation_message(
        confirmation(action="unsuspend", overdue=None, suspended=state, reason=""), zone=ZONE
    )
    blocks = check(payload)
    text = rendered(payload)
    assert "Lift the suspension" in text and "late" in text and "<@U0BOB>" in text
    [note] = [b for b in blocks if b["type"] == "input"]
    assert note["optional"]
    # Slack adds "(optional)" itself: the label must not say it a second time.
    assert note["label"]["text"] == "Note for the audit log"


@given(name=st.text(max_size=200), reason=st.text(max_size=300), by=st.text(max_size=30))
def test_outside_text_is_always_escaped(name: str, reason: str, by: str) -> None:
    state = SuspensionState(reason=reason, by=by or "x", at=NOW)
    payloads = [
        views.confirmation_message(confirmation(name=name, reason=reason), zone=ZONE),
        views.confirmation_message(
            confirmation(action="unsuspend", name=name, overdue=None, suspended=state), zone=ZONE
        ),
        views.suspended_message(
            Suspended(
                account="1003", name=name, reason=reason, by=by or "x", at=NOW, overdue=overdue()
            ),
            zone=ZONE,
        ),
        views.unsuspended_message(
            Unsuspended(account="1003", name=name, by="U0ALICE", was=state, note=reason),
            zone=ZONE,
        ),
        render_error(AlreadySuspended("1003", state, ZONE)),
        render_error(Conflict(name)),
    ]
    for payload in payloads:
        check(payload)
        for text in mrkdwn_texts(payload):
            # The only angle brackets left are our own mentions of Slack user ids.
            stripped = re.sub(r"<@[UW][A-Z0-9]{2,}>", "", text)
            assert "<" not in stripped and ">" not in stripped


def test_nasty_names_cannot_mention_anyone() -> None:
    payload = views.confirmation_message(confirmation(name=NASTY, reason=NASTY), zone=ZONE)
    for text in mrkdwn_texts(payload):
        assert "<!channel>" not in text and "<@U123>" not in text
    assert "&lt;!channel&gt; &amp;" in rendered(payload)


def test_the_second_click_is_told_who_did_it() -> None:
    register_error_words()  # the composition root's doing; alone, no other test has done it
    settled = Settled(state="confirmed", by="U0ALICE", at=NOW)
    text = render_error(AlreadySettled(confirmation(), settled, ZONE))["text"]
    assert text.startswith("Already done") and "<@U0ALICE>" in text and "AEDT" in text


def test_system_names_are_not_mentions() -> None:
    assert views.who("U0ALICE") == "<@U0ALICE>"
    assert views.who("billing-robot") == "billing-robot"
    assert views.who("<!here>") == "&lt;!here&gt;"


def test_approval_request_body() -> None:
    request = ApprovalView(
        id="req123",
        kind="suspend",
        account="1003",
        requested_by="U0ALICE",
        reason="unpaid",
        preview={"name": NASTY, "overdue": overdue().model_dump(mode="json")},
        state=ApprovalState.PENDING,
        decided_by=None,
        decided_at=None,
        decision_reason=None,
        created_at=NOW,
        expires_at=NOW + timedelta(hours=24),
        channel=None,
        message_ts=None,
        origin="digest:2026-11-24",
    )
    assert views.approval_title(request).startswith("Suspend account 1003")
    body = views.approval_body(request)
    text = json.dumps([b.to_dict() for b in body])
    assert "2 invoices" in text and "voicemail" in text and "digest of 2026-11-24" in text
    broken = request.model_copy(update={"preview": {"overdue": {"count": "many"}}})
    assert len(views.approval_body(broken)) >= 1  # a bad preview still renders


def test_a_refusal_that_ends_the_confirmation_replaces_it_and_one_that_does_not_is_raised() -> None:
    shown: list[dict[str, Any]] = []
    with in_place(shown.append, unless=(InvalidInput,)):
        raise Conflict("Account 1003 has paid <!here>")
    assert [m["text"] for m in shown] == ["Account 1003 has paid &lt;!here&gt;"]
    with pytest.raises(InvalidInput), in_place(shown.append, unless=(InvalidInput,)):
        raise InvalidInput("reason", "Please type a reason")
    with pytest.raises(RuntimeError), in_place(shown.append):
        raise RuntimeError("a bug is not a refusal: the adapter apologises for it")
    assert len(shown) == 1
