"""What reconciliation deals in: the checks, their fixes, a finding and how a report ended."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from integrations.errors import BACKEND_NAMES

# -- the checks ---------------------------------------------------------------------------------
SUSPENDED_OUTSIDE = "suspended-outside-bot"
LIFTED_OUTSIDE = "lifted-outside-bot"
BILLED_AFTER_DEACTIVATION = "billed-after-deactivation"
ALLOWANCES = "allowances"
EMERGENCY_ADDRESS = "emergency-address"
PAID_STILL_SUSPENDED = "paid-still-suspended"
OVERDUE_UNATTENDED = "overdue-unattended"
STUCK_ACTION = "stuck-action"
FAILED_ACTION = "failed-action"

CHECKS: tuple[str, ...] = (
    SUSPENDED_OUTSIDE,
    LIFTED_OUTSIDE,
    BILLED_AFTER_DEACTIVATION,
    ALLOWANCES,
    EMERGENCY_ADDRESS,
    PAID_STILL_SUSPENDED,
    OVERDUE_UNATTENDED,
    STUCK_ACTION,
    FAILED_ACTION,
)

# -- the fixes ----------------------------------------------------------------------------------
ADOPT = "adopt"  # record in the ledger what the platform shows (who/why from the platform)
LIFT = "lift"  # lift the suspension (the existing unsuspend run)
REFRESH_ALLOWANCES = "refresh-allowances"  # the existing billing.refresh run
SAVE_EMERGENCY = "save-emergency"  # the existing emergency.save run, the address from Sold To
TELL_BILLING = "tell-billing"  # drift the bot must not fix: the billing team is told
RETRY = "retry"  # the existing retry of a failed run
ABANDON = "abandon"  # give up a stuck or failed run, recorded

FIXES: tuple[str, ...] = (
    ADOPT,
    LIFT,
    REFRESH_ALLOWANCES,
    SAVE_EMERGENCY,
    TELL_BILLING,
    RETRY,
    ABANDON,
)

Backend = Literal["platform", "zuora", "ledger"]


class Finding(BaseModel):
    """One disagreement: what each side says (``None``: that side has nothing to say), since
    when by the ledger's record, and the fixes offered (the first is *the* fix)."""

    model_config = ConfigDict(frozen=True)

    account: str
    check: str
    platform: str | None = None
    zuora: str | None = None
    ledger: str | None = None
    since: datetime | None = None
    fixes: tuple[str, ...] = ()
    run_id: str | None = None  # the run an action finding is about

    @property
    def fix(self) -> str | None:
        return self.fixes[0] if self.fixes else None

    @property
    def key(self) -> str:
        """What the finding is about, stable across reports: ``1005:suspended-outside-bot``."""
        return f"{self.account}:{self.check}" + (f":{self.run_id}" if self.run_id else "")

    def as_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "check": self.check,
            "platform": self.platform,
            "zuora": self.zuora,
            "ledger": self.ledger,
            "since": self.since.isoformat() if self.since else None,
            "fix": self.fix,
        }


def fingerprint(findings: Iterable[Finding]) -> str:
    """The findings' identity and what each side said: equal reports, equal fingerprints."""
    lines = sorted(
        json.dumps([f.key, f.platform, f.zuora, f.ledger], sort_keys=True) for f in findings
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


class ReportEnd(BaseModel):
    """How a report ended: ``checked`` accounts compared on every side; when a backend failed,
    which one and what it said — the accounts after the last whole page were not checked."""

    model_config = ConfigDict(frozen=True)

    checked: int
    findings: int
    failed_backend: Backend | None = None
    error: str | None = None

    @property
    def complete(self) -> bool:
        return self.failed_backend is None

    @property
    def backend_name(self) -> str | None:
        if self.failed_backend is None:
            return None
        return "ledger" if self.failed_backend == "ledger" else BACKEND_NAMES[self.failed_backend]


class BackendFailed(Exception):
    """A backend failed mid-report: the report stops there rather than guess."""

    def __init__(self, backend: Backend, error: str) -> None:
        self.backend: Backend = backend
        self.error = error
        super().__init__(f"{backend}: {error}")
