"""The reason for a Deny: decided inside the ack (an empty reason is told on its field, a
request decided meanwhile in place of the modal), then announced after it."""

from __future__ import annotations

from bot.approvals.requests import announce_outcome
from bot.approvals.views import DENY_MODAL, DENY_REASON_BLOCK
from bot.edge.codecs import RecordRef
from bot.edge.turns import Later, Submission
from commands.approvals.decisions import decide_approval
from commands.approvals.model import DecideApproval


def on_deny_submitted(sub: Submission) -> Later:
    reason = sub.submitted.view.state.text(DENY_REASON_BLOCK) or ""
    order = DecideApproval(request_id=sub.meta(RecordRef).id, decision="deny", reason=reason)
    decided = decide_approval(order, sub.actor, sub.deps)
    return Later(lambda post: announce_outcome(sub.services, sub.client, decided.request))


LISTENERS = {DENY_MODAL: on_deny_submitted}
