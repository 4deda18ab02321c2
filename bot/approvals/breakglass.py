"""Break glass in Slack, for every kind that allows it: the admin's button on a pending request
opens a modal asking the reason; its submission carries the request out at once (as an
approval would) and posts a review item to the approvals channel, which an approver other than
the admin acknowledges (Agree / Flag for follow-up). The clock reminds, once a day across
clocks, of every item still unreviewed (``JOB``)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk.errors import SlackApiError

from bot.approvals.actions import approved
from bot.approvals.views import (
    BREAK_GLASS,
    BREAK_GLASS_MODAL,
    DENY_REASON_BLOCK,
    REVIEW_AGREE,
    REVIEW_FLAG,
    break_glass_modal,
    review_message,
    review_reminder,
)
from bot.edge.codecs import RecordRef
from bot.edge.turns import Click, Later, Submission
from bot.jobs.schedule import Job, once_per_period
from commands.approvals.breakglass import (
    BreakGlass,
    ReviewBreakGlass,
    ReviewView,
    break_glass,
    load_review,
    review_break_glass,
    set_review_message,
    unreviewed,
    vet_break_glass,
)
from commands.approvals.model import TYPED_FIELD, ApprovalView

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.runtime.services import Services
    from bot.runtime.settings import Settings

log = logging.getLogger(__name__)

REMIND_JOB = "break-glass-review-reminder"


def on_break_glass(click: Click) -> None:
    order = BreakGlass(request_id=click.value(RecordRef).id, reason="")
    request = vet_break_glass(order, click.actor, click.deps)
    kind = click.deps.actions.approval(request.kind)
    label = click.services.looks(request.kind).label
    view = break_glass_modal(request, label=label, typed=kind.confirm_by_typing)
    click.client.views_open(trigger_id=click.trigger_id, view=view)


def on_break_glass_submitted(sub: Submission) -> Later:
    state = sub.submitted.view.state
    order = BreakGlass(
        request_id=sub.meta(RecordRef).id,
        reason=state.text(DENY_REASON_BLOCK) or "",
        typed_account=state.text(TYPED_FIELD),
    )
    request = break_glass(order, sub.actor, sub.deps)

    def after(_post: object) -> None:
        post_review(sub.services, sub.client, request)
        approved(sub.services, sub.client, request)

    return Later(after)


def post_review(services: Services, client: WebClient, request: ApprovalView) -> None:
    """The review item, in the approvals channel; a post that fails is logged (the item is
    recorded, shown on App Home and reminded daily all the same)."""
    review = load_review(services.deps, request.id)
    channel = services.settings.jethub_approvals_channel
    if review is None or not channel:
        return
    label = services.looks(review.kind).label
    try:
        answer = client.chat_postMessage(
            channel=channel, **review_message(review, label=label, zone=services.settings.zone)
        )
    except SlackApiError as exc:
        log.warning("could not post the review of %s: %s", request.id, exc.response.get("error"))
        return
    set_review_message(services.deps, review.request_id, channel=answer["channel"], ts=answer["ts"])


def on_review_agree(click: Click) -> None:
    _review(click, "agree")


def on_review_flag(click: Click) -> None:
    _review(click, "flag")


def _review(click: Click, verdict: Literal["agree", "flag"]) -> None:
    order = ReviewBreakGlass(request_id=click.value(RecordRef).id, verdict=verdict)
    review = review_break_glass(order, click.actor, click.deps)
    _redraw(click.services, click.client, review)


def _redraw(services: Services, client: WebClient, review: ReviewView) -> None:
    if not (review.channel and review.message_ts):
        return
    label = services.looks(review.kind).label
    try:
        client.chat_update(
            channel=review.channel,
            ts=review.message_ts,
            **review_message(review, label=label, zone=services.settings.zone),
        )
    except SlackApiError as exc:
        log.warning("could not update a review: %s", exc.response.get("error"))


def remind_reviews(services: Services, client: WebClient, *, owner: str) -> list[ReviewView]:
    """Once a (business) day across clocks: a reminder in the thread of every review item still
    waiting; the items reminded (None claimed: another clock has today's)."""

    def work() -> list[ReviewView]:
        reminded = []
        for review in unreviewed(services.deps):
            if not (review.channel and review.message_ts):
                continue
            label = services.looks(review.kind).label
            try:
                client.chat_postMessage(
                    channel=review.channel,
                    thread_ts=review.message_ts,
                    **review_reminder(review, label=label),
                )
            except SlackApiError as exc:
                log.warning("could not remind of a review: %s", exc.response.get("error"))
                continue
            reminded.append(review)
        return reminded

    deps = services.deps
    done = once_per_period(
        deps, job=REMIND_JOB, period=deps.today().isoformat(), owner=owner, work=work
    )
    return done or []


def _hourly(settings: Settings) -> IntervalTrigger:
    return IntervalTrigger(seconds=int(timedelta(hours=1).total_seconds()), timezone=settings.zone)


def _no_channel(settings: Settings) -> str | None:
    if settings.jethub_approvals_channel:
        return None
    return "JETHUB_APPROVALS_CHANNEL is not set; there are no break-glass reviews to remind of"


# Tried every hour; the day's job_run claim makes it one reminder a day, whichever clock.
JOB = Job(
    id=REMIND_JOB,
    name="remind approvers of break-glass uses not yet reviewed, once a day",
    run=remind_reviews,
    trigger=_hourly,
    failed="reminding of break-glass reviews failed; tomorrow's reminder repeats it",
    unless=_no_channel,
)

LISTENERS = {
    BREAK_GLASS: on_break_glass,
    REVIEW_AGREE: on_review_agree,
    REVIEW_FLAG: on_review_flag,
}
SUBMISSIONS = {BREAK_GLASS_MODAL: on_break_glass_submitted}
