"""A bare Bolt app that only acks ``/jethub``, served by waitress as jethub is, in its own
process: ``bench.http_load``'s baseline.

    python -m bench._bare PORT SIGNING_SECRET SLACK_API_URL BOT_TOKEN

(Bolt checks the bot token with ``auth.test`` on the first request: the FakeSlack answers.)
"""

from __future__ import annotations

import sys
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def bare_app(signing_secret: str, api_url: str, token: str) -> App:
    app = App(
        signing_secret=signing_secret,
        client=WebClient(token=token, base_url=api_url),
        token_verification_enabled=False,
        process_before_response=True,
    )

    @app.command("/jethub")
    def just_ack(ack: Any) -> None:
        ack()

    return app


def main() -> None:
    from waitress import serve

    port, secret, api_url, token = int(sys.argv[1]), *sys.argv[2:5]
    app = bare_app(secret, api_url, token)
    serve(SlackRequestHandler(app), host="127.0.0.1", port=port, threads=16)


if __name__ == "__main__":
    main()
