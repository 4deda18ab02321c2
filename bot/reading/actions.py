"""The read views' buttons: Share, Refresh (billing allowances) and the pagers."""

from __future__ import annotations

from bot.edge.codecs import AccountRef, NotValidAnyMore, PageRef, ShareRef
from bot.edge.turns import Click
from bot.reading.readers import (
    READERS,
    Reader,
    for_asker,
    for_channel,
    read_audit,
    read_audit_newer,
    read_emails,
)
from bot.reading.views.common import (
    AUDIT_NEWER_ACTION,
    AUDIT_OLDER_ACTION,
    EMAILS_NEXT_ACTION,
    EMAILS_PREVIOUS_ACTION,
    REFRESH_ACTION,
    SHARE_ACTION,
)
from bot.reading.views.details import billing_message
from commands.reading import BillingOverview, RefreshAllowances, refresh_allowances

PAGES: dict[str, Reader] = {
    EMAILS_NEXT_ACTION: read_emails,
    EMAILS_PREVIOUS_ACTION: read_emails,
    AUDIT_OLDER_ACTION: read_audit,
    AUDIT_NEWER_ACTION: read_audit_newer,
}


def on_share(click: Click) -> None:
    """The same view, read again for the channel (never copied from the clicked message)."""
    ref = click.value(ShareRef)
    read = READERS.get(ref.verb)
    if read is None:
        raise NotValidAnyMore()
    audience = for_channel(click.services, click.actor.user_id)
    click.share(read(click.services, click.actor, ref.account, ref.cursor, audience))


def on_refresh(click: Click) -> None:
    account = click.value(AccountRef).account
    result = refresh_allowances(RefreshAllowances(account=account), click.actor, click.deps)
    view = BillingOverview(account=result.account, allowances=result.after)
    audience = for_asker(click.services, click.actor)
    click.replace(billing_message(view, audience, changes=result.changes))


def on_page(click: Click) -> None:
    page = click.value(PageRef)
    read = PAGES[click.clicked.clicked.action_id]
    audience = for_asker(click.services, click.actor)
    click.replace(read(click.services, click.actor, page.account, page.cursor, audience))


LISTENERS = {SHARE_ACTION: on_share, REFRESH_ACTION: on_refresh} | dict.fromkeys(PAGES, on_page)
