"""The daily report: at ``JETHUB_RECONCILE_AT`` (``JETHUB_TIMEZONE``) the clock runs the report
once across clocks (claimed in ``job_run`` for the day) and posts it to the digest channel —
only when something changed since the last report: a summary, then a thread reply a finding
with its fix buttons. Each report is an audit event ``reconcile.report`` carrying its
fingerprint (``commands.reconcile.fingerprint``), which is how the next one knows what changed.
A report that could not finish is posted as such, naming the backend, and leaves the last
fingerprint as it was."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from apscheduler.triggers.cron import CronTrigger
from slack_sdk import WebClient

from audit.events import newest
from bot.edge.blocks import message, plural, section
from bot.jobs.schedule import CLOCK_ACTOR, Job, once_per_period
from bot.reconcile.text import summary_line
from bot.reconcile.views import finding_blocks, report_message
from bot.runtime.services import Services
from bot.runtime.settings import Settings
from commands.reconcile import Finding, Reconciliation, ReportEnd, fingerprint
from commands.trail import record

log = logging.getLogger(__name__)

RECONCILE_JOB = "reconcile"
REPORT_ACTION = "reconcile.report"
MAX_THREADED = 100  # thread replies a report; the rest are counted in the summary's thread
_LOOK_BACK = timedelta(days=60)  # the last report is at most this old, else it is "new"


@dataclass(frozen=True)
class DailyReport:
    period: str
    end: ReportEnd
    findings: list[Finding]
    posted: bool
    ts: str | None = None


def last_fingerprint(services: Services) -> str | None:
    deps = services.deps
    with deps.ledger.read_session() as session:
        event = newest(session=session, actions=[REPORT_ACTION], since=deps.now() - _LOOK_BACK)
        return None if event is None else (event.details or {}).get("fingerprint")


def post_report(client: WebClient, channel: str, findings: list[Finding], end: ReportEnd) -> str:
    """The summary, and a thread reply a finding (at most ``MAX_THREADED``); the summary's ts."""
    shown = report_message([], end)
    if findings:
        text = (
            f":mag: Reconciliation: {plural(len(findings), 'finding')} — "
            f"{summary_line(end)}. One a thread reply, each with its fix."
        )
        shown = message(text, [section(text)])
    ts = str(client.chat_postMessage(channel=channel, **shown)["ts"])
    for finding in findings[:MAX_THREADED]:
        reply = message(f"{finding.account}: {finding.check}", finding_blocks(finding))
        client.chat_postMessage(channel=channel, thread_ts=ts, **reply)
    if len(findings) > MAX_THREADED:
        rest = f"…and {plural(len(findings) - MAX_THREADED, 'more finding')}: `jethub reconcile`"
        client.chat_postMessage(channel=channel, thread_ts=ts, **message(rest, [section(rest)]))
    return ts


def _report(services: Services, client: WebClient, period: str) -> DailyReport:
    deps, settings = services.deps, services.settings
    channel = settings.jethub_digest_channel
    assert channel, "the job is not scheduled without a digest channel"
    run = Reconciliation(deps, grace_days=settings.jethub_reconcile_grace_days)
    findings = list(run.findings())
    end = run.end
    assert end is not None
    details: dict[str, object] = {"period": period, "checked": end.checked,
                                  "findings": len(findings)}  # fmt: skip
    if not end.complete:
        ts = post_report(client, channel, [], end)
        details |= {"failed_backend": end.failed_backend, "error": end.error, "ts": ts}
        record(deps, actor=CLOCK_ACTOR, action=REPORT_ACTION, account=None, outcome="failed",
               details=details)  # fmt: skip
        return DailyReport(period, end, findings, posted=True, ts=ts)
    printed = fingerprint(findings)
    last = last_fingerprint(services)
    changed = printed != last and not (last is None and not findings)
    posted = post_report(client, channel, findings, end) if changed else None
    details |= {"fingerprint": printed, "posted": changed, "ts": posted}
    record(deps, actor=CLOCK_ACTOR, action=REPORT_ACTION, account=None, outcome="ok",
           details=details)  # fmt: skip
    return DailyReport(period, end, findings, posted=changed, ts=posted)


def run_daily_reconcile(services: Services, client: WebClient, *, owner: str) -> DailyReport | None:
    """Today's report, unless some clock already has it; None when another clock did."""
    period = services.deps.today().isoformat()
    done = once_per_period(
        services.deps,
        job=RECONCILE_JOB,
        period=period,
        owner=owner,
        work=lambda: _report(services, client, period),
    )
    if done is not None:
        log.info("reconciliation for %s: %d finding(s), posted=%s", period, len(done.findings),
                 done.posted)  # fmt: skip
    return done


def reconcile_trigger(settings: Settings) -> CronTrigger:
    at = settings.jethub_reconcile_at
    assert at is not None
    return CronTrigger(hour=at.hour, minute=at.minute, second=at.second, timezone=settings.zone)


def _not_set(settings: Settings) -> str | None:
    if settings.jethub_reconcile_at is None:
        return "JETHUB_RECONCILE_AT is not set; the daily reconciliation is not scheduled"
    if not settings.jethub_digest_channel:
        return "JETHUB_DIGEST_CHANNEL is not set; the daily reconciliation is not scheduled"
    return None


JOB = Job(
    id="reconcile",
    name="daily reconciliation",
    run=run_daily_reconcile,
    trigger=reconcile_trigger,
    failed="the daily reconciliation failed; it runs again tomorrow",
    unless=_not_set,
)
