"""Exclusions over signed HTTP: an admin excludes an account (audited); it is listed apart in the
digest; suspending it is refused with the reason — at the confirmation and again at the click —
unless an approver overrides; including it offers it again."""

from __future__ import annotations

import json

from bot.suspension import views
from tests.fixtures.bot import ADAM, ALICE, BOB, BotHarness
from tests.suspension.conftest import OVERDUE, events, suspension_of, trail
from tests.suspension.test_e2e import ask, click

REASON = "public hospital, never cut off"


def last_said(bot: BotHarness, user: str) -> str:
    shown = bot.slack.ephemerals(user)[-1]
    return json.dumps(shown.get("blocks") or [], ensure_ascii=False) + shown.get("text", "")


def test_an_admin_excludes_and_suspending_is_refused_with_the_reason(bot: BotHarness) -> None:
    bot.command(ADAM, f"exclude {OVERDUE} {REASON}")
    assert "is excluded from suspension" in last_said(bot, ADAM)
    [event] = [e for e in events(bot.ledger, OVERDUE) if e.action == "exclude"]
    assert (event.actor, str(event.outcome)) == (ADAM, "ok")
    assert event.details["after"]["reason"] == REASON and event.details["before"] is None

    bot.command(ALICE, f"suspend {OVERDUE} unpaid")
    said = last_said(bot, ALICE)
    assert "excluded from suspension" in said and REASON in said and "/jethub override" in said
    assert suspension_of(bot.sandbox, OVERDUE) is None
    assert trail(bot.ledger, OVERDUE)[-1] == (ALICE, "suspend", "refused")

    bot.command(ALICE, "digest")
    digest = last_said(bot, ALICE)
    assert "Excluded from suspension" in digest and REASON in digest
    assert f'"value": "{OVERDUE}|digest:' not in digest  # no Suspend button on a row for it

    bot.command(ADAM, f"include {OVERDUE}")
    assert "no longer excluded" in last_said(bot, ADAM)
    bot.command(ADAM, f"include {OVERDUE}")
    assert "is not excluded" in last_said(bot, ADAM)
    shown = ask(bot, f"suspend {OVERDUE} unpaid")
    click(bot, ALICE, views.CONFIRM, shown)
    assert suspension_of(bot.sandbox, OVERDUE) is not None


def test_excluded_after_the_confirmation_is_refused_at_the_click(bot: BotHarness) -> None:
    shown = ask(bot, f"suspend {OVERDUE} unpaid")
    bot.command(ADAM, f"exclude {OVERDUE} {REASON}")
    click(bot, ALICE, views.CONFIRM, shown)
    assert suspension_of(bot.sandbox, OVERDUE) is None
    result = bot.slack.message(bot.slack.find_message(shown["ts"], user=ALICE))  # type: ignore[arg-type]
    assert result is not None and "excluded from suspension" in json.dumps(result)


def test_only_admins_exclude_and_the_reason_needs_words(bot: BotHarness) -> None:
    bot.command(ALICE, f"exclude {OVERDUE} {REASON}")
    assert "admin" in last_said(bot, ALICE)
    bot.command(ADAM, f"exclude {OVERDUE}")
    assert "needs a reason" in last_said(bot, ADAM)
    bot.command(ADAM, f"exclude {OVERDUE} no")
    assert "few words" in last_said(bot, ADAM)
    assert [a for _, a, o in trail(bot.ledger, OVERDUE) if o == "ok"] == []


def test_an_approver_may_still_override_an_excluded_account(bot: BotHarness) -> None:
    bot.command(ADAM, f"exclude {OVERDUE} {REASON}")
    bot.command(BOB, f"override {OVERDUE} the hospital board agreed to the cut off")
    said = last_said(bot, BOB)
    assert "no override is needed" not in said
    assert "Suspend (override)" in said
