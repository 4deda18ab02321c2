"""The checks, as pure functions of what each side said about one account (read elsewhere).

Each returns the findings it makes; none calls a backend. ``since`` is the ledger's last record
bearing on the check (the run that settled the suspension, the last allowance refresh or
emergency save); where the ledger has none, the platform's own timestamp for what it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from commands.changes import sold_to_fields
from commands.reconcile.ledger import AccountRecord, HeldOut
from commands.reconcile.models import (
    ADOPT,
    ALLOWANCES,
    BILLED_AFTER_DEACTIVATION,
    EMERGENCY_ADDRESS,
    LIFT,
    LIFTED_OUTSIDE,
    OVERDUE_UNATTENDED,
    PAID_STILL_SUSPENDED,
    REFRESH_ALLOWANCES,
    SAVE_EMERGENCY,
    SUSPENDED_OUTSIDE,
    TELL_BILLING,
    Finding,
)
from integrations.allowances import AllowanceItem, describe_allowances
from integrations.ipnd import (
    ADDRESS_FIELDS,
    STREET_TYPES_BY_WORD,
    ParsedAddress,
    ServiceAddress,
    parse_sold_to,
)
from integrations.platform import AccountDetail
from integrations.zuora import QueriedAccount, ZuoraContact, compute_allowances

ACTIVE = "Active"


@dataclass(frozen=True)
class Owing:
    """What Zuora's overdue invoices say about one account."""

    total: Decimal
    oldest_due: date


def one_line(address: ServiceAddress) -> str:
    fields = address.model_dump()
    return " ".join(fields[name] for name in ADDRESS_FIELDS if fields.get(name)) or "(empty)"


def _first(*moments: datetime | None) -> datetime | None:
    return next((m for m in moments if m is not None), None)


# -- suspension --------------------------------------------------------------------------------


def suspension(p: AccountDetail, record: AccountRecord) -> list[Finding]:
    said = record.suspension
    held = p.suspended
    if held is not None:
        ours = (
            said is not None and said.suspended and (said.by, said.reason) == (held.by, held.reason)
        )
        if ours:
            return []
        return [
            Finding(
                account=p.id,
                check=SUSPENDED_OUTSIDE,
                platform=f"suspended by {held.by} at {held.at.isoformat()}: {held.reason}",
                ledger=said.describe() if said else "no suspension by the bot",
                since=_first(said.at if said else None, held.at),
                fixes=(ADOPT, LIFT),
            )
        ]
    if said is not None and said.suspended:
        return [
            Finding(
                account=p.id,
                check=LIFTED_OUTSIDE,
                platform="not suspended",
                ledger=said.describe(),
                since=said.at,
                fixes=(ADOPT,),
            )
        ]
    return []


# -- billing -----------------------------------------------------------------------------------


def billed_after_deactivation(p: AccountDetail, z: QueriedAccount | None) -> list[Finding]:
    if not p.is_deactivated or z is None:
        return []
    active = [s.subscription_number for s in z.subscriptions if s.status == ACTIVE]
    owing = z.status == ACTIVE and z.balance > 0
    if not active and not owing:
        return []
    said = []
    if active:
        said.append(f"subscription {', '.join(active)} Active")
    if owing:
        said.append(f"account {z.account_number} Active with balance {z.balance:.2f}")
    return [
        Finding(
            account=p.id,
            check=BILLED_AFTER_DEACTIVATION,
            platform="deactivated",
            zuora="; ".join(said),
            fixes=(TELL_BILLING,),
        )
    ]


def _items(items: list[AllowanceItem]) -> list[tuple[str, float]]:
    return sorted((i.name, float(i.quantity)) for i in items)


def allowances(
    p: AccountDetail, z: QueriedAccount | None, record: AccountRecord, today: date
) -> list[Finding]:
    if z is None or p.is_deactivated:
        return []
    wanted = compute_allowances(z.subscriptions, today)
    if _items(p.allowances.items) == _items(wanted.items):
        return []
    return [
        Finding(
            account=p.id,
            check=ALLOWANCES,
            platform=p.allowances.describe() or "none",
            zuora=describe_allowances(wanted.items) or "none",
            since=_first(record.refreshed_at, p.allowances.refreshed_at),
            fixes=(REFRESH_ALLOWANCES,),
        )
    ]


def sold_to_address(z: QueriedAccount) -> ParsedAddress | None:
    contact = z.sold_to
    if contact is None or not (contact.address1 or contact.city):
        return None
    return parse_sold_to(
        address1=contact.address1,
        address2=contact.address2,
        city=contact.city,
        state=contact.state,
        zip_code=contact.zip_code,
        country=contact.country,
    )


_AUSTRALIA = {"", "AUSTRALIA", "AU", "AUS"}


def _tokens(text: str | None) -> list[str]:
    return (text or "").upper().replace(",", " ").split()


def written_as(address: ServiceAddress, contact: ZuoraContact) -> bool:
    """Whether ``contact`` holds ``address`` exactly as the bot writes a Sold To
    (``sold_to_fields``) — case, commas and a street type's word aside. The writer's text reads
    back to the same fields (its round trip), so this says "the same" without the parse, which
    costs a report more than everything else together; anything else is parsed."""
    if (contact.address2 or "").strip() or (contact.country or "").upper() not in _AUSTRALIA:
        return False
    wrote = sold_to_fields(address)
    want, have = _tokens(wrote.address1), _tokens(contact.address1)
    if len(want) != len(have) or not want:
        return False
    kind = len(want) - (2 if address.street_suffix else 1) if address.street_type else -1
    for i, (w, h) in enumerate(zip(want, have, strict=True)):
        if w != h and not (i == kind and STREET_TYPES_BY_WORD.get(h) == w):
            return False
    return (
        _tokens(contact.city) == _tokens(wrote.city)
        and (contact.state or "").upper() == (wrote.state or "")
        and (contact.zip_code or "").strip() == (wrote.zip_code or "")
    )


def emergency(p: AccountDetail, z: QueriedAccount | None, record: AccountRecord) -> list[Finding]:
    if z is None or p.is_deactivated or z.sold_to is None:
        return []
    held = p.emergency.address if p.emergency else None
    if held is not None and written_as(held, z.sold_to):
        return []
    parsed = sold_to_address(z)
    if parsed is None or held == parsed.address:
        return []
    return [
        Finding(
            account=p.id,
            check=EMERGENCY_ADDRESS,
            platform=one_line(held) if held else "no emergency address",
            zuora=one_line(parsed.address)
            + (" (not a valid IPND address)" if parsed.has_hard_errors else ""),
            since=_first(
                record.emergency_saved_at, p.emergency.updated_at if p.emergency else None
            ),
            fixes=() if parsed.has_hard_errors else (SAVE_EMERGENCY,),
        )
    ]


# -- collections -------------------------------------------------------------------------------


def paid_still_suspended(
    p: AccountDetail, record: AccountRecord, owing: Owing | None, minimum: Decimal
) -> list[Finding]:
    said = record.suspension
    if said is None or not said.for_non_payment or p.suspended is None:
        return []
    if owing is not None and owing.total >= minimum:
        return []
    return [
        Finding(
            account=p.id,
            check=PAID_STILL_SUSPENDED,
            platform=f"suspended by {p.suspended.by}: {p.suspended.reason}",
            zuora=f"{owing.total:.2f} overdue, under the minimum" if owing else "nothing overdue",
            ledger=said.describe(),
            since=said.at,
            fixes=(LIFT,),
        )
    ]


def overdue_unattended(
    p: AccountDetail,
    owing: Owing | None,
    held: HeldOut,
    *,
    today: date,
    threshold_days: int,
    grace_days: int,
    minimum: Decimal,
) -> list[Finding]:
    if owing is None or owing.total < minimum or p.is_suspended or p.is_deactivated:
        return []
    eligible = owing.oldest_due + timedelta(days=threshold_days)
    if (today - eligible).days <= grace_days or held.why(p.id):
        return []
    return [
        Finding(
            account=p.id,
            check=OVERDUE_UNATTENDED,
            platform="not suspended",
            zuora=f"{owing.total:.2f} overdue since {owing.oldest_due.isoformat()}",
            ledger="not snoozed, excluded or promised",
        )
    ]
