"""The App Home tab: a person's own requests and actions, what waits for them, what stopped."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock
from slack_sdk.models.views import View

from bot.blocks import MAX_VIEW_BLOCKS, context, esc, local_time, section, who
from bot.views.account_state import KIND_NAMES, day_text
from bot.views.reading import money, plural
from commands.home import HomeSummary
from commands.reading.account_state import PendingRequest, UnfinishedRun

HOME_CALLBACK = "home"


def home_view(summary: HomeSummary, zone: ZoneInfo) -> View:
    blocks: list[Block] = [HeaderBlock(text="Jet Hub")]
    blocks += _part("Your requests", [_request(r, zone, mine=True) for r in summary.mine])
    blocks += _part("Your actions", [_run(r, zone) for r in summary.my_runs])
    if summary.is_approver:
        blocks += _part(
            "Waiting for your approval", [_request(r, zone) for r in summary.waiting_for_me]
        )
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


def _part(title: str, lines: list[str]) -> list[Block]:
    body = "\n".join(lines) if lines else "_Nothing right now._"
    return [DividerBlock(), section(f"*{title}*\n{body}")]


def _kind(kind: str) -> str:
    return KIND_NAMES.get(kind, esc(kind.capitalize()))


def _request(request: PendingRequest, zone: ZoneInfo, *, mine: bool = False) -> str:
    asked = "" if mine else f" by {who(request.requested_by)}"
    where = f" in <#{request.channel}>" if request.channel else ""
    return (
        f"• {_kind(request.kind)} of account `{esc(request.account)}`{asked}, "
        f"{local_time(request.created_at, zone)}{where} — expires "
        f"{local_time(request.expires_at, zone)}"
    )


def _run(run: UnfinishedRun, zone: ZoneInfo) -> str:
    step = f" at {esc(run.step)}" if run.step else ""
    if run.state == "failed":
        why = f": {esc(run.error)}" if run.error else ""
        return f"• :x: {_kind(run.kind)} of account `{esc(run.account)}` stopped{step}{why}"
    return (
        f"• :gear: {_kind(run.kind)} of account `{esc(run.account)}` in progress{step} "
        f"(last step {local_time(run.updated_at, zone)})"
    )


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
