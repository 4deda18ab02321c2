"""The composition root: settings in, everything the listeners need out. Nothing else wires."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from audit import Ledger, make_engine
from bot.approvals.requests import RequestLooks, request_looks
from bot.digest.rows import DigestRows
from bot.edge.slack_limits import ChannelPacer, ResponseUrlBook, SlackClient
from bot.reading.activity import ActivityFeed
from bot.runtime.keys import SANDBOX_CREDENTIAL, audit_key, secret_values
from bot.runtime.masking import PROCESS
from bot.runtime.metrics import count_action, record_attempt
from bot.runtime.roles import RoleDirectory
from bot.runtime.settings import Settings
from bot.runtime.workers import WorkPool
from commands.actor import Role
from commands.catalogue import action_kinds
from commands.deps import LEDGER_BACKOFF, Deps, Policy
from integrations.platform import PlatformClient
from integrations.sbc import SbcClient
from integrations.zuora import ZuoraClient

if TYPE_CHECKING:
    from devkit.sandbox import Sandbox

__all__ = ["SANDBOX_CREDENTIAL", "Services", "audit_key", "build_services", "secret_values"]

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    deps: Deps
    slack: SlackClient
    roles: RoleDirectory
    executor: WorkPool
    sandbox: Sandbox | None = None
    response_urls: ResponseUrlBook = field(default_factory=ResponseUrlBook)
    # How each kind of approval request is drawn: the same in every process (web, clock…).
    looks: RequestLooks = field(default_factory=request_looks)
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
    )


def _secret(value: object) -> str:
    return value.get_secret_value() if value is not None else SANDBOX_CREDENTIAL  # type: ignore[attr-defined]


def build_services(
    settings: Settings,
    *,
    sandbox: Sandbox | None = None,
    migrate: bool = True,
    workers: int = 16,
    pacer: ChannelPacer | None = None,
) -> Services:
    """Build ledger, backend clients and Slack client. Unset backend URLs use the sandbox."""
    # The ledger first: a database that is down stops start-up before anything else runs.
    key = audit_key(settings)
    PROCESS.add(secret_values(settings))
    if key is not None:
        PROCESS.add([key.reveal()])
    ledger = Ledger(make_engine(settings.database_url), key=key)
    if migrate:
        try:
            ledger.upgrade()
        except BaseException:
            ledger.dispose()
            raise
    ledger.observers.append(count_action)

    if settings.uses_sandbox and sandbox is None:
        from devkit.sandbox import Sandbox, demo_world

        sandbox = Sandbox(world=demo_world(clock=settings.clock)).start(host="127.0.0.1", port=0)
        log.info("using the built-in sandbox for unset backends", extra={"sandbox": sandbox.url})
    sandbox_url = sandbox.url if sandbox is not None else ""

    slack = slack_client(settings, pacer=pacer)
    grants = {
        Role.VIEWER: settings.jethub_viewers,
        Role.OPERATOR: settings.jethub_operators,
        Role.APPROVER: settings.jethub_approvers,
        Role.ADMIN: settings.jethub_admins,
    }
    roles = RoleDirectory(grants, client=slack).start()
    deps = Deps(
        zuora=ZuoraClient(
            base_url=settings.zuora_base_url or sandbox_url,
            client_id=settings.zuora_client_id or SANDBOX_CREDENTIAL,
            client_secret=_secret(settings.zuora_client_secret),
            on_attempt=record_attempt,
        ),
        platform=PlatformClient(
            base_url=settings.jethub_api_url or sandbox_url,
            token=_secret(settings.jethub_api_token),
            on_attempt=record_attempt,
        ),
        sbc=SbcClient(
            base_url=settings.sbc_api_url or sandbox_url,
            token=_secret(settings.sbc_api_token),
            on_attempt=record_attempt,
        ),
        ledger=ledger,
        policy=policy(settings),
        clock=settings.clock,
        actions=action_kinds(),  # the one catalogue of action kinds, handed to everything
        # Approve, Retry and a resumed run ask whether the requester still holds the role.
        authority=roles.holds,
        ledger_backoff=tuple(p * settings.jethub_ledger_backoff_scale for p in LEDGER_BACKOFF),
    )
    executor = WorkPool(max_workers=workers)
    if settings.jethub_activity_channel:
        ledger.observers.append(
            ActivityFeed(settings.jethub_activity_channel, deps, slack, executor)
        )
    if settings.jethub_digest_channel:
        ledger.observers.append(DigestRows(deps, slack, executor, settings.zone))
    return Services(
        settings=settings,
        deps=deps,
        slack=slack,
        roles=roles,
        executor=executor,
        sandbox=sandbox,
        looks=request_looks(),
    )
