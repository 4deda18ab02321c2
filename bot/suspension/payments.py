"""Zuora tells the bot a customer paid: ``POST /zuora/events`` on the web process, and what the
team hears of it.

The endpoint is Zuora's Workflow (or Notification) callout, configured as ``docs/collections.md``
says: HTTP Basic with ``JETHUB_ZUORA_CALLOUT_USER`` / ``JETHUB_ZUORA_CALLOUT_PASSWORD`` (compared
in constant time; the endpoint answers 404 while either is unset), and the JSON body
``{"event": "payment.processed", "accountNumber", "paymentNumber", "amount"}``. Wrong credentials
→ 401 and nothing else; a body that is not that → 400 naming what is wrong; otherwise 202 at
once, and the work — finding the Jet Hub accounts billed on that Zuora account, then
``commands.suspension.paid.decide`` for each — runs after the answer on the work pool. An unknown
account is logged. A callout whose work fails (a backend down) is logged too; the clock's check
(``bot.suspension.backstop``) finds the payment later.

``PaymentNotices`` is a ledger observer (like the activity feed): once a payment decision or the
bot's own lift is committed, in whichever process committed it, it tells the team — the
suspender by DM and the digest channel for a lift, the digest channel for a question (with
Unsuspend), a part payment or a suspension the bot does not lift.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from audit.models import AuditEvent
from bot.edge.slack_limits import SlackClient
from bot.runtime.workers import WorkPool
from bot.suspension import payment_views as views
from commands.deps import Deps
from commands.runs.kinds import SYSTEM
from commands.suspension.models import UNSUSPEND, SuspensionState
from commands.suspension.paid import PAYMENT_ACTION, PaidPayment, PaymentReceived, decide

if TYPE_CHECKING:
    from bot.runtime.services import Services

log = logging.getLogger(__name__)

CALLOUT_PATH = "/zuora/events"
MAX_CALLOUT_BODY = 64 * 1024  # a callout is a few hundred bytes
StartResponse = Callable[..., Any]


# -- the endpoint -------------------------------------------------------------------------------


def _answer(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    if status.startswith("401"):
        headers.append(("WWW-Authenticate", 'Basic realm="jethub zuora callout"'))
    start_response(status, headers)
    return [data]


def authorised(header: str, user: str, password: str) -> bool:
    """HTTP Basic credentials in ``header`` are ``user`` and ``password`` (constant time)."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    given_user, colon, given_password = given.partition(b":")
    same_user = secrets.compare_digest(given_user, user.encode())
    same_password = secrets.compare_digest(given_password, password.encode())
    return bool(colon) and same_user & same_password


def read_payment(body: bytes) -> PaymentReceived:
    """The callout's body as a payment hint; ValueError saying what is wrong."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("the body is not JSON") from None
    if not isinstance(data, dict):
        raise ValueError("the body is not a JSON object")
    try:
        return PaymentReceived.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ValueError(f"{where}: {first['msg']}") from None


def zuora_events(
    services: Services, environ: dict[str, Any], start_response: StartResponse
) -> Iterable[bytes]:
    """``POST /zuora/events``: checked and answered at once; the work goes to the pool."""
    credentials = services.settings.callout_credentials
    if credentials is None:
        return _answer(start_response, "404 Not Found", {"error": "not found"})
    if not authorised(str(environ.get("HTTP_AUTHORIZATION") or ""), *credentials):
        log.info("refused a Zuora callout: wrong or missing credentials")
        return _answer(start_response, "401 Unauthorized", {"error": "unauthorized"})
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if not 0 < length <= MAX_CALLOUT_BODY:
        return _answer(start_response, "400 Bad Request", {"error": "a JSON body up to 64 KiB"})
    try:
        payment = read_payment(environ["wsgi.input"].read(length))
    except ValueError as exc:
        log.warning("refused a Zuora callout (400): %s", exc)
        return _answer(start_response, "400 Bad Request", {"error": str(exc)})
    services.executor.submit(settle_payment, services.deps, payment)
    return _answer(start_response, "202 Accepted", {"accepted": payment.payment_number})


def settle_payment(deps: Deps, payment: PaymentReceived) -> None:
    """After the answer: every Jet Hub account billed on the Zuora account, decided."""
    try:
        accounts = deps.platform.accounts_with_zuora_number(payment.account_number)
        if not accounts:
            log.warning(
                "Zuora callout for payment %s names account %s, which bills no Jet Hub account",
                payment.payment_number,
                payment.account_number,
            )
        for account in accounts:
            decided = decide(deps, account.id, source="callout", hint=payment)
            log.info("payment %s on %s: %r", payment.payment_number, account.id, decided)
    except Exception as exc:  # the pool's boundary: the clock's check finds the payment later
        log.warning(
            "could not act on Zuora's callout for payment %s: %s",
            payment.payment_number,
            type(exc).__name__,
        )


# -- telling the team ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentNotices:
    deps: Deps
    slack: SlackClient
    executor: WorkPool
    channel: str | None  # JETHUB_DIGEST_CHANNEL
    zone: ZoneInfo

    def __call__(self, event: AuditEvent) -> None:
        if str(event.outcome) != "ok" or not event.account:
            return
        details = dict(event.details or {})
        if event.action == PAYMENT_ACTION:
            self._decided(event.account, details)
        elif event.action == UNSUSPEND and event.actor == SYSTEM:
            self._lifted(event.account, details)

    def _decided(self, account: str, details: dict[str, Any]) -> None:
        recorded = views.Recorded.of(details)
        draw = {
            "asked": views.ask_message,
            "partial": views.partial_message,
            "reported": views.reported_message,
        }.get(recorded.decision if recorded else "")
        if recorded is not None and draw is not None and self.channel:
            self.executor.submit(self._post, self.channel, draw(account, recorded, zone=self.zone))

    def _lifted(self, account: str, details: dict[str, Any]) -> None:
        try:
            payments = [PaidPayment.model_validate(p) for p in details.get("payments") or []]
            before = (details.get("before") or {}).get("suspended")
            was = SuspensionState.model_validate(before) if before else None
        except ValidationError:
            return
        payload = views.lifted_message(account, payments, was, zone=self.zone)
        suspender = details.get("suspended_by")
        if isinstance(suspender, str) and suspender.startswith(("U", "W")):
            self.executor.submit(self._post, suspender, payload)
        if self.channel:
            self.executor.submit(self._post, self.channel, payload)

    def _post(self, channel: str, payload: dict[str, Any]) -> None:
        try:
            self.slack.chat_postMessage(channel=channel, **payload)
        except (SlackClientError, OSError, SQLAlchemyError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else repr(exc)
            log.warning("could not tell the team about a payment: %s", error)
