"""What the account changes share: naming the system that holds which value when a change
reaches only one of two systems, and saying so when a backend failed before a change was even
started.

The changes themselves live beside this module, one per page of the Account Manager:
``edit`` (name, parent), ``invoice_email``, ``pbx``, ``emergency`` and ``auth_rules``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

from commands.errors import CommandError, Conflict
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from commands.actor import Actor
    from commands.deps import Deps
    from integrations.platform import Account

R = TypeVar("R")

PLATFORM = "Jet Hub platform"
ZUORA = "Zuora"


def zuora_key(account: Account) -> str:
    """The Zuora account number linked to ``account``, or ``Conflict`` when there is none."""
    if not account.zuora_account_number:
        raise Conflict(f"Account {account.id} has no Zuora account linked.")
    return account.zuora_account_number


class NotChanged(CommandError):
    """A backend failed while the change was being checked, before it was recorded as a run: no
    system was written (every write of a change is a step of its run)."""

    def __init__(self, label: str, account: str, error: IntegrationError) -> None:
        self.error = error
        super().__init__(f"The {label} of account `{account}` failed; nothing was changed. {error}")


class _Order(Protocol):
    @property
    def account(self) -> str: ...


C = TypeVar("C", bound=_Order)


def unchanged_if_it_fails(
    kind: str,
) -> Callable[[Callable[[C, Actor, Deps], R]], Callable[[C, Actor, Deps], R]]:
    """For a change whose every write is its run's (``kind``): a backend failure that escapes
    it happened before the run, so it is told as ``NotChanged`` (after ``audited`` recorded it
    as failed)."""

    def wrap(change: Callable[[C, Actor, Deps], R]) -> Callable[[C, Actor, Deps], R]:
        @functools.wraps(change)
        def run(cmd: C, actor: Actor, deps: Deps) -> R:
            try:
                return change(cmd, actor, deps)
            except IntegrationError as exc:
                raise NotChanged(deps.actions.run(kind).label, cmd.account, exc) from exc

        return run

    return wrap
