"""Ack latency: signed requests dispatched in process through the real app vs a bare Bolt app.

Four requests — ``/jethub account 1001``, ``/jethub suspend 1001 x``, a ``verb:account`` button
click and the invoice-email modal's submission — are signed as Slack signs them and handed to
``App.dispatch(BoltRequest(body, headers))``. The clock runs from building the ``BoltRequest``
(what the HTTP adapter does) to ``dispatch`` returning the ack. The jethub app does what it does
in production before the ack: verify the signature, set a correlation id, insert the delivery's
id into the ledger (SQLite, the dedupe), resolve the user's roles and authorise.

Baselines, in the same run: a bare Bolt app with the same signing whose listeners only
``ack()``, with ``process_before_response`` off (Bolt's default: the listener runs on a thread
and the request thread polls for the ack every 10 ms) and on.

The jethub app's work after the ack (backend reads, the reply) runs on its worker pool; by
default the pool is drained between samples, untimed, so it does not share the CPU with the next
ack. ``overlapped`` rows measure the same acks with that work running concurrently.

    python -m bench.ack [--quick] [--samples N]
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient

from bench._common import (
    BOT_TOKEN,
    CHANNEL,
    OPERATOR,
    SIGNING_SECRET,
    Latency,
    demo_bot,
    machine,
    parser,
    ratio_line,
    safe_ratio,
)
from devkit.slack import FakeSlack, sign
from devkit.slack import payloads as slack_payloads

ACCOUNT = "1001"
INVOICE_EMAIL_MODAL = "changes.invoice_email_modal"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Signed:
    body: str
    headers: dict[str, str | Sequence[str]]


class Requests:
    """Builds each kind of request fresh (new trigger id, response URL, timestamp), signed."""

    def __init__(self, fake: FakeSlack, user: str = OPERATOR, channel: str = CHANNEL) -> None:
        self.fake = fake
        directory = fake.directory
        found_user, found_channel = directory.user(user), directory.channel(channel)
        assert found_user is not None and found_channel is not None
        self.user, self.channel = found_user, found_channel

    def _signed(self, body: str) -> Signed:
        stamp = str(int(time.time()))
        return Signed(
            body,
            {
                "content-type": FORM,
                "x-slack-request-timestamp": stamp,
                "x-slack-signature": sign(SIGNING_SECRET, stamp, body),
            },
        )

    def _payload(self, payload: dict[str, Any]) -> Signed:
        return self._signed(urlencode({"payload": json.dumps(payload)}))

    def command(self, text: str) -> Signed:
        fields = slack_payloads.slash_command(
            user=self.user,
            channel=self.channel,
            team=self.fake.team,
            bot=self.fake.bot,
            command="/jethub",
            text=text,
            trigger_id=self.fake.issue_trigger(self.user.id),
            response_url=self.fake.issue_response_url(self.user.id, self.channel.id),
        )
        return self._signed(urlencode(fields))

    def button(self, verb: str = "account", account: str = ACCOUNT) -> Signed:
        ts = f"{time.time():.6f}"
        action = {
            "action_id": f"verb:{verb}",
            "block_id": "actions",
            "type": "button",
            "text": {"type": "plain_text", "text": "View account"},
            "value": account,
            "action_ts": ts,
        }
        message = {"type": "message", "ts": "1700000000.000100", "text": "digest", "blocks": []}
        payload = slack_payloads.block_actions(
            user=self.user,
            team=self.fake.team,
            bot=self.fake.bot,
            trigger_id=self.fake.issue_trigger(self.user.id),
            actions=[action],
            container={
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": self.channel.id,
                "is_ephemeral": False,
            },
            state={"values": {}},
            channel=self.channel,
            message=message,
            response_url=self.fake.issue_response_url(self.user.id, self.channel.id),
        )
        return self._payload(payload)

    def modal_submission(self, email: str = "accounts@example.com.au") -> Signed:
        meta = json.dumps({"a": ACCOUNT, "c": self.channel.id, "p": ""})
        view = {
            "id": "V0BENCH",
            "team_id": self.fake.team.id,
            "type": "modal",
            "callback_id": INVOICE_EMAIL_MODAL,
            "private_metadata": meta,
            "blocks": [],
            "state": {"values": {"email": {"email": {"type": "plain_text_input", "value": email}}}},
            "hash": "1700000000.bench",
            "title": {"type": "plain_text", "text": "Invoice email"},
            "app_id": self.fake.bot.app_id,
            "bot_id": self.fake.bot.bot_id,
        }
        payload = slack_payloads.view_submission(
            user=self.user,
            team=self.fake.team,
            bot=self.fake.bot,
            trigger_id=self.fake.issue_trigger(self.user.id),
            view=view,
        )
        return self._payload(payload)


CASES: dict[str, Callable[[Requests], Signed]] = {
    "/jethub account 1001": lambda r: r.command(f"account {ACCOUNT}"),
    "/jethub suspend 1001 x": lambda r: r.command(f"suspend {ACCOUNT} x"),
    "button verb:account": lambda r: r.button(),
    "modal submission (invoice email)": lambda r: r.modal_submission(),
}


def bare_app(client: WebClient, *, process_before_response: bool) -> App:
    """Bolt with the same signing, whose listeners only ack."""
    app = App(
        signing_secret=SIGNING_SECRET,
        client=client,
        token_verification_enabled=False,
        process_before_response=process_before_response,
    )

    def just_ack(ack: Any) -> None:
        ack()

    app.command("/jethub")(just_ack)
    app.action(re.compile(r"^verb:"))(just_ack)
    app.view(INVOICE_EMAIL_MODAL)(just_ack)
    return app


def time_dispatch(app: App, signed: Signed) -> tuple[float, int]:
    started = time.perf_counter()
    response = app.dispatch(BoltRequest(body=signed.body, headers=signed.headers))
    return time.perf_counter() - started, response.status


class Burst:
    """Drains every ``size`` calls: the work after the ack overlaps the next acks."""

    def __init__(self, size: int, drain: Callable[[], None]) -> None:
        self.size, self.drain, self.count = size, drain, 0

    def __call__(self) -> None:
        self.count += 1
        if self.count % self.size == 0:
            self.drain()


def measure(
    app: App,
    requests: Requests,
    build: Callable[[Requests], Signed],
    samples: int,
    *,
    between: Callable[[], object] | None = None,
    warmup: int = 20,
) -> Latency:
    taken: list[float] = []
    for index in range(warmup + samples):
        signed = build(requests)
        seconds, status = time_dispatch(app, signed)
        if status != 200:
            raise SystemExit(f"the app answered {status}; the benchmark's request is wrong")
        if index >= warmup:
            taken.append(seconds)
        if between is not None:
            between()
    return Latency.of(taken)


def run(samples: int, *, overlapped: bool = True) -> float:
    from bot.app import create_app

    with demo_bot() as (fake, services, _sandbox):
        jethub = create_app(services)
        client = WebClient(token=BOT_TOKEN, base_url=fake.url)
        bare_off = bare_app(client, process_before_response=False)
        bare_on = bare_app(client, process_before_response=True)
        requests = Requests(fake)

        def drain() -> None:
            if not services.executor.wait_idle(timeout=60):
                raise SystemExit("the bot's work after the ack did not finish")

        print(f"ack latency, in-process dispatch — {machine()}, {samples} samples per row")
        jethub_p50s: list[float] = []
        off_p50s: list[float] = []
        for name, build in CASES.items():
            print(f"\n{name}")
            ours = measure(jethub, requests, build, samples, between=drain)
            off = measure(bare_off, requests, build, samples)
            on = measure(bare_on, requests, build, samples)
            print(ours.row("jethub (pool drained between samples)"))
            if overlapped:
                # Let the work pile up a little, as in a burst, then drain (untimed).
                busy = measure(jethub, requests, build, samples, between=Burst(16, drain))
                drain()
                print(busy.row("jethub (work after the ack overlapping)"))
            print(off.row("bare Bolt, process_before_response off"))
            print(on.row("bare Bolt, process_before_response on"))
            print(
                f"{'':<44} jethub/off p50 {safe_ratio(ours.p50_ms, off.p50_ms):.3f}  "
                f"jethub/on p50 {safe_ratio(ours.p50_ms, on.p50_ms):.2f}  "
                f"jethub/on p99 {safe_ratio(ours.p99_ms, on.p99_ms):.2f}"
            )
            jethub_p50s.append(ours.p50_ms)
            off_p50s.append(off.p50_ms)
        worst = max(jethub_p50s)
        print(f"\nworst jethub p50 {worst:.3f} ms (target ≤ 1 ms)")
        return safe_ratio(worst, min(off_p50s))


def main(argv: list[str] | None = None) -> None:
    args_parser = parser(__doc__.splitlines()[0])
    args_parser.add_argument("--samples", type=int, default=None, help="samples per row")
    args = args_parser.parse_args(argv)
    samples = args.samples or (300 if args.quick else 2000)
    ratio = run(samples, overlapped=not args.quick or samples >= 100)
    print(
        ratio_line(
            ratio, "worst jethub ack p50 / best bare Bolt p50 with process_before_response off"
        )
    )


if __name__ == "__main__":
    main()
