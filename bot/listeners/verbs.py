"""``/jethub <verb> …``: one handler per verb, run after the ack by ``dispatch`` with the
invocation parsed and authorised. ``HANDLERS`` is the whole table."""

from __future__ import annotations

from collections.abc import Callable

from bot.changes import verbs as changes
from bot.deactivation import verbs as deactivation
from bot.digest import verbs as digest
from bot.digest.rows import unless_stale
from bot.edge.turns import VerbCall
from bot.reading import verbs as reading
from bot.reconcile import verbs as reconcile
from bot.suspension import verbs as suspension
from bot.suspension.override import verbs as override

VerbHandler = Callable[[VerbCall], None]

HANDLERS: dict[str, VerbHandler] = {
    **reading.VERBS,
    **changes.VERBS,
    **deactivation.VERBS,
    **suspension.VERBS,
    "suspend": unless_stale(suspension.suspend),  # a digest row's Suspend may be stale
    "promise": unless_stale(suspension.promise),  # so may its Promise to pay
    **override.VERBS,
    **digest.VERBS,
    **reconcile.VERBS,
}
