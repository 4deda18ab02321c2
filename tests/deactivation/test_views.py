"""The views alone: pure functions from results to Block Kit, within Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from audit.models import ApprovalState, StepState
from bot.approvals import views as approval_views
from bot.deactivation import views
from commands.approvals.model import ApprovalView
from commands.deactivation.request import (
    STEPS,
    BlastRadius,
    DeactivationPreview,
    DeactivationSummary,
    Growth,
    StepTally,
    StepView,
)
from integrations.platform import Account, Collection

ZONE = ZoneInfo("Australia/Sydney")
NASTY = "<!channel> & <@U123>"


def radius(numbers: int = 3, name: str = "Bean Republic") -> BlastRadius:
    return BlastRadius(
        account="1001",
        name=name,
        counts={c.value: (numbers if c is Collection.PHONE_NUMBERS else 2) for c in Collection},
        numbers=[f"04{i:08d}" for i in range(numbers)],
        already_quarantined=1,
        subscription_ids=["A-S00001", "A-S00002"],
    )


def request(state: ApprovalState = ApprovalState.PENDING, **extra: Any) -> ApprovalView:
    now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    fields: dict[str, Any] = dict(
        id="abc123DEF456",
        kind="deactivate",
        account="1001",
        requested_by="U0ALICE",
        reason=NASTY,
        preview=radius().model_dump(mode="json"),
        state=state,
        decided_by=None,
        decided_at=None,
        decision_reason=None,
        created_at=now,
        expires_at=now + timedelta(days=1),
        channel="C1",
        message_ts="1.0",
        origin=None,
    )
    fields.update(extra)
    return ApprovalView(**fields)


def rendered(blocks: list[Block]) -> str:
    return json.dumps([b.to_dict() for b in blocks], ensure_ascii=False)


def test_modal_for_six_hundred_numbers_fits() -> None:
    account = Account(id="1011", name="Metro Cabs", status="active")
    modal = views.request_modal(DeactivationPreview(account=account, radius=radius(600)))
    payload = modal.to_dict()  # slack_sdk checks its limits here
    assert len(payload["blocks"]) <= 100
    text = json.dumps(payload, ensure_ascii=False)
    assert "… and" in text and "more" in text
    for block in payload["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
    ids = {b.get("block_id") for b in payload["blocks"]}
    assert {views.REASON_BLOCK, views.CONFIRM_BLOCK} <= ids
    assert payload["private_metadata"] == "1011"


@given(st.lists(st.from_regex(r"0[2-9]\d{8}", fullmatch=True), max_size=700))
def test_numbers_text_always_fits_a_section(numbers: list[str]) -> None:
    text = views.numbers_text(numbers)
    assert len(text) <= 3000
    if len(numbers) > views.MAX_NUMBERS_SHOWN:
        assert f"and {len(numbers) - views.MAX_NUMBERS_SHOWN} more" in text or "more" in text


def test_outside_text_is_escaped() -> None:
    blocks = approval_views.approval_blocks(
        request(),
        views.radius_blocks(radius(name=NASTY)),
        title=views.title("1001", NASTY),
        label="deactivation",
        zone=ZONE,
    )
    text = rendered(blocks)
    assert "<!channel>" not in text and "<@U123>" not in text
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in text
    assert "<@U0ALICE>" in text  # our own mention stays a mention


def test_pending_has_buttons_with_only_the_id_and_decided_has_none() -> None:
    pending = approval_views.approval_blocks(
        request(), [], title="t", label="deactivation", zone=ZONE
    )
    actions = [b for b in pending if b.type == "actions"]
    assert len(actions) == 1
    values = {e.value for e in actions[0].elements}  # type: ignore[attr-defined]
    assert values == {"abc123DEF456"}
    denied = request(
        ApprovalState.DENIED,
        decided_by="U0BOB",
        decision_reason="<b>paid</b>",
        decided_at=datetime(2026, 11, 24, 2, tzinfo=UTC),
    )
    blocks = approval_views.approval_blocks(denied, [], title="t", label="deactivation", zone=ZONE)
    assert not [b for b in blocks if b.type == "actions"]
    assert "Denied by <@U0BOB> (&lt;b&gt;paid&lt;/b&gt;)" in rendered(blocks)


def test_expiry_is_in_the_team_time_zone() -> None:
    text = rendered([approval_views.request_header(request(), title="t", zone=ZONE)])
    assert "25 Nov 2026 12:00 AEDT" in text


def test_steps_failure_and_summary() -> None:
    steps = [
        StepView(
            run_id="run123",
            position=i,
            name=n,
            state=StepState.DONE if i < 3 else StepState.PENDING,
            attempts=0,
            detail={"removed": 2, "found": 2} if i < 3 else None,
            error=None,
        )
        for i, n in enumerate(STEPS)
    ]
    block = views.steps_block(steps, live=None)
    assert len(block.to_dict()["text"]["text"].splitlines()) == len(STEPS) + 1
    failure = views.failure_blocks("run123", "users", "Jet Hub platform: HTTP 500 <x>")
    text = rendered(failure)
    assert "deactivation.retry" in text and "run123" in text and "&lt;x&gt;" in text
    summary = DeactivationSummary(
        account="1001",
        name=NASTY,
        removed=[StepTally(name="queues", label="queues", count=2)],
        quarantined=5,
        already_quarantined=1,
        unlinked=["A-S1"],
    )
    text = views.summary_text(summary)
    assert "2 queues" in text and "5 phone" in text and "A-S1" in text and "<!channel>" not in text


def test_growth_reply_lists_new_numbers() -> None:
    payload = views.growth_reply(
        Growth(added={"queues": 1, "phone_numbers": 1}, new_numbers=["0412345678"])
    )
    assert "+1 queue, +1 phone number." in payload["text"]
    assert "0412 345 678" in json.dumps(payload["blocks"])


def test_step_and_field_names_keep_their_capitals_and_counts_their_singular() -> None:
    steps = [
        StepView(
            run_id="r1",
            position=n,
            name=name,
            state=StepState.PENDING,
            attempts=0,
            detail={},
            error=None,
        )
        for n, name in enumerate(("portal_users", "pbxs", "webhooks"))
    ]
    text = json.dumps(views.steps_block(steps).to_dict())
    assert "Jet Hub portal users" in text and "PBX" in text and "Pbx" not in text
    assert "Jet hub" not in text
    assert views.step_reply("pbxs", {"removed": 1}).endswith("PBX: 1 removed")
    summary = DeactivationSummary(
        account="1001",
        name="x",
        removed=[StepTally(name="webhooks", label="integrations", count=1)],
        quarantined=0,
        already_quarantined=0,
        unlinked=[],
    )
    assert "1 integration" in views.summary_text(summary)
    assert "1 integrations" not in views.summary_text(summary)


def test_deny_modal_and_confirmation() -> None:
    modal = approval_views.deny_modal(request(), label="deactivation").to_dict()
    assert modal["private_metadata"] == "abc123DEF456"
    confirmation = approval_views.requester_confirmation(
        request(), label="deactivation", zone=ZONE, where="C1"
    )
    assert "approvals.cancel" in json.dumps(confirmation["blocks"])
