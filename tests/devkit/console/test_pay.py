"""``/pay``: the console plays a customer paying in Zuora (the sandbox, over HTTP)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devkit.console.payments import PayError, parse_pay
from devkit.console.session import Session
from devkit.console.world import World


class Recorder:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def show(self, lines: object) -> None:
        self.lines.extend(str(line) for line in lines)  # type: ignore[attr-defined]

    def ask(self, prompt: str) -> str | None:
        return None


def test_pay_pays_what_the_account_owes_through_zuoras_api(world: World) -> None:
    shown = Recorder()
    session = Session(world, shown)
    session.handle("/pay 1003 50")
    session.handle("/pay 1003")
    z = world.sandbox.world.zuora
    account = z.account("A00001003")
    assert account is not None
    assert [p.amount for p in z.payments_of(account)] == [Decimal("50"), Decimal("139.50")]
    assert z.balance_of(account) == 0
    assert any("Zuora: payment P-" in line and "$139.50" in line for line in shown.lines)
    assert shown.lines.count("Zuora's callout to the bot: HTTP 202.") == 2
    session.handle("/pay 1003")
    assert shown.lines[-1] == "Account 1003 owes nothing in Zuora; nothing was paid."
    counts = world.sandbox.counters.snapshot()["zuora"]
    assert counts["POST /v1/payments"] == 2


@pytest.mark.parametrize(
    "text", ["", "abc", "1003 x", "1003 -5", "1003 0", "1003 1.005", "1003 2 3", "1003 nan"]
)
def test_pay_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(PayError):
        parse_pay(text)


@given(st.text(max_size=40))
def test_pay_reads_any_text_or_says_why_not(text: str) -> None:
    try:
        account, amount = parse_pay(text)
    except PayError as exc:
        assert str(exc)
    else:
        assert account.isascii() and account.isdigit()
        assert amount is None or Decimal("0.01") <= amount <= Decimal("1000000")


def test_pay_delivers_zuoras_callout_and_the_team_is_asked(world: World) -> None:
    from bot.suspension import views

    send, alice = world.send, "U0ALICE"
    send.command(alice, "suspend 1003 three reminders unanswered", channel="C0SUPPORT")
    world.services.executor.wait_idle(timeout=15)
    shown = world.slack.ephemerals(alice)[-1]
    send.block_action(alice, views.CONFIRM, message=shown["ts"], block_id=views.ACTIONS_BLOCK)
    world.services.executor.wait_idle(timeout=15)
    Session(world, Recorder()).handle("/pay 1003")
    world.services.executor.wait_idle(timeout=15)
    asked = [
        c.args["text"]
        for c in world.slack.calls("chat.postMessage")
        if c.args.get("channel") == "C0DIGEST" and "still suspended" in str(c.args.get("text"))
    ]
    assert len(asked) == 1 and "1003 paid $189.50 AUD" in asked[0]
