"""Allowances: how many of each service an account pays for, e.g. five Cloud Mobiles.

Shared by the Zuora client (which computes them from subscriptions) and the platform client
(which stores them on the account).
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

__all__ = ["TIMES", "AllowanceItem", "describe_allowances"]

TIMES = "\u00d7"  # the multiplication sign people read in "5 x Cloud Mobile"


class AllowanceItem(BaseModel):
    """One line of allowances: a product name and the quantity paid for."""

    model_config = ConfigDict(frozen=True)

    name: str
    quantity: int | float

    def __str__(self) -> str:
        quantity = self.quantity
        shown = str(int(quantity)) if float(quantity).is_integer() else str(quantity)
        return f"{shown} {TIMES} {self.name}"


def describe_allowances(items: Iterable[AllowanceItem]) -> str:
    """Items as "5 {TIMES} Cloud Mobile, 1 {TIMES} 1300 Number"; ``"none"`` when empty."""
    return ", ".join(str(item) for item in items) or "none"
