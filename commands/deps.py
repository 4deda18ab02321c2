"""What a command needs from the outside world, handed in by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from integrations.clock import BusinessClock

if TYPE_CHECKING:
    from audit import Ledger
    from commands.actor import Role
    from commands.kinds import ActionKinds
    from integrations.platform import PlatformClient
    from integrations.sbc import SbcClient
    from integrations.zuora import ZuoraClient


# Does this user still hold this role *now*? Asked at the moment of effect (a run starting or
# resuming). The composition root plugs in the role directory; the default trusts the decision.
Authority = Callable[[str, "Role"], bool]


# Pauses before each ledger write attempt after a backend effect (``commands.runs.records``):
# about 12 s in all, longer than a failover or a connection storm, shorter than a lease.
LEDGER_BACKOFF: tuple[float, ...] = (0.0, 0.2, 0.5, 1.0, 2.0, 3.0, 5.0)


def _trusted(_user: str, _role: Role) -> bool:
    return True


def threshold_days(overdue_days: int) -> int:
    """Days past due that make an invoice overdue for suspension (never less than one): the one
    rule the digest, suspension and the account card share."""
    return max(overdue_days, 1)


@dataclass(frozen=True)
class Policy:
    overdue_days: int = 7
    overdue_min_balance: float = 0.01
    approval_ttl: timedelta = timedelta(hours=24)
    suspend_requires_approval: bool = False
    role_contact: str | None = None  # who grants roles, named in every refusal
    snooze_days: int = 7
    promise_max_days: int = 30  # a promise to pay is for today up to this many days ahead
    # JETHUB_APPROVALS_CHANNEL is set: four-eyes requests have somewhere to be shown.
    has_approvals_channel: bool = True
    # What a payment that clears a non-payment suspension does: lift it, offer to, or only note it.
    unsuspend_on_payment: str = "ask"

    @property
    def threshold_days(self) -> int:
        return threshold_days(self.overdue_days)


@dataclass(frozen=True)
class Deps:
    zuora: ZuoraClient
    platform: PlatformClient
    sbc: SbcClient
    ledger: Ledger
    # The catalogue of action kinds (``commands.catalogue``), built by whoever composes the world:
    # the kernel names no feature, so it has no default.
    actions: ActionKinds
    policy: Policy = field(default_factory=Policy)
    clock: BusinessClock = field(default_factory=BusinessClock)
    authority: Authority = _trusted
    # ``LEDGER_BACKOFF`` unless the composition root scales it (``JETHUB_LEDGER_BACKOFF_SCALE``).
    ledger_backoff: tuple[float, ...] = LEDGER_BACKOFF

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """The business date: invoices fall due by the team's calendar, not the machine's."""
        return self.clock.today()

    @property
    def zone(self) -> ZoneInfo:
        return self.clock.zone

    def with_now(self, now: Callable[[], datetime]) -> Deps:
        """The same world seen through another "now" (a test's, or a sweeper looking ahead)."""
        return replace(self, clock=replace(self.clock, now=now))
