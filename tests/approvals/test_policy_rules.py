"""What the policy's per-kind rules change: who may ask, who may approve, how long a request
lives, when the reminder comes and who else it mentions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.approvals import views
from commands.approvals.decisions import decide_approval
from commands.approvals.expiry import remind_at
from commands.approvals.model import DecideApproval, NotInPolicy
from commands.approvals.policy import ApprovalPolicy, KindPolicy
from commands.approvals.requests import load_approval
from commands.deps import Deps
from tests.deactivation.conftest import ALICE, BETTY, BOB, OSCAR, actions
from tests.deactivation.test_commands import ACCOUNT, request


def _with(deps: Deps, **rules: object) -> Deps:
    policy = ApprovalPolicy(kinds={"deactivate": KindPolicy.model_validate(rules)})
    return replace(deps, policy=replace(deps.policy, approvals=policy))


def test_only_the_named_requesters_may_ask(deps: Deps) -> None:
    strict = _with(deps, requesters=["U0OSCAR"])
    with pytest.raises(NotInPolicy, match=r"\[deactivate\]\.requesters"):
        request(strict, actor=ALICE)
    assert (ALICE.user_id, "deactivate.request", "refused") in actions(deps.ledger, ACCOUNT)
    assert load_approval(strict, request(strict, actor=OSCAR)) is not None


def test_only_the_named_approvers_may_approve(deps: Deps) -> None:
    strict = _with(deps, approvers=["U0BETTY"])
    request_id = request(strict)
    order = DecideApproval(request_id=request_id, decision="approve", typed_account=ACCOUNT)
    with pytest.raises(NotInPolicy, match=r"\[deactivate\]\.approvers"):
        decide_approval(order, BOB, strict)
    assert decide_approval(order, BETTY, strict).request.decided_by == BETTY.user_id


def test_ttl_and_remind_after_are_the_kinds(deps: Deps) -> None:
    strict = _with(deps, ttl="2h", remind_after="30m")
    asked = load_approval(strict, request(strict))
    assert asked is not None
    assert asked.expires_at - asked.created_at == timedelta(hours=2)
    after = strict.policy.approvals.of("deactivate").remind_after
    assert remind_at(asked, after) == asked.created_at + timedelta(minutes=30)
    assert remind_at(asked) == asked.created_at + timedelta(minutes=90)  # 75 % without it
    reminder = views.reminder_message(
        asked, label="deactivation", zone=ZoneInfo("UTC"), approvers=("U0BOB",),
        escalate_to=("S0LEADS",),
    )  # fmt: skip
    assert "<@U0BOB>, <!subteam^S0LEADS>" in reminder["text"]
