"""Buttons (other than ``verb:<name>``): one listener per action id, run after the ack."""

from __future__ import annotations

from collections.abc import Callable

from bot.approvals import actions as approvals
from bot.changes import actions as changes
from bot.digest import actions as digest
from bot.digest import bulk as digest_bulk
from bot.edge.turns import Click
from bot.reading import actions as reading
from bot.reading import share as activity
from bot.reconcile import actions as reconcile
from bot.runs import actions as runs
from bot.suspension import actions as suspension
from bot.suspension.override import actions as override

LISTENERS: dict[str, Callable[[Click], None]] = {
    **reading.LISTENERS,
    **activity.LISTENERS,
    **runs.LISTENERS,
    **changes.LISTENERS,
    **approvals.LISTENERS,
    **suspension.LISTENERS,
    **override.LISTENERS,
    **digest.LISTENERS,
    **digest_bulk.LISTENERS,
    **reconcile.LISTENERS,
}
