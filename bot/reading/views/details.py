"""The billing, PBX and emergency views of one account."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    SectionBlock,
)

from bot.edge.blocks import (
    MAX_MESSAGE_BLOCKS,
    context,
    esc,
    local_time,
    message,
    plural,
    section,
)
from bot.edge.codecs import ShareRef
from bot.reading.views.common import (
    REFRESH_ACTION,
    Audience,
    button,
    closing_blocks,
)
from commands.actor import Role
from commands.reading import BillingOverview, EmergencyOverview, PbxOverview
from integrations.allowances import describe_allowances
from integrations.ipnd import FIELD_LABELS, Finding, ServiceAddress, Severity
from integrations.platform import Account

MAX_FINDINGS_SHOWN = 20
SEVERITY_MARK = {Severity.HARD: ":x:", Severity.SOFT: ":warning:", Severity.WARNING: ":bulb:"}


def heading(page: str, account: Account) -> Block:
    return section(f"*{page}* — {esc(account.name)} (`{esc(account.id)}`)")


# -- billing --------------------------------------------------------------------------------


def billing_message(
    view: BillingOverview, audience: Audience, *, changes: Sequence[str] | None = None
) -> dict[str, Any]:
    """Allowances as a person reads them. ``changes`` (after a refresh) says what changed."""
    stored = view.allowances
    blocks: list[Block] = [heading("Billing", view.account)]
    if stored.items:
        blocks.append(section(f"*Service allowances*\n{esc(describe_allowances(stored.items))}"))
    else:
        blocks.append(section("*Service allowances*\nnone stored"))
    subscriptions = ", ".join(f"`{esc(s)}`" for s in stored.subscription_numbers) or "none"
    blocks.append(
        SectionBlock(
            fields=[
                MarkdownTextObject(text=f"*From subscriptions*\n{subscriptions}"[:2000]),
                MarkdownTextObject(
                    text=f"*Last refreshed*\n{local_time(stored.refreshed_at, audience.zone)}"
                ),
            ]
        )
    )
    if changes is not None:
        said = "; ".join(esc(change) for change in changes) if changes else "already up to date"
        mark = ":arrows_counterclockwise:" if changes else ":white_check_mark:"
        blocks.append(section(f"{mark} Refreshed from Zuora: {said}."))
    buttons: list[ButtonElement] = []
    if audience.holds(Role.OPERATOR) and not view.account.is_deactivated:
        buttons.append(button("Refresh from Zuora", REFRESH_ACTION, view.account.id))
    blocks.append(context("Allowances come from the account's active Zuora subscriptions."))
    blocks += closing_blocks(audience, ShareRef(verb="billing", account=view.account.id), buttons)
    title = f"Billing for {esc(view.account.id)}: {esc(describe_allowances(stored.items))}"
    return message(title, blocks)


# -- PBX ------------------------------------------------------------------------------------


def pbx_message(
    view: PbxOverview,
    audience: Audience,
    *,
    actions: Sequence[Sequence[ButtonElement]] = (),
) -> dict[str, Any]:
    """Each PBX group: its name and billing subscription. ``actions[i]`` are extra buttons for
    the i-th PBX (the change side's edit buttons), shown to the asker only."""
    blocks: list[Block] = [heading("PBX", view.account)]
    if not view.pbxs:
        blocks.append(section("This account has no PBX."))
    room = MAX_MESSAGE_BLOCKS - 5  # heading, "… more", Zuora's error, the note, closing buttons
    shown = 0
    for index, pbx in enumerate(view.pbxs):
        subscription = f"`{esc(pbx.billing_subscription)}`" if pbx.billing_subscription else "none"
        text = f"*Group name* {esc(pbx.name)}\n*Billing subscription* {subscription}"
        inactive = view.not_active(pbx)
        if inactive:
            text += (
                f"\n:warning: This subscription is *{esc(inactive)}* in Zuora: the PBX should be "
                "billed on an active one."
            )
        extra = list(actions[index]) if index < len(actions) and not audience.shared else []
        needed = 2 if len(extra) > 1 else 1
        if needed > room:
            break
        room -= needed
        shown += 1
        accessory = extra[0] if len(extra) == 1 else None
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text), accessory=accessory))
        if len(extra) > 1:
            blocks.append(ActionsBlock(elements=extra))
    if len(view.pbxs) > shown:
        blocks.append(context(f"… and {len(view.pbxs) - shown} more PBX groups."))
    if view.zuora_error:
        blocks.append(
            context(f"Zuora could not be read to check the subscriptions: {esc(view.zuora_error)}")
        )
    blocks.append(
        context(
            "Changing a group name makes every extension log in again; without notice it can get "
            "customers' IPs blacklisted."
        )
    )
    blocks += closing_blocks(audience, ShareRef(verb="pbx", account=view.account.id))
    return message(f"PBX for {view.account.id}: {plural(len(view.pbxs), 'group')}", blocks)


# -- emergency ------------------------------------------------------------------------------


def emergency_message(
    view: EmergencyOverview,
    audience: Audience,
    *,
    actions: Sequence[ButtonElement] = (),
) -> dict[str, Any]:
    """The IPND record and its validation. ``actions`` are the change side's buttons."""
    blocks: list[Block] = [heading("Emergency (IPND) details", view.account)]
    record = view.record
    if record is None:
        blocks.append(section(":x: No emergency service address is stored for this account."))
        verdict = "no record"
    else:
        blocks.append(section(f"*Service address*\n{esc(one_line(record.address)) or '(empty)'}"))
        blocks += _address_fields(record.address)
        changed = local_time(record.updated_at, audience.zone) if record.updated_at else "unknown"
        by = f" by {esc(record.updated_by)}" if record.updated_by else ""
        blocks.append(context(f"Last updated {changed}{by}"))
        verdict = "passes" if view.passes else "fails"
        blocks.append(section(_verdict(view.findings, passes=view.passes)))
    blocks.append(
        context(
            "Details come from the Sold To contact in Zuora: change it there, then pull it "
            "from Zuora and save."
        )
    )
    blocks += closing_blocks(
        audience, ShareRef(verb="emergency", account=view.account.id), list(actions)
    )
    return message(f"Emergency details for {view.account.id}: {verdict} IPND validation", blocks)


def one_line(address: ServiceAddress) -> str:
    """ "UNIT 4, LEVEL 3, 12A-14 SMITH ST N, SYDNEY NSW 2000" from the IPND fields."""
    a = address
    parts = [
        _join(a.building_type, a.building_number + a.building_suffix),
        _join(a.floor_type, a.floor_number + a.floor_suffix),
        _join(a.unit_type, a.unit_number),
        a.property_name,
    ]
    house = a.house_number + a.house_suffix
    if a.house_number_2:
        house += f"-{a.house_number_2}{a.house_suffix_2}"
    parts.append(_join(house, a.street_name, a.street_type, a.street_suffix))
    parts.append(_join(a.locality, a.state, a.postcode))
    return ", ".join(part for part in parts if part)


def _join(*words: str) -> str:
    return " ".join(word for word in words if word)


def _address_fields(address: ServiceAddress) -> list[Block]:
    filled = [(name, value) for name, value in address.model_dump().items() if value]
    fields = [
        MarkdownTextObject(text=f"*{FIELD_LABELS[name]}*\n{esc(value)}"[:2000])  # type: ignore[index]
        for name, value in filled
    ]
    return [SectionBlock(fields=fields[i : i + 10]) for i in range(0, len(fields), 10)]


def _verdict(findings: Sequence[Finding], *, passes: bool) -> str:
    head = (
        ":white_check_mark: *Passes IPND validation*"
        if passes
        else ":x: *Fails IPND validation* — IPND would reject this record"
    )
    if not findings:
        return head
    shown = findings[:MAX_FINDINGS_SHOWN]
    lines = [f"{SEVERITY_MARK[f.severity]} {esc(f.message)} (`{f.code.value}`)" for f in shown]
    if len(findings) > len(shown):
        lines.append(f"… and {len(findings) - len(shown)} more")
    text = head + "\n" + "\n".join(lines)
    return text[:2990]
