"""Every scheduled job, listed once; each is declared by the module that owns it."""

from __future__ import annotations

from bot.digest import job as digest
from bot.jobs import anchoring, streaming, sweeper
from bot.jobs.schedule import Job
from bot.reconcile import job as reconcile
from bot.suspension import backstop as payment_check


def scheduled_jobs() -> list[Job]:
    return [
        *digest.JOBS,
        anchoring.JOB,
        streaming.JOB,
        sweeper.JOB,
        payment_check.JOB,
        reconcile.JOB,
    ]
