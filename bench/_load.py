"""The open-loop load generator for ``bench.http_load``, in its own process so that its CPU does
not share the server's GIL.

Request ``i`` is due at ``start + i / rate`` whatever happened to the ones before (open loop:
a slow server does not slow the sender down, as Slack's users do not wait for each other).
A pool of sender threads, each on its own keep-alive connection, sends each request when due;
its latency is counted from when it was *due*, so a request that waited for a free sender is
not flattered. Response URLs come from a file (the FakeSlack issued them), one per request.

    python -m bench._load URL SECRET RATE SECONDS TEXT URLS_FILE [SENDERS]

Prints two JSON lines: ``{"sent": n}`` when the last request is handed to a sender, then every
latency in seconds (index order; ``inf`` for a failed request), the errors, and how long sending
took.
"""

from __future__ import annotations

import http.client
import json
import queue
import secrets
import sys
import threading
import time
from urllib.parse import urlencode, urlsplit

from devkit.slack import sign

TIMEOUT = 30.0


def slash_body(text: str, response_url: str) -> bytes:
    fields = {
        "token": "legacy-verification-token",
        "team_id": "T0JETHUB",
        "team_domain": "jethub",
        "channel_id": "C0SUPPORT",
        "channel_name": "support",
        "user_id": "U0ALICE",
        "user_name": "alice",
        "command": "/jethub",
        "text": text,
        "api_app_id": "A0JETHUB",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{int(time.time())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}",
    }
    return urlencode(fields).encode()


class Sender(threading.Thread):
    def __init__(
        self,
        url: str,
        secret: str,
        text: str,
        due: queue.Queue[tuple[int, float, str] | None],
        latencies: list[float],
        errors: list[str],
    ) -> None:
        super().__init__(daemon=True)
        self.parts = urlsplit(url)
        self.secret, self.text, self.due = secret, text, due
        self.latencies, self.errors = latencies, errors
        self.connection: http.client.HTTPConnection | None = None

    def connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            host, port = self.parts.hostname or "127.0.0.1", self.parts.port
            self.connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        return self.connection

    def run(self) -> None:
        while (item := self.due.get()) is not None:
            index, due_at, response_url = item
            body = slash_body(self.text, response_url)
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": sign(self.secret, stamp, body),
            }
            try:
                connection = self.connect()
                connection.request("POST", self.parts.path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                status = 0
                self.errors.append(type(exc).__name__)
                if self.connection is not None:
                    self.connection.close()
                self.connection = None
            taken = time.monotonic() - due_at
            self.latencies[index] = taken if status == 200 else float("inf")
            if status not in (0, 200):
                self.errors.append(str(status))


def main() -> None:
    url, secret, rate, seconds, text, urls_file = sys.argv[1:7]
    # Under waitress's 100 connections a process: more would be refused, not measured.
    senders = int(sys.argv[7]) if len(sys.argv) > 7 else 90
    with open(urls_file, encoding="utf-8") as lines:
        response_urls = [line.strip() for line in lines if line.strip()]
    count = min(len(response_urls), int(float(rate) * float(seconds)))
    latencies = [float("nan")] * count
    errors: list[str] = []
    due: queue.Queue[tuple[int, float, str] | None] = queue.Queue()
    pool = [Sender(url, secret, text, due, latencies, errors) for _ in range(senders)]
    for sender in pool:
        sender.start()
    start = time.monotonic() + 0.2
    interval = 1.0 / float(rate)
    for index in range(count):
        due_at = start + index * interval
        delay = due_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        due.put((index, due_at, response_urls[index]))
    sent_until = time.monotonic() - start
    # The first line says sending is over (the bench then looks at the backlog); the second,
    # once every answer is in, has the figures.
    print(json.dumps({"sent": count}), flush=True)
    for _ in pool:
        due.put(None)
    for sender in pool:
        sender.join()
    print(json.dumps({"latencies": latencies, "errors": errors, "sending_s": sent_until}))


if __name__ == "__main__":
    main()
