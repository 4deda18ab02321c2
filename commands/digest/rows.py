"""What became of a digest row: suspended, snoozed or promised to pay since the digest listed it,
by whom, when.

Read from the ledger (the audit events of the suspension and the snooze), so every process and
every person sees the same answer: the posted digest's rows are redrawn from it, and a button on
a row that was acted on answers with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from audit.events import newest
from commands.deps import Deps
from commands.suspension.models import OVERRIDE, PROMISE, SUSPEND, UNSUSPEND

SNOOZE = "snooze"
DIGEST_POST = "digest.post"
ROW_ACTIONS = (SUSPEND, OVERRIDE, SNOOZE, PROMISE)


@dataclass(frozen=True)
class RowAction:
    done: Literal["suspended", "snoozed", "promised"]
    by: str
    at: datetime
    until: date | None = None  # a snooze's last day, a promise's day
    amount: Decimal | None = None  # what was promised


@dataclass(frozen=True)
class PostedDigest:
    """The newest digest the clock posted: where, its first message, and when."""

    channel: str
    ts: str
    at: datetime


def acted_on(deps: Deps, account: str, since: datetime) -> RowAction | None:
    """The newest suspension or snooze of ``account`` recorded at or after ``since``."""
    with deps.ledger.read_session() as session:
        event = newest(session=session, actions=ROW_ACTIONS, account=account, since=since)
        if event is None:
            return None
        after = (event.details or {}).get("after") or {}
        if event.action == SNOOZE:
            until = after.get("until")
            return RowAction(
                "snoozed", event.actor, event.at, date.fromisoformat(until) if until else None
            )
        if event.action == PROMISE:
            due, amount = after.get("due"), after.get("amount")
            return RowAction(
                "promised",
                event.actor,
                event.at,
                date.fromisoformat(due) if due else None,
                Decimal(str(amount)) if amount is not None else None,
            )
        return RowAction("suspended", event.actor, event.at)


@dataclass(frozen=True)
class Lifted:
    """A suspension lifted because the account was paid up: the payments, and when."""

    payments: list[str]
    at: datetime


def lifted_after_payment(event_details: dict[str, object]) -> list[str] | None:
    """The payment numbers an unsuspend event names as its reason, if it was lifted on payment."""
    named = event_details.get("payments")
    if not isinstance(named, list) or not named:
        return None
    return [str(p.get("number")) for p in named if isinstance(p, dict) and p.get("number")]


def lift_of(deps: Deps, account: str, since: datetime) -> Lifted | None:
    """The newest lifting of ``account``'s suspension after payment, at or after ``since``."""
    with deps.ledger.read_session() as session:
        event = newest(session=session, actions=(UNSUSPEND,), account=account, since=since)
        numbers = None if event is None else lifted_after_payment(event.details or {})
        return None if event is None or numbers is None else Lifted(numbers, event.at)


def posted_digest(deps: Deps) -> PostedDigest | None:
    with deps.ledger.read_session() as session:
        event = newest(session=session, actions=(DIGEST_POST,))
        if event is None:
            return None
        channel, ts = event.details.get("channel"), event.details.get("ts")
        if not isinstance(channel, str) or not isinstance(ts, str):
            return None
        return PostedDigest(channel, ts, event.at)
