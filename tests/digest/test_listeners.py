"""The snooze modal's listener, called as a plain function (no HTTP): what it refuses inside the
ack, on which field, and what it leaves for after it."""

from __future__ import annotations

from typing import Any

import pytest

from bot.digest import views
from bot.digest.submissions import on_snooze_submit
from bot.edge.codecs import NotValidAnyMore, SnoozeRef
from bot.edge.payloads import ViewSubmission
from bot.edge.turns import Later, Submission
from commands.digest.snooze import UNTIL_A_DATE
from commands.errors import Forbidden, InvalidInput
from tests.digest.conftest import all_events
from tests.fixtures.bot import ALICE, DIGEST_CHANNEL, VERA, BotHarness


def submitted(
    bot: BotHarness,
    user: str,
    *,
    preset: str = "7",
    day: str | None = None,
    reason: str = "payment plan agreed",
    meta: str | None = None,
) -> Submission:
    values: dict[str, Any] = {
        views.FOR_BLOCK: {"value": {"type": "radio_buttons", "selected_option": {"value": preset}}},
        views.UNTIL_BLOCK: {"value": {"type": "datepicker", "selected_date": day}},
        views.REASON_BLOCK: {"value": {"type": "plain_text_input", "value": reason}},
    }
    payload = ViewSubmission.model_validate(
        {
            "user": {"id": user},
            "view": {
                "callback_id": views.SNOOZE_MODAL,
                "private_metadata": meta
                or SnoozeRef(account="1003", channel=DIGEST_CHANNEL).encode(),
                "state": {"values": values},
            },
        }
    )
    actor = bot.services.roles.actor(user)
    return Submission(bot.services, actor, bot.services.slack, lambda _: None, payload=payload)


def snoozes(bot: BotHarness) -> list[tuple[str, str]]:
    return [(e.actor, e.outcome) for e in all_events(bot.ledger) if e.action == "snooze"]


def test_a_date_that_is_not_one_lands_on_the_date_field(bot: BotHarness) -> None:
    with pytest.raises(InvalidInput) as refused:
        on_snooze_submit(submitted(bot, ALICE, preset=UNTIL_A_DATE, day="2026-02-31"))
    assert refused.value.field == views.UNTIL_BLOCK and str(refused.value) == "That is not a date."
    assert snoozes(bot) == []


def test_an_empty_reason_lands_on_the_reason_field(bot: BotHarness) -> None:
    with pytest.raises(InvalidInput) as refused:
        on_snooze_submit(submitted(bot, ALICE, reason="  "))
    assert refused.value.field == views.REASON_BLOCK


def test_a_viewer_is_refused_and_it_is_audited(bot: BotHarness) -> None:
    with pytest.raises(Forbidden):
        on_snooze_submit(submitted(bot, VERA))
    assert snoozes(bot) == [(VERA, "refused")]


def test_forged_metadata_is_not_valid_any_more(bot: BotHarness) -> None:
    with pytest.raises(NotValidAnyMore):
        on_snooze_submit(submitted(bot, ALICE, meta='{"a": "<!here>"}'))


def test_a_good_snooze_is_written_after_the_ack_and_answered_where_it_was_opened(
    bot: BotHarness,
) -> None:
    later = on_snooze_submit(submitted(bot, ALICE))
    assert isinstance(later, Later) and later.channel == DIGEST_CHANNEL
    assert snoozes(bot) == []  # nothing written inside the ack
    posted: list[dict[str, Any]] = []
    later.work(posted.append)
    assert snoozes(bot) == [(ALICE, "ok")]
    assert len(posted) == 1 and "is snoozed until" in str(posted[0]["blocks"])
