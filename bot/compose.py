"""The composition root: settings and the backends in, everything the listeners and jobs need
out (``Services``). It hands each catalogue — action kinds, request looks, run faces — to what
uses them; nothing else wires, and nothing here starts a fake (``bot.cli`` hands the sandbox in).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from audit import Ledger, make_engine
from bot.catalogue import http_routes, register_error_words, request_looks, run_faces
from bot.digest.bulk import BulkSummaries
from bot.digest.rows import DigestRows
from bot.edge.slack_limits import ChannelPacer
from bot.reading.activity import ActivityFeed
from bot.runtime.masking import PROCESS
from bot.runtime.metrics import count_action, record_attempt
from bot.runtime.roles import RoleDirectory
from bot.runtime.services import (
    SANDBOX_CREDENTIAL,
    Services,
    audit_key,
    policy,
    secret_values,
    slack_client,
)
from bot.runtime.settings import Settings, SettingsError
from bot.runtime.workers import WorkPool
from bot.suspension.payments import PaymentNotices
from commands.actor import Role
from commands.catalogue import action_kinds
from commands.deps import LEDGER_BACKOFF, Deps
from integrations.http import RetryPolicy
from integrations.platform import PlatformClient
from integrations.sbc import SbcClient
from integrations.zuora import ZuoraClient


class BackendServer(Protocol):
    """A server answering for every backend (the built-in sandbox): its URL, and stopping it."""

    @property
    def url(self) -> str: ...

    def stop(self) -> object: ...


def _secret(value: object) -> str:
    return value.get_secret_value() if value is not None else SANDBOX_CREDENTIAL  # type: ignore[attr-defined]


def build_services(
    settings: Settings,
    *,
    sandbox: BackendServer | None = None,
    start_sandbox: Callable[[], BackendServer] | None = None,
    migrate: bool = True,
    workers: int = 16,
    pacer: ChannelPacer | None = None,
) -> Services:
    """Build ledger, backend clients and Slack client. Unset backend URLs use ``sandbox``, a
    backend server handed in — or started by ``start_sandbox`` once the ledger is up — and
    stopped with the services."""
    register_error_words()
    actions = action_kinds()  # the one catalogue of action kinds, handed to everything
    rules = policy(settings, actions)  # a bad approval policy file stops start-up here
    # The ledger first: a database that is down stops start-up before anything else runs.
    key = audit_key(settings)
    PROCESS.add(secret_values(settings))
    if key is not None:
        PROCESS.add(each.reveal() for each in key)
    ledger = Ledger(make_engine(settings.database_url), key=key)
    if migrate:
        try:
            ledger.upgrade()
        except BaseException:
            ledger.dispose()
            raise
    ledger.observers.append(count_action)

    if settings.uses_sandbox and sandbox is None and start_sandbox is not None:
        sandbox = start_sandbox()
    if settings.uses_sandbox and sandbox is None:
        ledger.dispose()
        raise SettingsError(
            "JETHUB_API_URL, ZUORA_BASE_URL and SBC_API_URL must all be set, or a sandbox "
            "handed in for the unset ones (the `jethub` commands start the built-in one)"
        )
    sandbox_url = sandbox.url if sandbox is not None else ""

    slack = slack_client(settings, pacer=pacer)
    grants = {
        Role.VIEWER: settings.jethub_viewers,
        Role.OPERATOR: settings.jethub_operators,
        Role.APPROVER: settings.jethub_approvers,
        Role.ADMIN: settings.jethub_admins,
    }
    roles = RoleDirectory(grants, client=slack, also=rules.approvals.groups).start()
    retry = RetryPolicy().scaled(settings.jethub_retry_pause_scale)
    deps = Deps(
        zuora=ZuoraClient(
            base_url=settings.zuora_base_url or sandbox_url,
            client_id=settings.zuora_client_id or SANDBOX_CREDENTIAL,
            client_secret=_secret(settings.zuora_client_secret),
            on_attempt=record_attempt,
            on_secret=lambda token: PROCESS.rotate("zuora access token", token),
            retry=retry,
        ),
        platform=PlatformClient(
            base_url=settings.jethub_api_url or sandbox_url,
            token=_secret(settings.jethub_api_token),
            on_attempt=record_attempt,
            retry=retry,
        ),
        sbc=SbcClient(
            base_url=settings.sbc_api_url or sandbox_url,
            token=_secret(settings.sbc_api_token),
            on_attempt=record_attempt,
            retry=retry,
        ),
        ledger=ledger,
        policy=rules,
        clock=settings.clock,
        actions=actions,
        # Approve, Retry and a resumed run ask whether the requester still holds the role.
        authority=roles.holds,
        # A destructive decision re-reads the decider's user groups from Slack before it commits.
        membership=roles.confirm,
        listed=roles.listed,  # who the approval policy names (users, user groups)
        ledger_backoff=tuple(p * settings.jethub_ledger_backoff_scale for p in LEDGER_BACKOFF),
    )
    executor = WorkPool(max_workers=workers)
    if settings.jethub_activity_channel:
        ledger.observers.append(
            ActivityFeed(settings.jethub_activity_channel, deps, slack, executor)
        )
    if settings.jethub_digest_channel:
        ledger.observers.append(DigestRows(deps, slack, executor, settings.zone))
    ledger.observers.append(BulkSummaries(deps, slack, executor))
    ledger.observers.append(
        PaymentNotices(deps, slack, executor, settings.jethub_digest_channel, settings.zone)
    )
    return Services(
        settings=settings,
        deps=deps,
        slack=slack,
        roles=roles,
        executor=executor,
        sandbox=sandbox,
        looks=request_looks(),
        faces=run_faces(),
        routes=http_routes(),
    )
