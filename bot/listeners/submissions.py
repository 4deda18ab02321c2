"""Modal submissions: one listener per callback id, validating inside the ack."""

from __future__ import annotations

from collections.abc import Callable

from bot.approvals import submissions as approvals
from bot.changes import submissions as changes
from bot.deactivation import submissions as deactivation
from bot.digest import submissions as digest
from bot.edge.turns import Later, Submission
from bot.suspension import submissions as suspension

LISTENERS: dict[str, Callable[[Submission], Later | None]] = {
    **changes.LISTENERS,
    **approvals.LISTENERS,
    **deactivation.LISTENERS,
    **digest.LISTENERS,
    **suspension.LISTENERS,
}
