"""The cancel window (``JETHUB_DEACTIVATION_DELAY``): an approved deactivation waits, with Cancel
on its request, in the requester's DM and on the account card; cancelled, nothing is removed;
not cancelled, the clock's sweeper starts it once its time has come — exactly once, even when
every process was replaced meanwhile. An admin's Run now skips the wait."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.models import RunState
from bot.compose import build_services
from bot.jobs.sweeper import sweep
from bot.runtime.services import Services, policy
from bot.runtime.settings import SettingsError, load_settings
from commands.catalogue import action_kinds
from commands.deactivation.request import run_for_approval
from commands.deactivation.run import deactivation_kind
from commands.deps import Policy
from tests.deactivation.conftest import actions, deletes, estate_counts, later
from tests.deactivation.test_e2e import ask, buttons, check_blocks, click, request_id_of, text_of
from tests.fixtures.bot import (
    ADAM,
    ALICE,
    APPROVALS_CHANNEL,
    BETTY,
    BOB,
    OSCAR,
    BotHarness,
    fast_pace,
    start_bot,
)
from tests.reading.test_home import home

ACCOUNT = "1001"
WINDOW = timedelta(seconds=60)


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[BotHarness]:
    yield from start_bot(f"sqlite:///{tmp_path / 'ledger.db'}", jethub_deactivation_delay="60s")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_bot(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BotHarness]:
    """The bot with a 60 s window, on a SQLite ledger and on PostgreSQL."""
    url = (
        f"sqlite:///{tmp_path / 'ledger.db'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("fresh_pg_url"))
    )
    yield from start_bot(url, jethub_deactivation_delay="60s")


def dm(user: str) -> str:
    return "D" + user[1:]


def approved(bot: BotHarness) -> tuple[dict[str, Any], str]:
    """Asked by Alice, approved by Bob: the request's message as it then reads, and its id."""
    posted = ask(bot)
    request_id = request_id_of(posted)
    bot.sandbox.counters.reset()
    click(bot, BOB, "approvals.approve", posted)
    return bot.slack.messages(APPROVALS_CHANNEL)[0], request_id


def sweep_after(bot: BotHarness, services: Services, by: timedelta) -> None:
    moved = replace(services, deps=later(services.deps, by))
    sweep(moved, services.slack)
    moved.executor.wait_idle(15)


def click_in_dm(bot: BotHarness, user: str, action: str, message: dict[str, Any]) -> None:
    value = next(
        e["value"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action
    )
    bot.send.block_action(user, action, value, message=message["ts"], channel=dm(user))
    bot.wait_idle()


def run_button_value(message: dict[str, Any]) -> str:
    return next(
        e["value"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "run.cancel"
    )


def test_approved_it_waits_and_a_cancel_removes_nothing(bot: BotHarness) -> None:
    message, request_id = approved(bot)
    check_blocks(message)
    assert "scheduled for" in text_of(message)
    assert buttons(message) == ["run.cancel", "run.run_now"]
    told = bot.slack.messages(dm(ALICE))[-1]
    check_blocks(told)
    assert "scheduled for" in text_of(told) and buttons(told) == ["run.cancel"]
    bot.command(ALICE, f"account {ACCOUNT}")
    card = bot.slack.ephemerals(ALICE)[-1]
    assert "scheduled for" in text_of(card) and "run.cancel" in buttons(card)
    assert "run.run_now" not in buttons(card)  # Alice is no admin
    assert "scheduled for" in home(bot, ALICE)  # App Home: her action, waiting for its time
    assert deletes(bot.sandbox) == {}

    click_in_dm(bot, ALICE, "run.cancel", told)
    modal = bot.slack.open_view(ALICE)
    assert modal is not None and modal["callback_id"] == "run.cancel_reason"
    blank = bot.send.view_submission(ALICE, values={"reason": {"value": "  "}}).ack_body()
    assert blank is not None and blank["response_action"] == "errors"
    bot.send.view_submission(ALICE, values={"reason": {"value": "customer changed their mind"}})
    bot.wait_idle()

    sweep_after(bot, bot.services, 2 * WINDOW)  # its time has come and gone: nothing starts
    assert deletes(bot.sandbox) == {}
    assert estate_counts(bot.sandbox, ACCOUNT)["status"] == "active"
    run = run_for_approval(bot.services.deps, request_id)
    assert run is not None and run.state is RunState.SUCCEEDED and run.outcome == "cancelled"
    final = bot.slack.messages(APPROVALS_CHANNEL)[0]
    assert "cancelled" in text_of(final) and "customer changed their mind" in text_of(final)
    assert buttons(final) == []
    assert any("cancelled" in m.get("text", "") for m in bot.slack.messages(dm(ALICE)))
    trail = actions(bot.ledger, ACCOUNT)
    assert (ALICE, "deactivate.cancel", "ok") in trail
    assert not any(a[1] in ("deactivate.start", "deactivate.step") for a in trail)
    bot.command(ALICE, f"deactivate {ACCOUNT}")  # the account is free to be asked for again
    assert bot.slack.open_view(ALICE)["callback_id"] == "deactivation.request"  # type: ignore[index]


def test_only_the_requester_an_approver_or_an_admin_may_cancel(bot: BotHarness) -> None:
    message, request_id = approved(bot)
    value = run_button_value(message)
    bot.send.block_action(
        OSCAR, "run.cancel", value, message=message["ts"], channel=APPROVALS_CHANNEL
    )
    bot.wait_idle()
    bot.send.view_submission(OSCAR, values={"reason": {"value": "not mine to cancel"}})
    bot.wait_idle()
    assert (OSCAR, "deactivate.cancel", "refused") in actions(bot.ledger, ACCOUNT)
    run = run_for_approval(bot.services.deps, request_id)
    assert run is not None and run.state is RunState.PENDING

    bot.send.block_action(
        BOB, "run.cancel", value, message=message["ts"], channel=APPROVALS_CHANNEL
    )
    bot.wait_idle()
    bot.send.view_submission(BOB, values={"reason": {"value": "wrong account"}})
    bot.wait_idle()
    assert (BOB, "deactivate.cancel", "ok") in actions(bot.ledger, ACCOUNT)


def test_not_cancelled_it_runs_once_after_the_window_across_a_restart(
    any_bot: BotHarness,
) -> None:
    bot = any_bot
    before = estate_counts(bot.sandbox, ACCOUNT)
    _, request_id = approved(bot)
    sweep_after(bot, bot.services, WINDOW / 2)  # not yet
    assert deletes(bot.sandbox) == {}

    # Every process is replaced: two new ones (a web and a clock, say) against the same ledger.
    restarted = [
        build_services(bot.services.settings, pacer=fast_pace(), migrate=False) for _ in range(2)
    ]
    try:
        due = WINDOW + timedelta(seconds=1)
        clocks = [
            threading.Thread(target=sweep_after, args=(bot, services, due))
            for services in restarted
        ]  # the two clocks' sweeps race for the run as it falls due
        for clock in clocks:
            clock.start()
        for clock in clocks:
            clock.join()
        for services in restarted:
            sweep_after(bot, services, WINDOW + timedelta(seconds=40))
    finally:
        for services in restarted:
            services.close()

    after = estate_counts(bot.sandbox, ACCOUNT)
    assert after["status"] == "deactivated" and after["queues"] == 0
    calls = deletes(bot.sandbox)
    assert calls["POST /v2/accounts/{A}/deactivate"] == 1
    assert calls["POST /v2/accounts/{A}/phone_numbers/{id}/quarantine"] == before["in_service"]
    assert calls["DELETE /v2/accounts/{A}/queues/{id}"] == before["queues"]
    trail = actions(bot.ledger, ACCOUNT)
    assert trail.count(("system", "deactivate.start", "ok")) == 1
    assert trail.count(("system", "deactivate.done", "ok")) == 1
    final = bot.slack.messages(APPROVALS_CHANNEL)[0]
    assert "is deactivated" in text_of(final) and buttons(final) == []
    run = run_for_approval(bot.services.deps, request_id)
    assert run is not None and run.state is RunState.SUCCEEDED and run.outcome == "done"


def test_run_now_is_an_admins_and_starts_it_at_once(bot: BotHarness) -> None:
    message, _ = approved(bot)
    value = run_button_value(message)
    for user in (ALICE, BOB):
        bot.send.block_action(
            user, "run.run_now", value, message=message["ts"], channel=APPROVALS_CHANNEL
        )
        bot.wait_idle()
        assert (user, "deactivate.run_now", "refused") in actions(bot.ledger, ACCOUNT)
    assert deletes(bot.sandbox) == {}
    told = json.dumps([r.body for r in bot.slack.responses()])
    assert "*admin* role" in told

    bot.send.block_action(
        ADAM, "run.run_now", value, message=message["ts"], channel=APPROVALS_CHANNEL
    )
    bot.wait_idle()
    assert estate_counts(bot.sandbox, ACCOUNT)["status"] == "deactivated"
    trail = actions(bot.ledger, ACCOUNT)
    assert (ADAM, "deactivate.run_now", "ok") in trail
    assert trail.count(("system", "deactivate.done", "ok")) == 1

    # Too late now: the Cancel left in the requester's DM says why, and nothing changes.
    scheduled_dm = next(m for m in bot.slack.messages(dm(ALICE)) if "run.cancel" in buttons(m))
    click_in_dm(bot, ALICE, "run.cancel", scheduled_dm)
    assert "already finished" in json.dumps([r.body for r in bot.slack.responses()][-1:])
    assert bot.slack.open_view(ALICE) is None


# -- the setting --------------------------------------------------------------------------------


def test_the_window_is_an_hour_unless_set_and_zero_keeps_running_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JETHUB_DEACTIVATION_DELAY", raising=False)
    assert load_settings(_env_file=None).jethub_deactivation_delay == timedelta(hours=1)
    assert policy(load_settings(_env_file=None), action_kinds()).deactivation_delay == timedelta(
        hours=1
    )
    monkeypatch.setenv("JETHUB_DEACTIVATION_DELAY", "0")
    assert policy(load_settings(_env_file=None), action_kinds()).deactivation_delay == timedelta(0)
    kind = deactivation_kind()
    deps_policy = Policy(deactivation_delay=timedelta(0))
    assert kind.delay is not None and not kind.delay(deps_policy)


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["", "s", "m", "h", "d"]))
def test_the_window_is_read_as_every_other_duration(count: int, unit: str) -> None:
    seconds = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    settings = load_settings(_env_file=None, jethub_deactivation_delay=f"{count}{unit}")
    assert settings.jethub_deactivation_delay == timedelta(seconds=count * seconds)


@pytest.mark.parametrize("value", ["soon", "-5m", "1 week", "1.5h"])
def test_a_bad_window_is_named_in_one_line(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("JETHUB_DEACTIVATION_DELAY", value)
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None)
    assert "JETHUB_DEACTIVATION_DELAY" in str(raised.value)
    assert "not a duration" in str(raised.value) and "\n" not in str(raised.value)


def test_a_second_request_while_it_waits_says_it_is_scheduled(bot: BotHarness) -> None:
    approved(bot)
    bot.command(ALICE, f"deactivate {ACCOUNT}")
    said = json.dumps(bot.slack.open_view(ALICE))
    assert "scheduled (it can still be cancelled)" in said
    assert "being carried out" not in said


def test_a_stale_approve_while_it_waits_says_when_it_will_run(bot: BotHarness) -> None:
    posted = ask(bot)
    click(bot, BOB, "approvals.approve", posted)
    click(bot, BETTY, "approvals.approve", posted)  # the message as it read before Bob's click
    told = json.dumps([r.body for r in bot.slack.responses()][-1:])
    assert "is scheduled for" in told and "can still be cancelled" in told
    assert deletes(bot.sandbox) == {}
