"""How a suspension shows in Slack: its approval request (the overdue invoices, then the run's
state) and its runs' outcomes (suspended, lifted) told from their records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.approvals.requests import KindUI, run_outcome_blocks
from bot.runs.faces import RunFace
from bot.suspension import views
from commands.suspension.approval import APPROVAL_KIND
from commands.suspension.models import SUSPEND, UNSUSPEND, Suspended
from commands.suspension.run import outcome_result

if TYPE_CHECKING:
    from bot.runtime.services import Services
    from commands.runs.kinds import RunOutcome


def told(services: Services, outcome: RunOutcome) -> dict[str, Any]:
    """A (un)suspension's result; its refusal or failure is raised as the error to show."""
    result = outcome_result(services.deps, outcome)
    zone = services.settings.zone
    if isinstance(result, Suspended):
        return views.suspended_message(result, zone=zone)
    return views.unsuspended_message(result, zone=zone)


LOOK = KindUI(
    kind=APPROVAL_KIND,
    label="suspension",
    verb="suspend",
    title=views.approval_title,
    body=views.approval_body,
    after=run_outcome_blocks,
)
FACES = (RunFace(kind=SUSPEND, told=told), RunFace(kind=UNSUSPEND, told=told))
