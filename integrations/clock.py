"""The product's one notion of time: "now" is an aware UTC instant, "today" is the business date.

Invoices fall due, snoozes end and digests are posted by the team's calendar
(``JETHUB_TIMEZONE``, Sydney by default), not the machine's: between 13:00 and 24:00 UTC the
UTC date is a day behind Sydney's. Everything that needs a date — the bot's commands, the clock,
the sandbox that plays Zuora and the platform — asks a ``BusinessClock`` for it, so they agree at
every hour and on every machine, whatever its ``TZ``::

    clock = BusinessClock(ZoneInfo("Australia/Sydney"))
    clock.today()                       # the date in Sydney now
    clock.days_ago(8)                   # eight business days before today
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Australia/Sydney"


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_time(at: datetime | None, zone: ZoneInfo) -> str:
    """A moment as the team reads it ("26 Nov 2026 10:42 AEDT"), or "never"."""
    if at is None:
        return "never"
    return at.astimezone(zone).strftime("%d %b %Y %H:%M %Z")


def business_date(at: datetime, zone: ZoneInfo) -> date:
    """The calendar date in ``zone`` at the aware instant ``at``."""
    if at.tzinfo is None:
        raise ValueError("business_date needs an aware datetime")
    return at.astimezone(zone).date()


@dataclass(frozen=True)
class BusinessClock:
    """Where "now" and "today" come from; pass ``now`` to drive it from a test."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_ZONE))
    now: Callable[[], datetime] = utc_now

    def today(self) -> date:
        return business_date(self.now(), self.zone)

    def days_ago(self, days: int) -> date:
        return self.today() - timedelta(days=days)
