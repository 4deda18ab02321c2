"""The live part of the account card: overdue invoices and candidacy, requests waiting for a
decision, actions running or stopped, a digest snooze, and links out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.edge.blocks import context, esc, local_time, money, plural, section, who
from bot.reading.views.common import Audience
from bot.runs.retry import retry_button
from commands.reading import AccountOverview
from commands.reading.account_state import (
    AccountState,
    PaymentNote,
    PendingRequest,
    UnfinishedRun,
)
from commands.suspension.models import PromiseInfo

KIND_NAMES = {"deactivate": "Deactivation", "suspend": "Suspension"}


def day_text(day: date) -> str:
    return f"{day:%d %b %Y}"


def state_blocks(view: AccountOverview, audience: Audience) -> list[Block]:
    state = view.state
    blocks: list[Block] = []
    if state is not None:
        blocks += [section(_overdue(state))]
        for request in state.requests:
            blocks.append(section(request_line(request, audience.zone)))
        for run in state.runs:
            blocks.append(section(run_line(run, audience.zone)))
            if run.retry_role is not None and audience.holds(run.retry_role):
                retry = retry_button(run.id, style="primary")
                blocks.append(ActionsBlock(block_id="account.run_failed", elements=[retry]))
        if state.snooze is not None:
            s = state.snooze
            blocks.append(
                context(
                    f":zzz: Held out of the digest until {day_text(s.until)} by {who(s.by)}: "
                    f"{esc(s.reason)}"
                )
            )
        if state.promise is not None:
            blocks.append(context(promise_line(state.promise, state.as_of)))
        if state.taken_by is not None:
            blocks.append(
                context(f":telephone_receiver: {who(state.taken_by)} is chasing this account.")
            )
        if state.payment is not None:
            suspended = view.account.is_suspended
            blocks.append(context(payment_line(state.payment, audience.zone, suspended)))
    if view.invoices_problem:
        blocks.append(context(f":warning: {esc(view.invoices_problem)}"))
    links = _links(view, audience)
    if links:
        blocks.append(context(links))
    return blocks


def promise_line(promise: PromiseInfo, today: date) -> str:
    """A promise on the card: in force, kept, broken, or its day passed and not yet checked."""
    what = f"{money(promise.amount, promise.currency)} by {day_text(promise.due)}"
    by = f"recorded by {who(promise.by)}"
    paid = money(promise.paid or Decimal(0), promise.currency)
    if promise.state == "kept":
        return f":white_check_mark: Promise kept: {what} ({by}); {paid} paid."
    if promise.state == "broken":
        paid = f"{paid} paid since" if promise.paid else "nothing paid since"
        return f":warning: *Promise broken*: {what} ({by}); {paid}."
    if promise.due >= today:
        return (
            f":handshake: Promised {what} ({by}): “{esc(promise.note)}”. Not offered for "
            "suspension until the day after."
        )
    return f":hourglass: Promised {what} ({by}); checked against Zuora at the next digest."


def payment_line(note: PaymentNote, zone: ZoneInfo, suspended: bool = True) -> str:
    """The newest payment decision: "Suspension lifted after payment P-… on 7 Dec 2026"; one
    that left the account suspended, once it is not any more, says only what was paid."""
    numbers = ", ".join(f"`{esc(n)}`" for n in note.payments) or "a payment"
    on = day_text(note.at.astimezone(zone).date())
    if not suspended and note.decision in ("asked", "noted", "partial", "reported"):
        return f":moneybag: Paid by {numbers} on {on}; not suspended now."
    words = {
        "lifted": f":white_check_mark: Suspension lifted after payment {numbers} on {on}.",
        "lifting": f":hourglass: Suspension being lifted after payment {numbers} on {on}.",
        "asked": f":moneybag: Paid up by {numbers} on {on}; still suspended (an operator can "
        "lift it).",
        "noted": f":moneybag: Paid up by {numbers} on {on}; still suspended (the bot does not "
        "lift suspensions: `JETHUB_UNSUSPEND_ON_PAYMENT=off`).",
        "partial": f":warning: Part-paid by {numbers} on {on}; "
        f"{money(note.remaining, note.currency)} still overdue, so still suspended.",
        "reported": f":information_source: Paid by {numbers} on {on}; suspended with an override "
        "or outside the bot, so not lifted by the bot.",
    }
    return words.get(note.decision, f"Payment {numbers} on {on}.")


def _overdue(state: AccountState) -> str:
    if not state.invoices_known:
        return (
            "*Overdue invoices*\nUnknown: Zuora's invoices could not be read, so whether any is "
            "overdue (and whether the account is a suspension candidate) is not known."
        )
    if not state.overdue_count:
        return "*Overdue invoices*\nNone: every posted invoice is paid or not yet due."
    lines = [
        f"`{esc(i.number)}` {money(i.balance, state.currency)} · due {day_text(i.due_date)} · "
        f"{plural(i.days_overdue, 'day')} overdue"
        for i in state.overdue
    ]
    more = state.overdue_count - len(state.overdue)
    if more > 0:
        lines.append(f"and {more} more")
    head = (
        f"*Overdue invoices* ({plural(state.overdue_count, 'invoice')}, "
        f"{money(state.overdue_total, state.currency)})"
    )
    if state.candidate_since is not None:
        verdict = f":hourglass: A suspension candidate since {day_text(state.candidate_since)}."
    else:
        verdict = "Not a suspension candidate yet."
    return "\n".join([head, *lines, verdict])


def subject(kind: str, account: str | None = None) -> str:
    """ "Deactivation" on the account's own card; "Deactivation of account `1004`" elsewhere."""
    name = KIND_NAMES.get(kind, esc(kind.capitalize()))
    return f"{name} of account `{esc(account)}`" if account else name


def request_line(
    request: PendingRequest, zone: ZoneInfo, *, account: bool = False, asker: bool = True
) -> str:
    by = f" by {who(request.requested_by)}" if asker else ""
    where = f" in <#{request.channel}>" if request.channel else ""
    return (
        f":raised_hand: {subject(request.kind, request.account if account else None)} requested"
        f"{by} {local_time(request.created_at, zone)}, waiting for an approver{where} "
        f"(expires {local_time(request.expires_at, zone)})."
    )


def run_line(run: UnfinishedRun, zone: ZoneInfo, *, account: bool = False) -> str:
    what = subject(run.kind, run.account if account else None)
    step = f" at {esc(run.step)}" if run.step else ""
    when = local_time(run.updated_at, zone)
    if run.state == "failed":
        why = f": {esc(run.error)}" if run.error else ""
        return (
            f":x: {what} stopped{step}{why} ({when}). An approver can Retry it; nothing is "
            "undone meanwhile."
        )
    return f":gear: {what} in progress{step} (last step {when}); it will finish by itself."


def _links(view: AccountOverview, audience: Audience) -> str:
    found: list[str] = []
    portal = audience.links.portal_account(view.account.id)
    if portal:
        found.append(f"<{portal}|Open in the Jet Hub portal>")
    if view.zuora is not None and view.zuora.id:
        zuora = audience.links.zuora_account(view.zuora.id)
        if zuora:
            found.append(f"<{zuora}|Open in Zuora>")
    return " · ".join(found)


def busy(view: AccountOverview) -> bool:
    """Whether a request or an action is under way (its buttons would only be refused)."""
    return view.state is not None and bool(view.state.requests or view.state.runs)
