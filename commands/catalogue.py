"""Every kind of action the bot carries out, listed once. The composition root
(``bot.runtime.services``)
calls ``action_kinds`` and hands the result to everything that creates, works or resumes runs."""

from __future__ import annotations

from commands.approvals.model import ApprovalKind
from commands.changes import auth_rules
from commands.changes.edit_run import edit_kinds
from commands.changes.emergency import EMERGENCY, EMERGENCY_SOLD_TO
from commands.changes.invoice_email import INVOICE_EMAIL
from commands.changes.pbx import PBX_NAME, PBX_SUBSCRIPTION
from commands.deactivation.run import KIND as DEACTIVATE
from commands.deactivation.run import deactivation_kind
from commands.kinds import ActionKinds
from commands.reading import billing
from commands.reconcile.adopt import adopt_kind
from commands.runs.one_system import change_kind
from commands.suspension.approval import approval_kind as suspension_approval
from commands.suspension.override import override_kinds
from commands.suspension.run import suspension_kinds


def _deactivation_params(request: object) -> dict[str, object]:
    return {
        "preview": getattr(request, "preview", {}),
        "decided_by": getattr(request, "decided_by", None),
        "reason": getattr(request, "reason", ""),
    }


def action_kinds() -> ActionKinds:
    override_run, override_approval = override_kinds()
    return ActionKinds.of(
        runs=[
            deactivation_kind(),
            *suspension_kinds(),
            *edit_kinds(),
            *(
                change_kind(c)
                for c in (
                    INVOICE_EMAIL,
                    PBX_SUBSCRIPTION,
                    PBX_NAME,
                    EMERGENCY,
                    EMERGENCY_SOLD_TO,
                )
            ),
            auth_rules.refresh_kind(),
            billing.refresh_kind(),
            adopt_kind(),
            override_run,
        ],
        approvals=[
            ApprovalKind(
                name=DEACTIVATE,
                label="deactivation",
                run=DEACTIVATE,
                params=_deactivation_params,
                exclusive=True,
            ),
            suspension_approval(),
            override_approval,
        ],
    )
