"""``pbx``: the account's PBX group(s): name and billing subscription number."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commands.accounts import resolve_account
from commands.actor import Actor, Role
from commands.reading._models import ReadOrder, ReadResult
from commands.trail import authorize
from integrations.platform import Account, Pbx

if TYPE_CHECKING:
    from commands.deps import Deps


class ShowPbx(ReadOrder):
    """Show the PBX group name and its billing subscription."""


class PbxOverview(ReadResult):
    account: Account
    pbxs: list[Pbx]


def show_pbx(cmd: ShowPbx, actor: Actor, deps: Deps) -> PbxOverview:
    authorize(deps, actor, Role.VIEWER, action="pbx", to="view PBX settings", account=cmd.account)
    account = resolve_account(deps, cmd.account)
    return PbxOverview(account=account, pbxs=deps.platform.pbxs(account.id))


__all__ = ["PbxOverview", "ShowPbx", "show_pbx"]
