"""The clock's payment check: ``commands.suspension.backstop`` every
``JETHUB_PAYMENT_CHECK_MINUTES`` (default 15), once per period however many clocks run — the
period (``2026-12-07T10:15``, UTC) is claimed in ``job_run`` before checking, as the digest
claims its day. A clock that dies mid-check leaves that period short; the next period checks
again (a decision is made once whichever check or callout reaches it). ``jethub collections
check`` (``check_text``) runs the same check once and prints what it found and did."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.triggers.interval import IntervalTrigger

from bot.jobs.schedule import Job, once_per_period
from commands.suspension.backstop import CheckReport, check_payments

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.runtime.services import Services
    from bot.runtime.settings import Settings

log = logging.getLogger(__name__)

CHECK_JOB = "payment-check"


def period_of(now: datetime, minutes: int) -> str:
    """The check period ``now`` falls in: UTC, floored to ``minutes`` since midnight."""
    utc = now.astimezone(UTC)
    start = (utc.hour * 60 + utc.minute) // minutes * minutes
    return f"{utc:%Y-%m-%d}T{start // 60:02d}:{start % 60:02d}"


def run_check(services: Services, client: WebClient, *, owner: str) -> CheckReport | None:
    """This period's check, if no clock has claimed it; what it found and did."""
    deps = services.deps
    period = period_of(deps.now(), services.settings.jethub_payment_check_minutes)
    report = once_per_period(
        deps, job=CHECK_JOB, period=period, owner=owner, work=lambda: check_payments(deps)
    )
    if report is None:
        return None
    log.info("payment check %s: %s", period, summary(report))
    return report


def summary(report: CheckReport) -> str:
    decided = ", ".join(f"{d.account} {d.decision}" for d in report.decided) or "none"
    return (
        f"{report.suspended} suspended for non-payment by the bot, {report.still_owing} still "
        f"owing, {report.already_decided} paid and decided before; decided now: {decided}; "
        f"failed: {len(report.failed)}"
    )


def check_text(report: CheckReport) -> list[str]:
    """What ``jethub collections check`` prints."""
    lines = [
        f"Accounts the bot suspended for non-payment: {report.suspended}",
        f"  still overdue (stay suspended): {report.still_owing}",
        f"  paid up, decided before: {report.already_decided}",
        f"  paid up, decided now: {len(report.decided)}",
    ]
    for d in report.decided:
        numbers = ", ".join(p.number for p in d.payments) or "no payment named"
        did = {
            "lifted": "suspension lifted" if d.lifted else f"lift stopped: {d.problem}",
            "asked": "asked the team to lift it (digest channel)",
            "noted": "noted on the card (JETHUB_UNSUSPEND_ON_PAYMENT=off)",
        }.get(d.decision, d.decision)
        lines.append(f"    {d.account} ({d.name}): paid {d.paid:,.2f} ({numbers}) → {did}")
    for n in report.nothing:
        lines.append(f"    {n.account}: nothing to do ({n.why})")
    for f in report.failed:
        lines.append(f"    {f.account}: could not check ({f.error}); the next check tries again")
    return lines


def _every(settings: Settings) -> IntervalTrigger:
    minutes = settings.jethub_payment_check_minutes
    return IntervalTrigger(minutes=minutes, timezone=settings.zone)


JOB = Job(
    id=CHECK_JOB,
    name="payment check (lift suspensions the bot made, once paid)",
    run=run_check,
    trigger=_every,
    failed="the payment check failed; the next period checks again",
    at_start=True,
)
