"""The read verbs: account, billing, pbx, emergency, emails, audit."""

from __future__ import annotations

from bot.edge.turns import VerbCall
from bot.reading.readers import READERS, for_asker
from bot.reading.views.history import emails_cursor_value


def show(call: VerbCall) -> None:
    """The view the verb's reader draws, for the asker only. Only ``emails`` takes text after
    the account: what to look for."""
    cursor = emails_cursor_value(0, call.rest, None) if call.rest else ""
    read = READERS[call.verb]
    call.say(
        read(call.services, call.actor, call.account, cursor, for_asker(call.services, call.actor))
    )


VERBS = dict.fromkeys(READERS, show)
