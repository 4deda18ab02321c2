"""The digest's words shared by its messages: amounts, days, counts, and the accounts held apart
(excluded from suspension, promised to pay) or flagged (a promise broken)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.edge.blocks import esc, who
from commands.digest.overdue import Digest, DigestRow


def money(amount: Decimal, currency: str = "AUD") -> str:
    text = f"{amount:,.2f}"
    return f"${text}" if currency == "AUD" else f"{text} {esc(currency)}"


def day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


MAX_EXCLUDED_SHOWN = 10


def excluded_text(digest: Digest) -> str:
    """The excluded accounts, apart: never offered for suspension (an admin's reason)."""
    if not digest.excluded:
        return ""
    lines = [
        f"• *{esc(row.name)}* · `{esc(row.account)}` {money(row.amount_overdue, row.currency)} "
        f"overdue — {esc(row.reason)} ({who(row.by)})"
        for row in digest.excluded[:MAX_EXCLUDED_SHOWN]
    ]
    more = len(digest.excluded) - MAX_EXCLUDED_SHOWN
    if more > 0:
        lines.append(f"• and {more:,} more (`/jethub account <number>` shows each)")
    return "\n*Excluded from suspension* (overdue, never offered):\n" + "\n".join(lines)


def promised_text(digest: Digest) -> str:
    """The accounts promised to pay by a day to come, apart: offered again the day after."""
    if not digest.promised:
        return ""
    lines = [
        f"• *{esc(row.name)}* · `{esc(row.account)}` {money(row.amount_overdue, row.currency)} "
        f"overdue — promised {money(row.promise.amount)} by {day_text(row.promise.due)} "
        f"({who(row.promise.by)})"
        for row in digest.promised[:MAX_EXCLUDED_SHOWN]
    ]
    more = len(digest.promised) - MAX_EXCLUDED_SHOWN
    if more > 0:
        lines.append(f"• and {more:,} more (`/jethub account <number>` shows each)")
    return "\n*Promised to pay* (not offered until the day after):\n" + "\n".join(lines)


def broken_text(row: DigestRow) -> str:
    return _broken(row) + chasing_text(row.taken_by)


def _broken(row: DigestRow) -> str:
    broken = row.broken_promise
    if broken is None:
        return ""
    paid = f"; {money(broken.paid)} paid since" if broken.paid else "; nothing paid since"
    return (
        f"\n:warning: *Promise broken*: {money(broken.amount)} by {day_text(broken.due)}, "
        f"recorded by {who(broken.by)}{paid}"
    )


CHASING = "\n:telephone_receiver: "


def chasing_text(by: str | None) -> str:
    """The row's line naming who is chasing the account (its Take)."""
    return f"{CHASING}{who(by)} is chasing this account" if by else ""


def with_chaser(text: str, by: str) -> str:
    """A posted row's text with its chasing line (re)written for ``by``."""
    return text.split(CHASING, 1)[0] + chasing_text(by)
