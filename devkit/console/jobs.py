"""`/clock`: what the clock process would do on its next ticks, done now.

The console's digest time is midnight (see `world.console_settings`), so today's digest is always
due; the ledger still lets it be posted once a day, exactly as for the real clock. The payment
check runs as `jethub collections check` does (no period claimed: `/clock` is "now").
"""

from __future__ import annotations

from bot.clock import clock_owner
from bot.digest.job import run_digest
from bot.jobs.sweeper import sweep
from bot.runtime.services import Services
from bot.suspension.backstop import summary
from commands.suspension.backstop import check_payments


def run_scheduled_jobs(services: Services) -> list[str]:
    """Post today's digest if not yet posted, then sweep; one line per job saying what it did."""
    client = services.slack
    lines: list[str] = []
    try:
        posted = run_digest(services, client, owner=clock_owner())
    except Exception as exc:  # the clock logs and retries; here the person sees it
        lines.append(f"clock: the digest failed ({type(exc).__name__}: {exc})")
    else:
        if posted is None:
            lines.append("clock: today's digest was already posted (once a day)")
        else:
            lines.append(
                f"clock: posted the digest for {posted.period}: {len(posted.digest.rows)} "
                f"account(s) in {len(posted.messages)} message(s)"
            )
    sweep(services, client)
    lines.append("clock: swept approvals (expired the overdue ones) and resumed stopped runs")
    try:
        lines.append(f"clock: payment check: {summary(check_payments(services.deps))}")
    except Exception as exc:  # the clock logs and tries next period; here the person sees it
        lines.append(f"clock: the payment check failed ({type(exc).__name__}: {exc})")
    services.executor.wait_idle(timeout=30)
    return lines
