"""The deactivation request modal, submitted: checked inside the ack (the typed account number,
the reason, an approvals channel to show it in — every problem on its field), then stored as a
four-eyes request (holding the account's lock) and posted to the approvals channel."""

from __future__ import annotations

from bot.approvals.requests import post_request
from bot.deactivation.views import CHILDREN_BLOCK, CONFIRM_BLOCK, REASON_BLOCK, REQUEST_MODAL
from bot.edge.codecs import AccountRef
from bot.edge.turns import Later, Submission
from commands.deactivation.radius import ChildrenPlan
from commands.deactivation.request import RequestDeactivation, check_request, request_deactivation

# What the modal's choice may say; anything else (a tampered payload) says nothing, and is refused.
CHILDREN_PLANS: dict[str, ChildrenPlan] = {"detach": "detach", "keep": "keep"}


def on_request_submitted(sub: Submission) -> Later:
    state = sub.submitted.view.state
    order = RequestDeactivation(
        account=sub.meta(AccountRef).account,
        reason=state.text(REASON_BLOCK) or "",
        typed_account=state.text(CONFIRM_BLOCK) or "",
        children=CHILDREN_PLANS.get(state.text(CHILDREN_BLOCK) or ""),
    )
    check_request(order, sub.actor, sub.deps)
    return Later(lambda post: _request(sub, order))


def _request(sub: Submission, order: RequestDeactivation) -> None:
    requested = request_deactivation(order, sub.actor, sub.deps)
    post_request(sub.services, sub.client, requested.request)


LISTENERS = {REQUEST_MODAL: on_request_submitted}
