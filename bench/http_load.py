"""HTTP under load: the production server (waitress) on loopback, 50 concurrent clients sending
signed slash commands, against a bare Bolt app that only acks, on the same server.

The jethub app is measured twice: with ``/jethub help`` (answered in the ack: signature, the
dedupe insert into the SQLite ledger, the reply) and with ``/jethub account 1001`` (role check
in the ack, then backend reads and the reply on the worker pool, competing with the acks for
the same CPU). The backends are the demo sandbox in its own process; the load generator is
another process (``bench._load``). Latency is the client's, from sending to the whole answer.

    python -m bench.http_load [--quick] [--seconds S] [--clients N]
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bench._common import (
    BOT_TOKEN,
    SIGNING_SECRET,
    Latency,
    demo_bot,
    machine,
    parser,
    ratio_line,
    safe_ratio,
)


@dataclass(frozen=True)
class LoadResult:
    latency: Latency
    errors: int
    throughput: float

    def row(self, label: str) -> str:
        return f"{self.latency.row(label)}  {self.throughput:7.0f} req/s  errors {self.errors}"


def load(url: str, *, seconds: float, clients: int, text: str, response_base: str) -> LoadResult:
    answer = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench._load",
            f"{url}/slack/events",
            SIGNING_SECRET,
            str(seconds),
            str(clients),
            text,
            response_base,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    data: dict[str, Any] = json.loads(answer.stdout)
    latencies = data["latencies"]
    return LoadResult(Latency.of(latencies), len(data["errors"]), len(latencies) / data["elapsed"])


def bare_app(client: WebClient) -> App:
    app = App(
        signing_secret=SIGNING_SECRET,
        client=client,
        token_verification_enabled=False,
        process_before_response=True,
    )

    @app.command("/jethub")
    def just_ack(ack: Any) -> None:
        ack()

    return app


def run(seconds: float, clients: int) -> float:
    from bot.app import create_app
    from bot.serving import BackgroundServer
    from bot.web import WebApp

    with demo_bot() as (fake, services):
        bare_handler = SlackRequestHandler(bare_app(WebClient(token=BOT_TOKEN, base_url=fake.url)))
        jethub_server = BackgroundServer(WebApp(create_app(services), services)).start()
        bare_server = BackgroundServer(bare_handler).start()  # type: ignore[arg-type]
        try:
            print(
                f"HTTP under load — waitress (8 threads) on loopback, {clients} clients, "
                f"{seconds:g} s per row — {machine()}"
            )

            def measure(url: str, text: str) -> LoadResult:
                return load(
                    url,
                    seconds=seconds,
                    clients=clients,
                    text=text,
                    response_base=fake.base_url,
                )

            bare = measure(bare_server.url, "account 1001")
            print(bare.row("bare Bolt (acks at once)"))
            helped = measure(jethub_server.url, "help")
            print(helped.row("jethub /jethub help (answered in the ack)"))
            services.executor.wait_idle(timeout=120)
            account = measure(jethub_server.url, "account 1001")
            print(account.row("jethub /jethub account 1001 (+ work)"))
            drained = services.executor.wait_idle(timeout=300)
            print(f"work after the ack drained afterwards: {drained}")
            for label, result in (("help", helped), ("account", account)):
                p50 = safe_ratio(result.latency.p50_ms, bare.latency.p50_ms)
                p99 = safe_ratio(result.latency.p99_ms, bare.latency.p99_ms)
                rate = safe_ratio(result.throughput, bare.throughput)
                print(f"{label:>8} vs bare: p50 {p50:.2f}x  p99 {p99:.2f}x  throughput {rate:.2f}x")
            return safe_ratio(account.latency.p99_ms, bare.latency.p99_ms)
        finally:
            jethub_server.stop()
            bare_server.stop()


def main(argv: list[str] | None = None) -> None:
    args_parser = parser(__doc__.splitlines()[0])
    args_parser.add_argument("--seconds", type=float, default=None, help="seconds per row")
    args_parser.add_argument("--clients", type=int, default=50)
    args = args_parser.parse_args(argv)
    seconds = args.seconds or (3.0 if args.quick else 20.0)
    ratio = run(seconds, args.clients)
    print(ratio_line(ratio, "jethub /jethub account p99 / bare Bolt p99, same server and load"))


if __name__ == "__main__":
    main()
