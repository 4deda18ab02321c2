"""What every listener and job is handed (``Services``), and the settings-derived pieces the
composition root (``bot.compose``) builds it from: the Slack client, the policy, the audit key
and the secrets to mask. This module names no feature."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.edge.replies import ReplyPoster
from bot.edge.slack_limits import ChannelPacer, ResponseUrlBook, SlackClient
from bot.runtime.approval_policy import load_approval_policy
from bot.runtime.keys import SANDBOX_CREDENTIAL, audit_key, secret_values
from bot.runtime.roles import RoleDirectory
from bot.runtime.settings import Settings
from bot.runtime.workers import WorkPool
from commands.deps import Deps, Policy
from commands.kinds import ActionKinds

if TYPE_CHECKING:
    from bot.approvals.requests import RequestLooks
    from bot.runs.faces import RunFaces

__all__ = ["SANDBOX_CREDENTIAL", "Services", "audit_key", "policy", "secret_values", "slack_client"]

log = logging.getLogger(__name__)


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
    replies: ReplyPoster = field(default_factory=ReplyPoster)
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
        self.replies.close()
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


def policy(settings: Settings, actions: ActionKinds) -> Policy:
    """The thresholds every feature shares, the approval policy file read and checked against
    the catalogue of kinds (a bad file stops start-up naming the key)."""
    return Policy(
        overdue_days=settings.jethub_overdue_days,
        overdue_min_balance=settings.jethub_overdue_min_balance,
        approval_ttl=settings.jethub_approval_ttl,
        suspend_requires_approval=settings.jethub_suspend_requires_approval,
        role_contact=settings.jethub_role_contact,
        snooze_days=settings.jethub_snooze_days,
        promise_max_days=settings.jethub_promise_max_days,
        has_approvals_channel=bool(settings.jethub_approvals_channel),
        unsuspend_on_payment=settings.jethub_unsuspend_on_payment,
        deactivation_delay=settings.jethub_deactivation_delay,
        quarantine_days=settings.jethub_quarantine_days,
        approvals=load_approval_policy(settings.jethub_approval_policy, actions.measures()),
    )
