"""``/jethub digest``: today's overdue digest now, only to the asker."""

from __future__ import annotations

from bot.digest.views import ephemeral_pages
from bot.edge.turns import VerbCall
from commands.digest.overdue import show_digest

# A response URL takes five posts; one is kept for reporting a failure.
EPHEMERAL_MESSAGES = 4


def digest(call: VerbCall) -> None:
    shown = show_digest(call.actor, call.deps)
    at, zone = call.deps.now(), call.deps.zone
    for page in ephemeral_pages(shown, at=at, zone=zone, max_messages=EPHEMERAL_MESSAGES):
        call.say(page)


VERBS = {"digest": digest}
