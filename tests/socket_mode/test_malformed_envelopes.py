"""Over Socket Mode, the same refusals as over HTTP (tests/reliability/test_refuse_before_parsing):
every malformed envelope is acknowledged (Slack redelivers one that is not), refused in one log
line, counted, and never reaches a listener or the Web API."""

from __future__ import annotations

import logging

import pytest

from tests.fixtures.bot import ADAM, BotHarness
from tests.reliability.test_refuse_before_parsing import NO_TYPE, _interaction, _posted

Json = object

MALFORMED: dict[str, tuple[str, Json]] = {
    "payload-an-array": ("interactive", [1, 2, 3]),
    "payload-a-number": ("events_api", 7),
    "missing-user": ("interactive", _interaction(user=...)),
    "user-a-list": ("interactive", _interaction(user=["U0ADAM"])),
    "actions-a-string": ("interactive", _interaction(actions="verb:account")),
    "actions-of-numbers": ("interactive", _interaction(actions=[1, 2])),
    "view-a-number": ("interactive", _interaction(type="view_submission", view=7)),
    "view-without-type": ("interactive", _interaction(type="view_submission", view=NO_TYPE)),
    "team-a-list": ("interactive", _interaction(team=[])),
    "command-without-user": ("slash_commands", {"command": "/jethub", "text": "help"}),
    "event-a-list": ("events_api", {"type": "event_callback", "event": []}),
    "type-a-number": ("events_api", {"type": 5}),
    "an-unknown-action": (
        "interactive",
        _interaction(actions=[{"action_id": "no.such.button", "value": "x", "type": "button"}]),
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_envelope_is_acknowledged_and_refused_in_one_line(
    socket_bot: BotHarness, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.DEBUG)
    kind, payload = MALFORMED[name]
    socket = socket_bot.slack.socket_mode
    acks = len(socket.acks)
    socket.deliver(kind, payload)  # type: ignore[arg-type]  # raises if never acknowledged
    socket_bot.wait_idle()
    assert len(socket.acks) == acks + 1
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert [m for m in _posted(socket_bot) if m != "apps.connections.open"] == []


def test_a_good_envelope_after_them_is_still_answered(socket_bot: BotHarness) -> None:
    socket_bot.slack.socket_mode.deliver("interactive", [1])  # type: ignore[arg-type]
    socket_bot.command(ADAM, "help")
    assert socket_bot.slack.ephemerals(ADAM)
