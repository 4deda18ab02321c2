"""The load generator for ``bench.http_load``, run in its own process so that its CPU does not
share the server's GIL: ``clients`` threads, each on one keep-alive connection, send signed
slash commands back to back for ``seconds`` and report every latency as JSON on stdout.

    python -m bench._load URL SECRET SECONDS CLIENTS TEXT RESPONSE_BASE
"""

from __future__ import annotations

import http.client
import json
import secrets
import sys
import threading
import time
from urllib.parse import urlencode, urlsplit

from bot.standin import sign


def slash_body(text: str, response_base: str) -> bytes:
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
        "response_url": f"{response_base}response/R{secrets.token_hex(8).upper()}",
        "trigger_id": f"{int(time.time())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}",
    }
    return urlencode(fields).encode()


def client(
    url: str, secret: str, until: float, text: str, base: str, out: list[float], errors: list[str]
) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    while time.monotonic() < until:
        body = slash_body(text, base)
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": sign(secret, stamp, body),
        }
        started = time.perf_counter()
        try:
            connection.request("POST", parts.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            connection.close()
            connection = http.client.HTTPConnection(
                parts.hostname or "127.0.0.1", parts.port, timeout=30
            )
            continue
        taken = time.perf_counter() - started
        if response.status == 200:
            out.append(taken)
        else:
            errors.append(str(response.status))
    connection.close()


def main() -> None:
    url, secret, seconds, clients, text, base = sys.argv[1:7]
    until = time.monotonic() + float(seconds)
    latencies: list[float] = []
    errors: list[str] = []
    started = time.monotonic()
    threads = [
        threading.Thread(target=client, args=(url, secret, until, text, base, latencies, errors))
        for _ in range(int(clients))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    json.dump({"latencies": latencies, "errors": errors, "elapsed": elapsed}, sys.stdout)


if __name__ == "__main__":
    main()
