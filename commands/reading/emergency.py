"""``emergency``: the account's IPND record and what the IPND rules say about it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commands.accounts import resolve_account
from commands.actor import Actor, Role
from commands.reading._models import ReadOrder, ReadResult
from commands.trail import authorize
from integrations.ipnd import Finding, ServiceAddress, has_hard_errors, validate
from integrations.platform import Account, EmergencyRecord

if TYPE_CHECKING:
    from commands.deps import Deps


class ShowEmergency(ReadOrder):
    """Show the emergency (IPND) service address and whether it passes validation."""


class EmergencyOverview(ReadResult):
    account: Account
    record: EmergencyRecord | None
    findings: list[Finding] = []

    @property
    def passes(self) -> bool:
        """True when there is a record and no finding would make IPND reject it."""
        return self.record is not None and not has_hard_errors(self.findings)


def show_emergency(cmd: ShowEmergency, actor: Actor, deps: Deps) -> EmergencyOverview:
    authorize(
        deps,
        actor,
        Role.VIEWER,
        action="emergency",
        to="view emergency details",
        account=cmd.account,
    )
    account = resolve_account(deps, cmd.account)
    record = deps.platform.emergency(account.id)
    findings: list[Finding] = []
    if record is not None:
        findings = validate(ServiceAddress.model_validate(record.address.model_dump()))
    return EmergencyOverview(account=account, record=record, findings=findings)


__all__ = ["EmergencyOverview", "ShowEmergency", "show_emergency"]
