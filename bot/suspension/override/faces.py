"""How a suspension override shows in Slack: its approval request and its run's outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.approvals.requests import KindUI, run_outcome_blocks
from bot.runs.faces import RunFace
from bot.suspension.override import views
from commands.suspension.override import OVERRIDE, OVERRIDE_KIND, outcome_result

if TYPE_CHECKING:
    from bot.runtime.services import Services
    from commands.runs.kinds import RunOutcome


def told(services: Services, outcome: RunOutcome) -> dict[str, Any]:
    return views.override_done(outcome_result(services.deps, outcome))


LOOK = KindUI(
    kind=OVERRIDE_KIND,
    label="suspension override",
    verb="override",
    title=views.approval_title,
    body=views.approval_body,
    after=run_outcome_blocks,
)
FACE = RunFace(kind=OVERRIDE, told=told)
