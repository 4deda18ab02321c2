"""Buttons (other than ``verb:<name>``): one listener per action id, run after the ack."""

from __future__ import annotations

from collections.abc import Callable

from bot.listeners.actions import (
    activity,
    approvals,
    changes,
    digest,
    override,
    reading,
    runs,
    suspension,
)
from bot.turns import Click

LISTENERS: dict[str, Callable[[Click], None]] = {
    **reading.LISTENERS,
    **activity.LISTENERS,
    **runs.LISTENERS,
    **changes.LISTENERS,
    **approvals.LISTENERS,
    **suspension.LISTENERS,
    **override.LISTENERS,
    **digest.LISTENERS,
}
