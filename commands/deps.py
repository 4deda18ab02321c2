"""What a command needs from the outside world, handed in by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from audit import Ledger
    from integrations.platform import PlatformClient
    from integrations.sbc import SbcClient
    from integrations.zuora import ZuoraClient


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Policy:
    overdue_days: int = 7
    overdue_min_balance: float = 0.01
    approval_ttl: timedelta = timedelta(hours=24)
    suspend_requires_approval: bool = False
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Australia/Sydney"))


@dataclass(frozen=True)
class Deps:
    zuora: ZuoraClient
    platform: PlatformClient
    sbc: SbcClient
    ledger: Ledger
    policy: Policy = field(default_factory=Policy)
    now: Callable[[], datetime] = utc_now

    def today(self) -> date:
        """Today in the team's time zone (invoices fall due by the local calendar)."""
        return self.now().astimezone(self.policy.timezone).date()
