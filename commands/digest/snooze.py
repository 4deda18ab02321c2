"""Snoozing an account: hold it out of the overdue digest through a date, with who and why.

A snooze ends by itself: snoozed until D, the account is left out of the digests of every day up
to and including D and comes back on D + 1. Snoozing again replaces the earlier snooze; both
are in the audit event.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, field_validator

from audit import snooze as hold
from commands.accounts import live_account
from commands.actor import Actor, Role
from commands.digest.models import SnoozeInfo, active
from commands.errors import InvalidInput
from commands.reasons import few_words
from commands.trail import audited, authorize

if TYPE_CHECKING:
    from commands.deps import Deps

MAX_DAYS = 365
MAX_REASON = 500
PRESET_DAYS = (3, 7, 14)
UNTIL_A_DATE = "date"  # the preset that takes the day from the date picker
PRESET_FIELD = "for"  # the modal's block of presets: a wrong preset's error lands on it


class SnoozeAccount(BaseModel):
    """Leave ``account`` out of the digest through ``until`` because ``reason``."""

    model_config = ConfigDict(frozen=True)

    account: str
    until: date
    reason: str

    @field_validator("account")
    @classmethod
    def _number(cls, value: str) -> str:
        value = value.strip()
        if not (value.isascii() and value.isdigit()):
            raise ValueError("An account to snooze is named by its Jet Hub number.")
        return value

    @field_validator("reason")
    @classmethod
    def _why(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Say why the account is snoozed (the team will read it).")
        return few_words(
            value,
            asking="Say why in a few words, e.g. “payment plan agreed until the 30th” — the team "
            "reads it in the digest.",
            max_length=MAX_REASON,
        )


class SnoozeForm(BaseModel):
    """What the snooze modal shows: the account and any snooze already in force."""

    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    today: date
    current: SnoozeInfo | None
    default_days: int = 7  # JETHUB_SNOOZE_DAYS

    @property
    def presets(self) -> list[int]:
        """The lengths offered, in days: 3 days, 1 week, 2 weeks, and the default if other."""
        return sorted({*PRESET_DAYS, self.default_days})


class Snoozed(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    until: date
    reason: str
    by: str
    before: SnoozeInfo | None

    @property
    def back_on(self) -> date:
        """The first digest that lists the account again (if it is still overdue)."""
        return self.until + timedelta(days=1)


def check_until(until: date | None, today: date) -> date:
    """The snooze end date, or ``InvalidInput("until")`` saying what is wrong with it."""
    if until is None:
        raise InvalidInput("until", "Pick the last day the account stays out of the digest.")
    if until < today:
        raise InvalidInput("until", "That day has passed: pick today or a later day.")
    if until > today + timedelta(days=MAX_DAYS):
        raise InvalidInput("until", f"A snooze can last at most {MAX_DAYS} days.")
    return until


def preset_label(days: int) -> str:
    """``3`` → "3 days", ``7`` → "1 week", ``14`` → "2 weeks"."""
    if days % 7 == 0:
        weeks = days // 7
        return "1 week" if weeks == 1 else f"{weeks} weeks"
    return "1 day" if days == 1 else f"{days} days"


def snooze_until(preset: str | None, picked: date | None, today: date) -> date:
    """The last day of the snooze: ``preset`` days from today (``"7"``), or with
    :data:`UNTIL_A_DATE` the day picked. ``InvalidInput("until")`` when it makes no sense."""
    if preset in (None, "", UNTIL_A_DATE):
        return check_until(picked, today)
    # Slack sends back the options it was given; anything else is refused on the field, never
    # read as a number in another script ("٣٠") or one past the calendar ("99999999999").
    if not (preset.isascii() and preset.isdigit()) or not 1 <= int(preset) <= MAX_DAYS:
        raise InvalidInput(PRESET_FIELD, "Pick one of the lengths offered, or a date.")
    return check_until(today + timedelta(days=int(preset)), today)


def load_snooze_form(account: str, actor: Actor, deps: Deps) -> SnoozeForm:
    authorize(deps, actor, Role.OPERATOR, action="snooze", to="snooze an account", account=account)
    found = live_account(deps, account)
    today = deps.today()
    with deps.ledger.read_session() as session:
        held = active(session, account, today)
    return SnoozeForm(
        account=found.id,
        name=found.name,
        today=today,
        current=held,
        default_days=deps.policy.snooze_days,
    )


def snooze_account(cmd: SnoozeAccount, actor: Actor, deps: Deps) -> Snoozed:
    """Write the snooze and its audit event (before and after) in one ledger transaction."""
    with audited(deps, actor, "snooze", cmd.account) as trail:
        trail.require(Role.OPERATOR, to="snooze an account")
        today = deps.today()
        check_until(cmd.until, today)
        found = live_account(deps, cmd.account)
        with deps.ledger.session() as session:
            before = active(session, found.id, today)
            hold(
                session=session,
                account=found.id,
                until=cmd.until,
                by=actor.user_id,
                reason=cmd.reason,
                now=deps.now(),
            )
            trail.ok(
                session=session,
                before=before.model_dump(mode="json") if before else None,
                after={"until": cmd.until.isoformat(), "reason": cmd.reason},
            )
    return Snoozed(
        account=found.id,
        name=found.name,
        until=cmd.until,
        reason=cmd.reason,
        by=actor.user_id,
        before=before,
    )
