"""The submission adapter answers whatever its listener raises inside the ack in the modal itself
— never an unacknowledged request, which Slack shows only as "trouble connecting"."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt import BoltContext

from bot.edge.payloads import ViewSubmission
from bot.edge.turns import Later, Submission, on_submit
from commands.errors import InvalidInput
from integrations.errors import BackendRejected
from tests.fixtures.bot import ALICE, BotHarness

BODY = {
    "type": "view_submission",
    "user": {"id": ALICE},
    "view": {
        "callback_id": "test.modal",
        "title": {"type": "plain_text", "text": "Edit account"},
        "state": {"values": {"name": {"value": {"type": "plain_text_input", "value": "x"}}}},
    },
}


def submit(bot: BotHarness, fails: BaseException) -> dict[str, Any]:
    def listener(_: Submission) -> Later | None:
        raise fails

    acked: list[dict[str, Any]] = []
    context = BoltContext(services=bot.services, actor=bot.services.roles.actor(ALICE))
    on_submit(listener)(lambda **kw: acked.append(kw), BODY, context, bot.services.slack)
    [answer] = acked
    return answer


def notice_text(answer: dict[str, Any]) -> str:
    assert answer["response_action"] == "update"
    view = answer["view"].to_dict()
    assert view["title"]["text"] == "Edit account"
    return str(view["blocks"][0]["text"]["text"])


def test_a_field_error_lands_on_its_field_when_the_modal_has_it(bot: BotHarness) -> None:
    answer = submit(bot, InvalidInput("name", "Too short."))
    assert answer == {"response_action": "errors", "errors": {"name": "Too short."}}


def test_a_field_the_modal_lacks_is_said_in_a_notice(bot: BotHarness) -> None:
    assert notice_text(submit(bot, InvalidInput("parent", "No such parent."))) == "No such parent."


def test_a_backend_failure_inside_the_ack_is_said_in_the_modal(bot: BotHarness) -> None:
    text = notice_text(submit(bot, BackendRejected("zuora", "53100320", "name <!here> invalid")))
    assert text.startswith(":warning: Zuora") and "<!here>" not in text


@pytest.mark.parametrize("bug", [RuntimeError("secret internals"), KeyError("x")])
def test_a_bug_inside_the_ack_is_an_apology_with_a_reference(
    bot: BotHarness, bug: Exception
) -> None:
    text = notice_text(submit(bot, bug))
    assert "Reference" in text and "secret internals" not in text


def test_the_payload_model_reads_the_title() -> None:
    view = ViewSubmission.model_validate(BODY).view
    assert view.title is not None and view.title.text == "Edit account"
