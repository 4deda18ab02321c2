"""The PBX group of an account: its billing subscription and its group name.

The group name is what every extension logs in to: changing it logs every extension out, and
changing it without telling the customer can get their IPs blacklisted by failed logins. So a
rename needs the person to say they know (``acknowledged``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, field_validator

from commands.accounts import find_account, live_account
from commands.actor import Actor, Role
from commands.changes.common import unchanged_if_it_fails, zuora_key
from commands.errors import Conflict, InvalidInput, NothingToDo
from commands.runs.one_system import Change, carry_out
from commands.trail import Trail, audited, authorize
from integrations.errors import NotFound
from integrations.platform import Collection

if TYPE_CHECKING:
    from commands.deps import Deps
    from commands.runs.kinds import RunView
    from integrations.platform import Pbx
    from integrations.zuora import Subscription

# The runs' kinds (their steps are at the end of the module).
SUBSCRIPTION = "pbx.subscription"
NAME = "pbx.name"

MAX_GROUP_NAME = 64
MAX_SUBSCRIPTION = 50
_GROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._&'()-]*$")

GROUP_NAME_CONSEQUENCE = (
    "Changing the group name changes every extension's login: every extension must log in "
    "again, and changing it without notice can get the customer's IPs blacklisted."
)
ACTIVE = "Active"  # the Zuora subscription status a PBX may be billed on


def group_name_consequence(extensions: int) -> str:
    """The rename warning with the count that will have to log in again."""
    who = "The one extension" if extensions == 1 else f"All {extensions} extensions"
    if extensions == 0:
        who = "Every extension (none is set up yet)"
    return (
        f"{who} on this account must log in again once the group name changes; changing it "
        "without notice can get the customer's IPs blacklisted."
    )


class SubscriptionChoice(BaseModel):
    """One Zuora subscription a PBX can be billed on, as the select shows it."""

    model_config = ConfigDict(frozen=True)

    number: str
    plans: str  # its rate plans' names, to tell subscriptions apart


class ChangePbxSubscription(BaseModel):
    """Bill the PBX group on Zuora subscription ``subscription``."""

    model_config = ConfigDict(frozen=True)

    account: str
    pbx_id: str
    subscription: str

    @field_validator("subscription")
    @classmethod
    def _a_number(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("Enter the Zuora subscription number, like A-S00012345.")
        if len(value) > MAX_SUBSCRIPTION or any(ch.isspace() for ch in value):
            raise ValueError(f"“{value[:60]}” is not a Zuora subscription number.")
        return value


class RenamePbxGroup(BaseModel):
    """Give the PBX group ``name``; only with ``acknowledged`` (extensions must log in again)."""

    model_config = ConfigDict(frozen=True)

    account: str
    pbx_id: str
    name: str
    acknowledged: bool

    @field_validator("name")
    @classmethod
    def _a_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("Enter the new group name.")
        if len(value) > MAX_GROUP_NAME:
            raise ValueError(f"A group name can be at most {MAX_GROUP_NAME} characters.")
        if not _GROUP_NAME.match(value):
            raise ValueError(
                "A group name starts with a letter or digit and uses letters, digits, spaces "
                "and . _ & ' ( ) - only."
            )
        return value

    @field_validator("acknowledged")
    @classmethod
    def _ticked(cls, value: bool) -> bool:
        if not value:
            raise ValueError(
                "Tick the box to confirm every extension will have to log in again "
                "and the customer has been told."
            )
        return value


class PbxForm(BaseModel):
    """The PBX group as the modals show it."""

    model_config = ConfigDict(frozen=True)

    account: str
    account_name: str
    pbx_id: str
    name: str
    billing_subscription: str | None
    extensions: int = 0  # phone users with an extension: all log in again after a rename
    active_subscriptions: list[SubscriptionChoice] = []  # the choices (with ``subscriptions``)
    billed_on_status: str | None = None  # the current subscription's status when not Active


class PbxChanged(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    pbx_id: str
    field: str  # "billing_subscription" | "name"
    before: str | None
    after: str
    run_id: str | None = None  # the run that made it (what its Share button names)


def load_pbx(
    query: str, pbx_id: str, actor: Actor, deps: Deps, *, subscriptions: bool = False
) -> PbxForm:
    """The PBX for a modal; with ``subscriptions``, also the account's active Zuora
    subscriptions to choose from (Zuora is read only then)."""
    authorize(deps, actor, Role.OPERATOR, action="pbx", to="change a PBX", account=query)
    account = find_account(deps, query)
    pbx = _pbx(deps, account.id, pbx_id)
    users = deps.platform.list(account.id, Collection.USERS)
    choices: list[SubscriptionChoice] = []
    status: str | None = None
    if subscriptions:
        for own in deps.zuora.subscriptions(zuora_key(account)):
            if own.subscription_number == pbx.billing_subscription and own.status != ACTIVE:
                status = own.status or "unknown"
            if own.status == ACTIVE:
                names = {plan.product_name or plan.rate_plan_name or "" for plan in own.rate_plans}
                plans = ", ".join(sorted(name for name in names if name))
                choices.append(SubscriptionChoice(number=own.subscription_number, plans=plans))
    return PbxForm(
        account=account.id,
        account_name=account.name,
        pbx_id=pbx.id,
        name=pbx.name,
        billing_subscription=pbx.billing_subscription,
        extensions=sum(1 for user in users if getattr(user, "extension", None)),
        active_subscriptions=choices,
        billed_on_status=status,
    )


def _pbx(deps: Deps, account: str, pbx_id: str) -> Pbx:
    for pbx in deps.platform.pbxs(account):
        if pbx.id == pbx_id:
            return pbx
    raise Conflict(f"Account {account} has no PBX {pbx_id} any more.")


def check_subscription(cmd: ChangePbxSubscription, deps: Deps) -> Subscription:
    """The subscription, or ``InvalidInput`` on ``subscription`` unless it exists in Zuora and
    belongs to this account's Zuora account."""
    account = live_account(deps, cmd.account)
    owner = zuora_key(account)
    for own in deps.zuora.subscriptions(owner):
        if cmd.subscription in (own.subscription_number, own.id):
            if own.status != ACTIVE:
                raise InvalidInput(
                    "subscription",
                    f"Subscription {own.subscription_number} is {own.status or 'not active'} in "
                    "Zuora: a PBX can only be billed on an active subscription.",
                )
            return own
    # Not one of this account's: say whose it is, if anyone's.
    try:
        found = deps.zuora.find_subscription(cmd.subscription)
    except NotFound:
        raise InvalidInput(
            "subscription", f"Zuora has no subscription {cmd.subscription}."
        ) from None
    raise InvalidInput(
        "subscription",
        f"Subscription {cmd.subscription} belongs to Zuora account "
        f"{found.account_number or 'unknown'}, not to this account ({owner}).",
    )


@unchanged_if_it_fails(SUBSCRIPTION)
def change_pbx_subscription(cmd: ChangePbxSubscription, actor: Actor, deps: Deps) -> PbxChanged:
    with audited(deps, actor, SUBSCRIPTION, cmd.account) as trail:
        trail.require(Role.OPERATOR, to="change a PBX's billing subscription")
        trail.details["subscription"] = cmd.subscription
        pbx = _pbx(deps, cmd.account, cmd.pbx_id)
        if pbx.billing_subscription == cmd.subscription:
            raise NothingToDo(f"The PBX is already billed on {cmd.subscription}.")
        found = check_subscription(cmd, deps)
        return _set(
            trail,
            cmd.account,
            pbx,
            kind=SUBSCRIPTION,
            field="billing_subscription",
            value=found.subscription_number,
            subscription_status=found.status,
        )


@unchanged_if_it_fails(NAME)
def rename_pbx_group(cmd: RenamePbxGroup, actor: Actor, deps: Deps) -> PbxChanged:
    with audited(deps, actor, NAME, cmd.account) as trail:
        trail.require(Role.OPERATOR, to="rename a PBX group")
        live_account(deps, cmd.account)
        pbx = _pbx(deps, cmd.account, cmd.pbx_id)
        if pbx.name == cmd.name:
            raise NothingToDo(f"The PBX group is already called “{cmd.name}”.")
        return _set(
            trail, cmd.account, pbx, kind=NAME, field="name", value=cmd.name, acknowledged=True
        )


def _set(
    trail: Trail, account: str, pbx: Pbx, *, kind: str, field: str, value: str, **details: object
) -> PbxChanged:
    """Set the PBX's ``field`` to ``value`` through a run of ``kind``; what changed."""
    before = getattr(pbx, field)
    run_id = carry_out(
        trail,
        kind=kind,
        details={"pbx_id": pbx.id, "before": before, "after": value, **details},
        params={"pbx_id": pbx.id, "value": value},
    )
    return PbxChanged(
        account=account,
        pbx_id=pbx.id,
        field=field,
        before=before,
        after=value,
        run_id=run_id,
    )


# -- the runs -----------------------------------------------------------------------------------


def _now(deps: Deps, run: RunView) -> Pbx:
    return _pbx(deps, run.account, str(run.p["pbx_id"]))


def _field_change(name: str, label: str, step_label: str, field: str) -> Change:
    """A run setting one field of a PBX on the platform to the run's ``value``."""
    return Change(
        name=name,
        label=label,
        step_label=step_label,
        apply=lambda deps, run: deps.platform.update_pbx(
            run.account, str(run.p["pbx_id"]), **{field: str(run.p["value"])}
        ),
        holds=lambda deps, run: getattr(_now(deps, run), field) == run.p["value"],
    )


PBX_SUBSCRIPTION = _field_change(
    SUBSCRIPTION,
    "PBX billing subscription change",
    "set the PBX's billing subscription on the platform",
    "billing_subscription",
)
PBX_NAME = _field_change(NAME, "PBX group rename", "rename the PBX group on the platform", "name")
