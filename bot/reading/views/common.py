"""What the read views share: who they are for, the Share button and the pieces every
read view ends with. Each view function returns a message payload (``bot.edge.blocks.message``).

A view is rendered for an *audience*: the asker (ephemeral, with the buttons their role allows
and a Share button) or a channel (a shared copy: no buttons, "shared by").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.edge.blocks import context, esc
from bot.edge.codecs import ShareRef
from bot.edge.verbs import VERBS
from commands.actor import Actor, Role

SHARE_ACTION = "reading.share"
REFRESH_ACTION = "reading.billing_refresh"
EMAILS_PREVIOUS_ACTION = "reading.emails_previous"
EMAILS_NEXT_ACTION = "reading.emails_next"
AUDIT_NEWER_ACTION = "reading.audit_newer"
AUDIT_OLDER_ACTION = "reading.audit_older"

MAX_BUTTON_TEXT = 75


@dataclass(frozen=True)
class LinksOut:
    """Base URLs of the Zuora and Jet Hub web apps (``ZUORA_UI_URL``, ``JETHUB_PORTAL_URL``)."""

    zuora_ui: str | None = None
    portal: str | None = None

    def zuora_account(self, zuora_id: str) -> str | None:
        if not self.zuora_ui:
            return None
        base = self.zuora_ui.rstrip("/")
        return f"{base}/apps/CustomerAccount.do?method=view&id={quote(zuora_id)}"

    def portal_account(self, account: str) -> str | None:
        return f"{self.portal.rstrip('/')}/accounts/{quote(account)}" if self.portal else None


@dataclass(frozen=True)
class Audience:
    """Who a view is rendered for. ``actor`` None means a shared copy: no buttons."""

    zone: ZoneInfo
    actor: Actor | None = None
    shared_by: str | None = None
    links: LinksOut = LinksOut()

    @property
    def shared(self) -> bool:
        return self.actor is None

    def may(self, verb: str) -> bool:
        """Whether the asker's role allows ``verb`` (buttons are offered only then)."""
        if self.actor is None:
            return False
        role = VERBS[verb].role
        return role is None or self.actor.has(role)

    def holds(self, role: Role) -> bool:
        return self.actor is not None and self.actor.has(role)

    def may_cancel(self, requested_by: str | None, role: Role | None) -> bool:
        """A run waiting for its time: its requester, or whoever holds ``role``, may cancel it."""
        if self.actor is None:
            return False
        return self.actor.user_id == requested_by or (role is not None and self.actor.has(role))

    @classmethod
    def asker(cls, zone: ZoneInfo, actor: Actor, links: LinksOut = LinksOut()) -> Audience:
        return cls(zone=zone, actor=actor, links=links)

    @classmethod
    def channel(cls, zone: ZoneInfo, shared_by: str, links: LinksOut = LinksOut()) -> Audience:
        return cls(zone=zone, shared_by=shared_by, links=links)


def share_button(ref: ShareRef) -> ButtonElement:
    return ButtonElement(text="Share in channel", action_id=SHARE_ACTION, value=ref.encode())


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=text[:MAX_BUTTON_TEXT], action_id=action_id, value=value, style=style)


def closing_blocks(
    audience: Audience, ref: ShareRef, buttons: Sequence[ButtonElement] = ()
) -> list[Block]:
    """The end of every read view: its buttons and Share for the asker, "shared by" otherwise."""
    if audience.shared:
        who = f"<@{audience.shared_by}>" if audience.shared_by else "someone"
        return [context(f"Shared by {who}")]
    return [ActionsBlock(elements=[*buttons, share_button(ref)])]


def who(user: str, audience: Audience) -> str:
    """A Slack user as a mention for the asker; shared copies name them without pinging."""
    if not _is_user_id(user):
        return esc_code(user)
    return f"<@{user}>" if not audience.shared else f"`{user}`"


def esc_code(text: str) -> str:
    """Outside text shown as code (escaped: code spans still turn ``<!channel>`` into a ping)."""
    return "`" + esc(text).replace("`", "'") + "`"


def _is_user_id(text: str) -> bool:
    return len(text) > 1 and text[0] in "UW" and text[1:].isalnum() and text.isupper()
