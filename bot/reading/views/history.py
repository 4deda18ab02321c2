"""The paged views: sent emails (newest first) and the account's audit trail."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote

from slack_sdk.models.blocks import Block, ButtonElement

from bot.edge.blocks import context, esc, local_time, message, section
from bot.edge.codecs import NotValidAnyMore, PageRef, ShareRef
from bot.reading.views.common import (
    AUDIT_NEWER_ACTION,
    AUDIT_OLDER_ACTION,
    EMAILS_NEXT_ACTION,
    EMAILS_PREVIOUS_ACTION,
    Audience,
    button,
    closing_blocks,
    who,
)
from bot.reading.views.details import heading
from commands.reading import AuditEntry, AuditPage, SentEmailPage

MAX_SUBJECT = 200
MAX_DETAILS = 300
MAX_CURSOR = 1500  # button values may hold 2000 characters
NOT_INCLUDED = (
    "System-generated emails only (such as Jet Phone logins). Voicemails, callflow notices and "
    "invoices are not included — billing communications are on the account's page in Zuora."
)
OUTCOME_MARK = {"ok": ":white_check_mark:", "refused": ":no_entry_sign:", "failed": ":x:"}


# -- sent emails ----------------------------------------------------------------------------


def emails_cursor(page: SentEmailPage) -> str:
    """What a Share button needs to re-read this page: its index and the key that starts it."""
    return str(page.page)


def emails_cursor_value(page: int, containing: str | None, start_key: str | None) -> str:
    """``"<page>[~<filter, %-encoded>]|<start key>"``: what a pager or Share button carries."""
    head = f"{page}~{quote(containing, safe='')}" if containing else str(page)
    return f"{head}|{start_key or ''}"


def read_emails_cursor(cursor: str) -> tuple[int, str | None, str | None]:
    """(page, filter, start key) from :func:`emails_cursor_value` (empty: the newest page)."""
    head, _, key = cursor.partition("|")
    page, _, containing = head.partition("~")
    if not page:
        return 0, None, None
    if not (page.isascii() and page.isdigit()):
        raise NotValidAnyMore()
    return min(int(page), 10_000), unquote(containing)[:200] or None, key or None


def emails_message(
    view: SentEmailPage, audience: Audience, *, start_key: str | None = None
) -> dict[str, Any]:
    """One page of sent emails. ``start_key`` is the key this page was read from (kept on the
    Share button so a shared copy costs one call)."""
    title = "Sent emails"
    if view.containing:
        title += f" to or about “{esc(view.containing)}”"
    blocks: list[Block] = [heading(title, view.account), context(NOT_INCLUDED)]
    if not view.emails:
        if view.page:
            blocks.append(section("No emails on this page."))
        elif view.containing:
            blocks.append(
                section(
                    f"No email's recipient or subject contains “{esc(view.containing)}”. "
                    f"`/jethub emails {esc(view.account.id)}` lists them all."
                )
            )
        else:
            blocks.append(section("No emails sent yet."))
    for email in view.emails:
        subject = esc(email.subject[:MAX_SUBJECT]) or "(no subject)"
        sent = local_time(email.sent_at, audience.zone)
        blocks.append(section(f"*{subject}*\nto {esc(email.recipient)} · {sent}"))
    if view.emails:
        last = view.first_position + len(view.emails) - 1
        more = " (more on the next page)" if view.has_next else ""
        blocks.append(context(f"Emails {view.first_position} to {last}, newest first{more}"))
    buttons: list[ButtonElement] = []
    account = view.account.id
    wanted = view.containing
    if view.has_previous:
        value = PageRef(
            account=account, cursor=emails_cursor_value(view.page - 1, wanted, None)
        ).encode()
        buttons.append(button("Previous", EMAILS_PREVIOUS_ACTION, value))
    if view.next_start_key is not None:
        cursor = emails_cursor_value(view.page + 1, wanted, view.next_start_key)
        if len(cursor) > MAX_CURSOR:
            cursor = emails_cursor_value(view.page + 1, wanted, None)
        value = PageRef(account=account, cursor=cursor).encode()
        buttons.append(button("Next", EMAILS_NEXT_ACTION, value))
    cursor = emails_cursor_value(view.page, wanted, start_key) if view.page or wanted else ""
    if len(cursor) > MAX_CURSOR:  # too long to carry: the reader finds the page's key again
        cursor = emails_cursor_value(view.page, wanted, None)
    blocks += closing_blocks(
        audience, ShareRef(verb="emails", account=account, cursor=cursor), buttons
    )
    return message(f"Sent emails for {account}", blocks)


# -- audit trail ----------------------------------------------------------------------------


def audit_message(view: AuditPage, audience: Audience) -> dict[str, Any]:
    name = f" — {esc(view.account_name)}" if view.account_name else ""
    blocks: list[Block] = [section(f"*Audit trail*{name} (`{esc(view.account)}`)")]
    if not view.entries:
        blocks.append(section("No audit events for this account yet."))
    for entry in view.entries:
        blocks.append(section(_entry_text(entry, audience)))
    buttons: list[ButtonElement] = []
    if view.has_newer and view.newest_seq is not None:
        buttons.append(
            button(
                "Newer",
                AUDIT_NEWER_ACTION,
                PageRef(account=view.account, cursor=str(view.newest_seq)).encode(),
            )
        )
    if view.has_older and view.oldest_seq is not None:
        buttons.append(
            button(
                "Older",
                AUDIT_OLDER_ACTION,
                PageRef(account=view.account, cursor=str(view.oldest_seq)).encode(),
            )
        )
    if view.entries:
        blocks.append(context(f"Events #{view.oldest_seq} to #{view.newest_seq}, newest first"))
    # A shared copy shows the same page: the events before the one after this page's newest.
    cursor = f"{(view.newest_seq or 0) + 1}" if view.has_newer else ""
    blocks += closing_blocks(
        audience, ShareRef(verb="audit", account=view.account, cursor=cursor), buttons
    )
    return message(f"Audit trail for {view.account}", blocks)


def _entry_text(entry: AuditEntry, audience: Audience) -> str:
    mark = OUTCOME_MARK.get(entry.outcome, ":grey_question:")
    head = (
        f"{mark} *{esc(entry.action)}* · {esc(entry.outcome)} · {who(entry.actor, audience)} · "
        f"{local_time(entry.at, audience.zone)} · #{entry.seq}"
    )
    details = summarise_details(entry.details)
    return f"{head}\n{esc(details)}" if details else head


def summarise_details(details: dict[str, Any]) -> str:
    """A short line from an event's details: the keys a person looks for first, then the rest."""
    first = ("reason", "changes", "error", "before", "after", "needed_role")
    keys = [k for k in first if k in details] + [k for k in details if k not in first]
    parts = [f"{key}: {_short(details[key])}" for key in keys]
    text = "; ".join(parts)
    return text if len(text) <= MAX_DETAILS else text[: MAX_DETAILS - 1] + "…"


def _short(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value) or "none"
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
