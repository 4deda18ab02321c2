"""What every listener and job is handed (``Services``), and the settings-derived pieces the
composition root (``bot.compose``) builds it from: the Slack client, the policy, the audit key
and the secrets to mask. This module names no feature."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from audit import AuditKey
from audit.db import normalise_url
from audit.keys import key_file_for, load_or_create_key_file
from bot.edge.slack_limits import ChannelPacer, ResponseUrlBook, SlackClient
from bot.runtime.roles import RoleDirectory
from bot.runtime.settings import Settings, SettingsError
from bot.runtime.workers import WorkPool
from commands.deps import Deps, Policy

if TYPE_CHECKING:
    from bot.approvals.requests import RequestLooks
    from bot.runs.faces import RunFaces

log = logging.getLogger(__name__)

SANDBOX_CREDENTIAL = "sandbox"


# An HTTP route besides Slack's (``bot.web``): a feature's WSGI handler, handed the services.
HttpRoute = Callable[["Services", dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Stoppable(Protocol):
    def stop(self) -> object: ...


@dataclass
class Services:
    settings: Settings
    deps: Deps
    slack: SlackClient
    roles: RoleDirectory
    executor: WorkPool
    # How each kind of approval request is drawn and each kind of run told (``bot.catalogue``):
    # the same in every process (web, clock, worker).
    looks: RequestLooks
    faces: RunFaces
    # Other HTTP routes of the web process by (method, path) (``bot.catalogue.http_routes``).
    routes: Mapping[tuple[str, str], HttpRoute] = field(default_factory=dict)
    # A backend server handed to the composition root to own (the built-in sandbox): stopped last.
    sandbox: Stoppable | None = None
    response_urls: ResponseUrlBook = field(default_factory=ResponseUrlBook)
    _closed: bool = field(default=False, repr=False)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.roles.stop()
        self.executor.wait_idle(timeout=30)
        self.executor.shutdown(wait=True, cancel_futures=False)
        for client in (self.deps.zuora, self.deps.platform, self.deps.sbc):
            client.close()
        self.deps.ledger.dispose()
        if self.sandbox is not None:
            self.sandbox.stop()


def slack_client(settings: Settings, *, pacer: ChannelPacer | None = None) -> SlackClient:
    """The Web API client: 429s retried after their Retry-After, posts paced per channel
    (``JETHUB_SLACK_POSTS_PER_SECOND``, unless ``pacer`` is given), views.update conflicts
    retried once (`bot.edge.slack_limits`)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return SlackClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
        pacer=pacer or ChannelPacer(rate=settings.jethub_slack_posts_per_second),
    )


def policy(settings: Settings) -> Policy:
    return Policy(
        overdue_days=settings.jethub_overdue_days,
        overdue_min_balance=settings.jethub_overdue_min_balance,
        approval_ttl=settings.jethub_approval_ttl,
        suspend_requires_approval=settings.jethub_suspend_requires_approval,
        role_contact=settings.jethub_role_contact,
        snooze_days=settings.jethub_snooze_days,
        has_approvals_channel=bool(settings.jethub_approvals_channel),
        unsuspend_on_payment=settings.jethub_unsuspend_on_payment,
    )


def _sqlite_file(settings: Settings) -> Path | None:
    url = normalise_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def audit_key(settings: Settings, *, create: bool = True) -> AuditKey | None:
    """The ledger's key: ``JETHUB_AUDIT_KEY``, else the key file beside an embedded SQLite ledger
    (created on first use unless ``create`` is false). PostgreSQL needs the setting."""
    if settings.jethub_audit_key is not None:
        return AuditKey(settings.jethub_audit_key.get_secret_value())
    if normalise_url(settings.database_url).get_backend_name() != "sqlite":
        raise SettingsError("JETHUB_AUDIT_KEY is required when DATABASE_URL is not SQLite")
    database = _sqlite_file(settings)
    if database is None:
        return AuditKey.generate() if create else None  # an in-memory ledger lives as long
    path = key_file_for(database)
    if not create and not path.exists():
        return None
    try:
        return load_or_create_key_file(path)
    except (OSError, ValueError) as exc:
        raise SettingsError(f"cannot read or create the audit key file {path}: {exc}") from None


def secret_values(settings: Settings) -> list[str]:
    """Every configured secret, for the log filter that masks them."""
    fields = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.zuora_client_secret,
        settings.jethub_api_token,
        settings.sbc_api_token,
        settings.jethub_audit_key,
        settings.jethub_zuora_callout_password,
    )
    # The sandbox's placeholder credential is a word, not a secret: masking it would mangle text.
    values = [
        value.get_secret_value()
        for value in fields
        if value is not None and value.get_secret_value() != SANDBOX_CREDENTIAL
    ]
    if settings.jethub_audit_key is None:
        try:
            key = audit_key(settings, create=False)
        except SettingsError:
            key = None
        if key is not None:
            values.append(key.reveal())
    return values
