"""Quarantine with a release date: each number a deactivation quarantines is held until
``JETHUB_QUARANTINE_DAYS`` after the run (the platform records it), and the account view, the
run's summary and its thread say when the numbers may be reused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.deactivation.test_e2e import ask, click, text_of
from tests.fixtures.bot import ALICE, APPROVALS_CHANNEL, BOB, BotHarness, start_bot

ACCOUNT = "1010"  # childless, paid up


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[BotHarness]:
    yield from start_bot(f"sqlite:///{tmp_path / 'ledger.db'}", jethub_quarantine_days="30")


def test_each_quarantined_number_records_when_it_may_be_reused_and_the_card_says(
    bot: BotHarness,
) -> None:
    posted = ask(bot, ACCOUNT)
    click(bot, BOB, "approvals.approve", posted)

    release = bot.services.deps.today() + timedelta(days=30)
    with bot.sandbox.world.lock:
        numbers = bot.sandbox.world.platform.estate(ACCOUNT).phone_numbers.values()
        assert numbers and {(n.state, n.quarantine_until) for n in numbers} == {
            ("quarantined", release)
        }
    final = bot.slack.messages(APPROVALS_CHANNEL)[0]
    assert f"held until {release:%d %b %Y} (reusable from then)" in text_of(final)

    bot.command(ALICE, f"account {ACCOUNT}")
    card = json.dumps(bot.slack.ephemerals(ALICE)[-1], ensure_ascii=False)
    assert f"quarantined: reusable from {release:%d %b %Y}" in card


def test_the_setting_is_a_number_of_days(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.runtime.settings import SettingsError, load_settings

    monkeypatch.delenv("JETHUB_QUARANTINE_DAYS", raising=False)
    assert load_settings(_env_file=None).jethub_quarantine_days == 90
    for bad in ("0", "soon", "-3"):
        monkeypatch.setenv("JETHUB_QUARANTINE_DAYS", bad)
        with pytest.raises(SettingsError) as raised:
            load_settings(_env_file=None)
        assert "JETHUB_QUARANTINE_DAYS" in str(raised.value)
