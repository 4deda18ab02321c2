"""Allowances from subscriptions: what is in effect today, per product."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from integrations.allowances import AllowanceItem
from integrations.zuora._models import Allowances, RatePlan, Subscription

__all__ = ["compute_allowances"]


def _rate_plan_quantity(plan: RatePlan, today: date) -> Decimal | None:
    # A plan's charges usually share one quantity (e.g. a service fee and its line rental);
    # the largest one stands for the plan so a plan is never counted twice.
    quantities = [
        charge.quantity
        for charge in plan.rate_plan_charges
        if charge.type == "Recurring" and charge.quantity is not None and charge.in_effect(today)
    ]
    return max(quantities) if quantities else None


def _as_number(quantity: Decimal) -> int | float:
    return int(quantity) if quantity == quantity.to_integral_value() else float(quantity)


def compute_allowances(subscriptions: Iterable[Subscription], today: date) -> Allowances:
    """Count only Active subscriptions and charges in effect ``today``.

    Per rate plan, the quantity is the largest among its in-effect Recurring charges with a
    quantity; plans of the same product (``productName``) add up. Products keep the order in
    which they first appear.
    """
    totals: dict[str, Decimal] = {}
    numbers: list[str] = []
    for subscription in subscriptions:
        if subscription.status != "Active":
            continue
        numbers.append(subscription.subscription_number)
        for plan in subscription.rate_plans:
            quantity = _rate_plan_quantity(plan, today)
            if quantity is None or not plan.product_name:
                continue
            totals[plan.product_name] = totals.get(plan.product_name, Decimal(0)) + quantity
    items = [
        AllowanceItem(name=name, quantity=_as_number(total))
        for name, total in totals.items()
        if total > 0
    ]
    return Allowances(items=items, subscription_numbers=numbers)
