"""The reason for a Deny: decided inside the ack (an empty reason is told on its field, a
request decided meanwhile in place of the modal), then announced after it."""

from __future__ import annotations

from bot.codecs import RecordRef
from bot.requests import announce_outcome
from bot.turns import Later, Submission
from bot.views.approvals import DENY_MODAL, DENY_REASON_BLOCK
from commands.approval_decisions import decide_approval
from commands.approval_model import DecideApproval


def on_deny_submitted(sub: Submission) -> Later:
    reason = sub.submitted.view.state.text(DENY_REASON_BLOCK) or ""
    order = DecideApproval(request_id=sub.meta(RecordRef).id, decision="deny", reason=reason)
    decided = decide_approval(order, sub.actor, sub.deps)
    return Later(lambda post: announce_outcome(sub.services, sub.client, decided.request))


LISTENERS = {DENY_MODAL: on_deny_submitted}
