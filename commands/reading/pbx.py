"""``pbx``: the account's PBX group(s): name and billing subscription number."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commands.accounts import resolve_account
from commands.actor import Actor, Role
from commands.reading._models import ReadOrder, ReadResult
from commands.trail import authorize
from integrations.errors import IntegrationError
from integrations.platform import Account, Pbx

if TYPE_CHECKING:
    from commands.deps import Deps


class ShowPbx(ReadOrder):
    """Show the PBX group name and its billing subscription."""


class PbxOverview(ReadResult):
    account: Account
    pbxs: list[Pbx]
    # Zuora's status of each billing subscription the PBXs name ("Cancelled", "Active"); empty
    # when Zuora could not be read (``zuora_error`` says why).
    subscription_status: dict[str, str] = {}
    zuora_error: str | None = None

    def not_active(self, pbx: Pbx) -> str | None:
        """The status of ``pbx``'s billing subscription when Zuora says it is not active."""
        if not pbx.billing_subscription:
            return None
        status = self.subscription_status.get(pbx.billing_subscription)
        if status is None and not self.zuora_error and self.account.zuora_account_number:
            return "not on this account"
        return status if status and status != "Active" else None


def show_pbx(cmd: ShowPbx, actor: Actor, deps: Deps) -> PbxOverview:
    authorize(deps, actor, Role.VIEWER, action="pbx", to="view PBX settings", account=cmd.account)
    account = resolve_account(deps, cmd.account)
    pbxs = deps.platform.pbxs(account.id)
    status: dict[str, str] = {}
    error: str | None = None
    if account.zuora_account_number and any(p.billing_subscription for p in pbxs):
        try:
            for own in deps.zuora.subscriptions(account.zuora_account_number):
                status[own.subscription_number] = own.status or "unknown"
        except IntegrationError as exc:
            error = str(exc)
    return PbxOverview(account=account, pbxs=pbxs, subscription_status=status, zuora_error=error)


__all__ = ["PbxOverview", "ShowPbx", "show_pbx"]
