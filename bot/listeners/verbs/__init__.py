"""``/jethub <verb> …``: one handler per verb, run after the ack by ``dispatch`` with the
invocation parsed and authorised. ``HANDLERS`` is the whole table."""

from __future__ import annotations

from collections.abc import Callable

from bot.listeners.verbs import changes, deactivation, digest, override, reading, suspension
from bot.turns import VerbCall

VerbHandler = Callable[[VerbCall], None]

HANDLERS: dict[str, VerbHandler] = {
    **reading.VERBS,
    **changes.VERBS,
    **deactivation.VERBS,
    **suspension.VERBS,
    **override.VERBS,
    **digest.VERBS,
}
