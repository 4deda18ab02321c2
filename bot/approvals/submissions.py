"""The reason for a Deny, and the account number typed to approve: decided inside the ack (a
problem told on its field, a request decided meanwhile in place of the modal), then announced
(and an approval's run worked) after it."""

from __future__ import annotations

from bot.approvals.actions import approved
from bot.approvals.requests import announce_outcome
from bot.approvals.views import APPROVE_MODAL, DENY_MODAL, DENY_REASON_BLOCK
from bot.edge.codecs import RecordRef
from bot.edge.turns import Later, Submission
from commands.approvals.decisions import decide_approval
from commands.approvals.model import TYPED_FIELD, DecideApproval


def on_deny_submitted(sub: Submission) -> Later:
    reason = sub.submitted.view.state.text(DENY_REASON_BLOCK) or ""
    order = DecideApproval(request_id=sub.meta(RecordRef).id, decision="deny", reason=reason)
    decided = decide_approval(order, sub.actor, sub.deps)
    return Later(lambda post: announce_outcome(sub.services, sub.client, decided.request))


def on_approve_submitted(sub: Submission) -> Later:
    typed = sub.submitted.view.state.text(TYPED_FIELD) or ""
    order = DecideApproval(
        request_id=sub.meta(RecordRef).id, decision="approve", typed_account=typed
    )
    decided = decide_approval(order, sub.actor, sub.deps)
    return Later(lambda post: approved(sub.services, sub.client, decided.request))


LISTENERS = {DENY_MODAL: on_deny_submitted, APPROVE_MODAL: on_approve_submitted}
