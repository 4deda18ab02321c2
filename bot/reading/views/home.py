"""The App Home tab: a person's own requests and actions, what waits for them, what stopped."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock
from slack_sdk.models.views import View

from bot.edge.blocks import MAX_VIEW_BLOCKS, context, esc, money, plural, section
from bot.reading.views.account_state import day_text, request_line, run_line
from commands.approvals.breakglass import ReviewView
from commands.approvals.model import permalink
from commands.reading.account_state import PendingRequest, UnfinishedRun
from commands.reading.home import HomeSummary

HOME_CALLBACK = "home"


def home_view(summary: HomeSummary, zone: ZoneInfo) -> View:
    blocks: list[Block] = [HeaderBlock(text="Jet Hub")]
    blocks += _part("Your requests", [_request(r, zone, asker=False) for r in summary.mine])
    blocks += _part("Your actions", [_run(r, zone) for r in summary.my_runs])
    if summary.is_approver:
        blocks += _part(
            "Waiting for your approval", [_request(r, zone) for r in summary.waiting_for_me]
        )
        if summary.reviews:
            blocks += _part("Break-glass uses to review", [_review(r) for r in summary.reviews])
    if summary.is_operator:
        blocks += _part("Stopped, needing Retry", [_run(r, zone) for r in summary.stopped])
        blocks += [DividerBlock(), section(_digest(summary))]
    blocks.append(context("`/jethub help` lists what you can do."))
    return View(type="home", callback_id=HOME_CALLBACK, blocks=blocks[:MAX_VIEW_BLOCKS])


def home_problem_view(text: str) -> View:
    """The tab when it could not be drawn: what went wrong (already made safe by the boundary)."""
    return View(
        type="home", callback_id=HOME_CALLBACK, blocks=[HeaderBlock(text="Jet Hub"), section(text)]
    )


def _request(request: PendingRequest, zone: ZoneInfo, *, asker: bool = True) -> str:
    return "• " + request_line(request, zone, account=True, asker=asker)


def _review(review: ReviewView) -> str:
    where = (
        f" (<{permalink(review.channel, review.message_ts)}|review it>)"
        if review.channel and review.message_ts
        else ""
    )
    return (
        f"• `{esc(review.account)}` {esc(review.kind)} by <@{review.used_by}> with break glass: "
        f"{esc(review.reason)}{where}"
    )


def _run(run: UnfinishedRun, zone: ZoneInfo) -> str:
    return "• " + run_line(run, zone, account=True)


def _part(title: str, lines: list[str]) -> list[Block]:
    body = "\n".join(lines) if lines else "_Nothing right now._"
    return [DividerBlock(), section(f"*{title}*\n{body}")]


def _digest(summary: HomeSummary) -> str:
    digest = summary.digest
    if digest is None:
        return "*Today's digest*\nNot posted yet today."
    where = f" in <#{digest.channel}>" if digest.channel else ""
    return (
        f"*Today's digest* ({day_text(digest.day)}){where}\n"
        f"{plural(digest.accounts, 'account')} overdue for suspension, "
        f"{money(digest.total_overdue, None)} in all; "
        f"{digest.suspended} already suspended, {digest.snoozed} snoozed."
    )
