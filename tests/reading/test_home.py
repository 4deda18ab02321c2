"""App Home over the Events API: ``app_home_opened`` → ``views.publish``, drawn from the ledger."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from audit.runs import claim, create_run, fail_run, fail_step, start_step
from bot.digest.job import run_digest
from tests.deactivation.test_e2e import ask
from tests.fixtures.bot import ALICE, BOB, VERA, BotHarness
from tests.reading.conftest import assert_no_mentions


def home(bot: BotHarness, user: str) -> str:
    response = bot.send.event({"type": "app_home_opened", "user": user, "tab": "home"})
    assert response.status_code == 200
    bot.wait_idle()
    view: dict[str, Any] | None = bot.slack.home(user)
    assert view is not None and view["type"] == "home", "no Home tab published"
    return json.dumps(view["blocks"], ensure_ascii=False)


def test_an_approver_sees_the_request_waiting_for_them_and_the_requester_sees_theirs(
    bot: BotHarness,
) -> None:
    assert "Waiting for your approval" in (empty := home(bot, BOB)) and "1004" not in empty
    ask(bot, "1004")
    for_bob = home(bot, BOB)
    assert "Waiting for your approval" in for_bob
    assert f"Deactivation of account `1004` requested by <@{ALICE}>" in for_bob
    for_alice = home(bot, ALICE)
    mine = "*Your requests*\\n• :raised_hand: Deactivation of account `1004` requested "
    assert mine in for_alice and f"{mine}by" not in for_alice  # her own: by nobody else
    assert "Waiting for your approval" not in for_alice  # not an approver, and her own request


def test_a_viewer_sees_only_their_own_part(bot: BotHarness) -> None:
    ask(bot, "1004")
    shown = home(bot, VERA)
    assert "1004" not in shown
    assert "Waiting for your approval" not in shown and "Stopped, needing Retry" not in shown


def test_operators_see_actions_that_stopped_and_todays_digest(bot: BotHarness) -> None:
    now = datetime.now(UTC)
    with bot.ledger.session() as session:
        run = create_run(
            session=session,
            approval_id=None,
            kind="deactivate",
            account="1002",
            steps=["review", "queues"],
            now=now,
        )
        assert claim(session=session, run_id=run.id, owner="w", now=now, lease_for=timedelta(60))
        start_step(session=session, run_id=run.id, position=0, now=now, owner="w")
        fail_step(session=session, run_id=run.id, position=0, now=now, owner="w", error="boom")
        fail_run(session=session, run_id=run.id, owner="w", now=now, error="<!here> down")
    assert "Not posted yet today" in home(bot, ALICE)

    deps = bot.services.deps
    noon = datetime.combine(deps.today(), time(12), deps.zone)
    later = replace(bot.services, deps=deps.with_now(lambda: noon))
    assert run_digest(later, bot.services.slack, owner="test") is not None
    shown = home(bot, ALICE)
    assert "Deactivation of account `1002` stopped at review: &lt;!here&gt; down" in shown
    assert_no_mentions(bot.slack.home(ALICE))
    assert "5 accounts overdue for suspension" in shown and "<#C0DIGEST>" in shown
