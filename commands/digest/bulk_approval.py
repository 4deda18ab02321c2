"""The digest's bulk suspension through four-eyes approval (kind ``suspend_bulk``).

One request lists every account and amount (``commands.digest.bulk`` stores it when the
confirmation is settled). Its approval — decided like any other, exactly once — writes one
``suspend`` run per account in the decision's transaction (``on_approved``) and records them as
``suspend.bulk.approved``, which the bulk's summary reads; denied or expired, nothing runs.
The kind holds no account's lock while pending: each run takes its account's lock when it is
written, and an account another action holds by then is skipped and named.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from commands.actor import Role
from commands.approvals.model import ApprovalKind
from commands.digest.bulk import APPROVAL_KIND, BULK_APPROVED, write_runs
from commands.trail import record

if TYPE_CHECKING:
    from sqlmodel import Session

    from audit.models import ApprovalRequest
    from commands.deps import Deps


def _approved(session: Session, deps: Deps, request: ApprovalRequest) -> None:
    preview = request.preview
    shown = {
        "reason": request.reason,
        "origin": request.origin,
        "items": list(preview.get("items") or ()),
        "overdue": dict(preview.get("overdue") or {}),
    }
    approver = request.decided_by or ""
    runs, skipped = write_runs(
        session, deps, request.id, shown, by=request.requested_by, approved_by=approver
    )
    record(
        deps,
        actor=approver,
        action=BULK_APPROVED,
        account=None,
        outcome="ok",
        session=session,
        details={
            "bulk": request.id,
            "request_id": request.id,
            "by": request.requested_by,
            "origin": request.origin,
            "items": shown["items"],
            "runs": runs,
            "skipped": skipped,
            # Its summary goes in the request's thread.
            "reply_to": {
                "channel": request.channel or request.requested_by,
                "thread_ts": request.message_ts,
            },
        },
    )


def _accounts(preview: Mapping[str, Any]) -> int:
    """How many accounts the request lists, which an approval policy may weigh."""
    return len(preview.get("items") or ())


def bulk_approval_kind() -> ApprovalKind:
    return ApprovalKind(
        name=APPROVAL_KIND,
        label="bulk suspension",
        request_role=Role.OPERATOR,
        decide_role=Role.APPROVER,
        on_approved=_approved,
        measures={"accounts": _accounts},
    )
