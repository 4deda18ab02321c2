"""A policy of two approvers for a deactivation: one approval leaves it pending ("1 of 2", who
approved), the same approver again is refused, a second approver runs it once — and two replicas
racing the second approval on one PostgreSQL start one run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from audit.models import ApprovalState
from commands.approvals.decisions import decide_approval
from commands.approvals.model import ApprovalDecided, DecideApproval, RequestApproval
from commands.approvals.policy import ApprovalPolicy, KindPolicy, MoreApprovals
from commands.approvals.requests import load_approval, request_approval
from commands.deps import Deps
from commands.runs.records import run_for_approval
from tests.deactivation.conftest import ALICE as ALICE_ACTOR
from tests.deactivation.conftest import BOB as BOB_ACTOR
from tests.deactivation.conftest import actions, deletes
from tests.deactivation.test_concurrency import runs_for, start_instances
from tests.deactivation.test_e2e import (
    ACCOUNT,
    approval_message,
    ask,
    click,
    dm,
    request_id_of,
    text_of,
    type_to_approve,
)
from tests.fixtures.bot import ADAM, ALICE, APPROVALS_CHANNEL, BETTY, BOB, BotHarness, start_bot

TWO = "[deactivate]\napprovals = 2\n"


def policy_file(tmp_path: Path, text: str = TWO) -> Path:
    path = tmp_path / "approvals.toml"
    path.write_text(text)
    return path


@pytest.fixture
def two_approvers(tmp_path: Path) -> Iterator[BotHarness]:
    yield from start_bot(
        f"sqlite:///{tmp_path / 'ledger.db'}", jethub_approval_policy=policy_file(tmp_path)
    )


def test_two_approvers_one_of_two_then_the_same_again_then_a_second(
    two_approvers: BotHarness,
) -> None:
    bot = two_approvers
    posted = ask(bot)
    request_id = request_id_of(posted)
    assert "0 of 2 approvals" in text_of(posted)

    click(bot, BOB, "approvals.approve", posted)
    one = approval_message(bot)
    assert "1 of 2 approvals (approved by <@U0BOB>)" in text_of(one)
    assert "approvals.approve" in text_of(one)  # still waiting for a second approver
    assert run_for_approval(bot.services.deps, request_id) is None
    assert not [m for m in bot.slack.messages(dm(ALICE)) if "Approved" in m.get("text", "")]

    click(bot, BOB, "approvals.approve", one)  # refused at the click: no modal opens
    told = [str(e.get("text")) for e in bot.slack.ephemerals(BOB)]
    assert any("You have approved this already (1 of 2 approvals)" in t for t in told), told
    assert load_approval(bot.services.deps, request_id).state is ApprovalState.PENDING  # type: ignore[union-attr]

    click(bot, BETTY, "approvals.approve", one)
    final = approval_message(bot)
    assert "Approved by <@U0BOB> and <@U0BETTY>" in text_of(final)
    assert "is deactivated" in text_of(final)
    assert runs_for(bot.ledger, request_id) == 1
    assert deletes(bot.sandbox)["POST /v2/accounts/{A}/deactivate"] == 1
    trail = actions(bot.ledger, ACCOUNT)
    assert trail.count((BOB, "deactivate.approve", "ok")) == 1
    assert (BOB, "deactivate.approve", "refused") in trail
    assert (BETTY, "deactivate.approve", "ok") in trail


def _ask(deps: Deps, numbers: int) -> str:
    preview = {"numbers": [f"0255501{i:03d}" for i in range(numbers)]}
    order = RequestApproval(kind="deactivate", account=ACCOUNT, reason="closed", preview=preview)
    return request_approval(order, ALICE_ACTOR, deps).id


def _approve(deps: Deps, request_id: str, actor: Any) -> ApprovalDecided:
    order = DecideApproval(request_id=request_id, decision="approve", typed_account=ACCOUNT)
    return decide_approval(order, actor, deps)


@pytest.mark.parametrize(("numbers", "needed"), [(50, 1), (51, 2)])
def test_the_count_follows_the_condition_when_the_request_is_made(
    deps: Deps, numbers: int, needed: int
) -> None:
    more = MoreApprovals(when_above={"numbers": 50}, approvals=2)
    rules = ApprovalPolicy(kinds={"deactivate": KindPolicy(more=(more,))})
    strict = replace(deps, policy=replace(deps.policy, approvals=rules))
    request_id = _ask(strict, numbers)
    assert load_approval(strict, request_id).approvals_needed == needed  # type: ignore[union-attr]
    first = _approve(strict, request_id, BOB_ACTOR)
    assert first.request.state is (ApprovalState.APPROVED if needed == 1 else ApprovalState.PENDING)


@pytest.mark.postgres
def test_two_replicas_racing_the_second_approval_start_one_run(
    fresh_pg_url: str, tmp_path: Path
) -> None:
    replicas = contextmanager(start_instances)
    with replicas(fresh_pg_url, 2, jethub_approval_policy=policy_file(tmp_path)) as (
        _slack,
        sandbox,
        bots,
    ):
        first, second = bots
        posted = ask(first)
        request_id = request_id_of(posted)
        click(first, BOB, "approvals.approve", posted)  # 1 of 2
        # Betty (through one replica) and Adam (an admin, through the other) both have the
        # approval modal open, then submit at once.
        for bot, user in ((first, BETTY), (second, ADAM)):
            bot.send.block_action(
                user,
                "approvals.approve",
                request_id,
                message=posted["ts"],
                channel=APPROVALS_CHANNEL,
                block_id="approvals.decide",
            )
            bot.wait_idle()
        start = threading.Barrier(2)

        def submit(bot: BotHarness, user: str) -> None:
            start.wait()
            type_to_approve(bot, user)

        racers = [
            threading.Thread(target=submit, args=(bot, user))
            for bot, user in ((first, BETTY), (second, ADAM))
        ]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join()
        for bot in bots:
            bot.wait_idle(60)
        assert runs_for(first.ledger, request_id) == 1
        run = run_for_approval(first.services.deps, request_id)
        assert run is not None and run.state.value == "succeeded"
        decided = load_approval(first.services.deps, request_id)
        assert decided is not None and decided.state is ApprovalState.APPROVED
        assert len(decided.approved_by) == 2 and decided.approved_by[0] == BOB
        assert deletes(sandbox)["POST /v2/accounts/{A}/deactivate"] == 1
        trail = actions(first.ledger, ACCOUNT)
        oks = [a for a in trail if a[1:] == ("deactivate.approve", "ok")]
        assert len(oks) == 2, trail  # Bob's, and the one of the two racers that won
