"""The deactivation request modal's listener, called as a plain function (no HTTP): what it
refuses inside the ack, and what it leaves for after it."""

from __future__ import annotations

import pytest

from bot.deactivation.submissions import on_request_submitted
from bot.deactivation.views import REQUEST_MODAL
from bot.edge.codecs import NotValidAnyMore
from bot.edge.payloads import ViewSubmission
from bot.edge.turns import Later, Submission
from commands.deactivation.request import RequestProblems
from tests.deactivation.conftest import actions
from tests.fixtures.bot import ALICE, BotHarness


def submitted(bot: BotHarness, reason: str, typed: str, *, meta: str = "1001") -> Submission:
    values = {
        block: {"value": {"type": "plain_text_input", "value": value}}
        for block, value in (("reason", reason), ("confirm", typed))
    }
    payload = ViewSubmission.model_validate(
        {
            "user": {"id": ALICE},
            "view": {
                "callback_id": REQUEST_MODAL,
                "private_metadata": meta,
                "state": {"values": values},
            },
        }
    )
    actor = bot.services.roles.actor(ALICE)
    return Submission(bot.services, actor, bot.services.slack, lambda _: None, payload=payload)


def test_every_problem_is_refused_at_once_and_audited(bot: BotHarness) -> None:
    with pytest.raises(RequestProblems) as refused:
        on_request_submitted(submitted(bot, " ", "1002"))
    assert set(refused.value.errors) == {"reason", "confirm"}
    assert "1001" in refused.value.errors["confirm"]
    assert actions(bot.ledger) == [(ALICE, "deactivate.request", "refused")]


def test_a_forged_account_is_not_valid_any_more_and_nothing_is_recorded(bot: BotHarness) -> None:
    with pytest.raises(NotValidAnyMore):
        on_request_submitted(submitted(bot, "moved away", "<!here>", meta="<!here>"))
    assert actions(bot.ledger) == []


def test_a_good_request_is_left_for_after_the_ack(bot: BotHarness) -> None:
    later = on_request_submitted(submitted(bot, "moved away", "1001"))
    assert isinstance(later, Later)
    assert actions(bot.ledger) == []  # nothing stored inside the ack
