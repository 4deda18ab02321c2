"""``emails``: the system-generated emails sent for an account, newest first, a page at a time.

The platform pages with an opaque ``start_key`` that only goes forward. A page is named by its
index; going back to page ``n`` asks for the first ``n * size`` emails in one call just to learn
the key that starts page ``n`` — two calls, however deep, instead of a trail of keys in a button.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from commands.accounts import resolve_account
from commands.actor import Actor, Role
from commands.reading._models import ReadOrder, ReadResult
from commands.trail import authorize
from integrations.platform import Account, SentEmail

if TYPE_CHECKING:
    from commands.deps import Deps

PAGE_SIZE = 15
MAX_PLATFORM_PAGE = 500


class ListSentEmails(ReadOrder):
    """One page of sent emails. ``start_key`` (from the previous page) saves a call going on."""

    page: int = Field(default=0, ge=0, le=10_000)
    start_key: str | None = Field(default=None, max_length=500)
    page_size: int = Field(default=PAGE_SIZE, ge=1, le=50)
    containing: str | None = Field(default=None, max_length=200)  # recipient or subject


class SentEmailPage(ReadResult):
    account: Account
    emails: list[SentEmail]
    page: int
    page_size: int
    next_start_key: str | None = None
    containing: str | None = None

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.next_start_key is not None

    @property
    def first_position(self) -> int:
        """1-based position of the first email on this page."""
        return self.page * self.page_size + 1


def list_sent_emails(cmd: ListSentEmails, actor: Actor, deps: Deps) -> SentEmailPage:
    authorize(deps, actor, Role.VIEWER, action="emails", to="view sent emails", account=cmd.account)
    account = resolve_account(deps, cmd.account)
    containing = (cmd.containing or "").strip() or None
    start_key = cmd.start_key if cmd.page > 0 else None
    if cmd.page > 0 and start_key is None:
        start_key = _key_of_page(deps, account.id, cmd.page * cmd.page_size, containing)
        if start_key is None:  # past the end (emails may have been pruned since)
            return SentEmailPage(
                account=account,
                emails=[],
                page=cmd.page,
                page_size=cmd.page_size,
                containing=containing,
            )
    page = deps.platform.sent_emails(
        account.id, page_size=cmd.page_size, start_key=start_key, containing=containing
    )
    return SentEmailPage(
        account=account,
        emails=page.items,
        page=cmd.page,
        page_size=cmd.page_size,
        next_start_key=page.next_start_key,
        containing=containing,
    )


def _key_of_page(deps: Deps, account: str, skip: int, containing: str | None) -> str | None:
    """The start key after the first ``skip`` emails (None: there are no more)."""
    key: str | None = None
    while skip > 0:
        step = min(skip, MAX_PLATFORM_PAGE)
        key = deps.platform.sent_emails(
            account, page_size=step, start_key=key, containing=containing
        ).next_start_key
        if key is None:
            return None
        skip -= step
    return key


__all__ = ["PAGE_SIZE", "ListSentEmails", "SentEmailPage", "list_sent_emails"]
