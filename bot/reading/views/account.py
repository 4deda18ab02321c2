"""The account view: details, family, Zuora, counts, and the buttons the asker may use."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    SectionBlock,
)

from bot.edge.blocks import (
    context,
    esc,
    local_time,
    message,
    money,
    plural,
    section,
    verb_button,
    who,
)
from bot.edge.codecs import ShareRef
from bot.reading.views.account_state import busy, state_blocks
from bot.reading.views.common import Audience, closing_blocks
from commands.reading import AccountOverview

MAX_CHILDREN_SHOWN = 20

# (verb, button text), in the order the Account Manager offers them.
CHANGE_BUTTONS = (("edit", "Edit"), ("refresh-auth", "Refresh auth rules"))
PAGE_BUTTONS = (
    ("billing", "Billing"),
    ("pbx", "PBX"),
    ("emergency", "Emergency"),
    ("emails", "Sent emails"),
    ("audit", "Audit trail"),
)


def account_message(view: AccountOverview, audience: Audience) -> dict[str, Any]:
    account = view.account
    title = f"Account {esc(account.id)} — {esc(account.name)}"
    blocks: list[Block] = [section(f"*{esc(account.name)}*  ·  account `{esc(account.id)}`")]
    if account.is_deactivated:
        blocks.append(section(":black_circle: *Deactivated* — this account no longer has service."))
    if account.suspended is not None:
        s = account.suspended
        blocks.append(
            section(
                f":no_entry: *Suspended* since {local_time(s.at, audience.zone)} by "
                f"{who(s.by)}\n>{esc(s.reason) or '(no reason given)'}"
            )
        )
    blocks.append(SectionBlock(fields=[MarkdownTextObject(text=t[:2000]) for t in _fields(view)]))
    if view.children:
        blocks.append(section(_children(view)))
    if view.zuora_problem:
        blocks.append(context(f":warning: {esc(view.zuora_problem)}"))
    if view.emergency_differs:
        blocks.append(
            context(
                ":warning: The emergency (IPND) address on the platform differs from Zuora's "
                f"Sold To — see `/jethub emergency {esc(account.id)}`."
            )
        )
    blocks += state_blocks(view, audience)
    if account.created is not None:
        blocks.append(context(f"Created {local_time(account.created, audience.zone)}"))
    buttons = _buttons(view, audience)
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    blocks += closing_blocks(
        audience, ShareRef(verb="account", account=account.id), _page_buttons(view, audience)
    )
    return message(title, blocks)


def _fields(view: AccountOverview) -> list[str]:
    account = view.account
    status = "Deactivated" if account.is_deactivated else esc(account.status.capitalize())
    if account.is_suspended:
        status += " · suspended"
    parent = "none"
    if view.parent is not None:
        name = esc(view.parent.name) if view.parent.name else "name unknown"
        parent = f"{name} (`{esc(view.parent.id)}`)"
    zuora = "—"
    if view.zuora is not None:
        z = view.zuora
        zuora = (
            f"`{esc(z.account_number)}` · {esc(z.status or 'status unknown')}\n"
            f"Balance {money(z.balance, z.currency)}"
        )
    elif view.account.zuora_account_number:
        zuora = f"`{esc(view.account.zuora_account_number)}` · could not be read"
    pbx = ", ".join(esc(name) for name in view.pbx_names) or "none"
    numbers = plural(view.numbers, "number")
    if view.numbers != view.numbers_in_service:
        numbers += f" ({view.numbers_in_service} in service)"
    users = f"{plural(view.phone_users, 'phone user')}, {plural(view.portal_users, 'portal user')}"
    return [
        f"*Status*\n{status}",
        f"*Parent*\n{parent}",
        f"*Zuora account*\n{zuora}",
        f"*PBX*\n{pbx}",
        f"*Phone numbers*\n{numbers}",
        f"*Users*\n{users}",
    ]


def _children(view: AccountOverview) -> str:
    shown = view.children[:MAX_CHILDREN_SHOWN]
    lines = ", ".join(f"{esc(c.name)} (`{esc(c.id)}`)" for c in shown)
    more = len(view.children) - len(shown)
    suffix = f", and {more} more" if more > 0 else ""
    return f"*Children ({len(view.children)})*\n{lines}{suffix}"


def _buttons(view: AccountOverview, audience: Audience) -> list[ButtonElement]:
    """The change buttons the asker's role allows; none on a deactivated account."""
    account = view.account
    if audience.shared or account.is_deactivated:
        return []
    wanted: list[tuple[str, str, str | None]] = [(v, t, None) for v, t in CHANGE_BUTTONS[:1]]
    if account.is_suspended:
        wanted.append(("unsuspend", "Unsuspend", None))
    elif not busy(view):
        wanted.append(("suspend", "Suspend", "danger"))
    if not account.is_suspended and view.state is not None and view.state.overdue_count:
        wanted.append(("promise", "Promise to pay", None))
    if not busy(view):  # a request or an action under way: a second one would be refused
        wanted.append(("deactivate", "Deactivate", "danger"))
    wanted += [(v, t, None) for v, t in CHANGE_BUTTONS[1:]]
    return [
        verb_button(verb, account.id, text, style=style)
        for verb, text, style in wanted
        if audience.may(verb)
    ]


def _page_buttons(view: AccountOverview, audience: Audience) -> list[ButtonElement]:
    return [
        verb_button(verb, view.account.id, text)
        for verb, text in PAGE_BUTTONS
        if audience.may(verb)
    ]
