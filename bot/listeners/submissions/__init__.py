"""Modal submissions: one listener per callback id, validating inside the ack."""

from __future__ import annotations

from collections.abc import Callable

from bot.listeners.submissions import approvals, changes, deactivation, digest
from bot.turns import Later, Submission

LISTENERS: dict[str, Callable[[Submission], Later | None]] = {
    **changes.LISTENERS,
    **approvals.LISTENERS,
    **deactivation.LISTENERS,
    **digest.LISTENERS,
}
