"""A local stand-in for Slack that speaks Slack's protocol in both directions.

`FakeSlack` plays Slack's Web API and response URLs on loopback; `SlackSender` sends Slack's
signed requests (slash commands, interactions, events) to the bot over HTTP.

    fake = FakeSlack(bot_token="xoxb-test-token").start()      # SLACK_API_URL = fake.url
    send = SlackSender("http://127.0.0.1:3000/slack/events", signing_secret, fake)
    send.command("U0ALICE", "suspend 1001", channel="C0SUPPORT")
    [reply] = fake.wait_for(lambda: fake.ephemerals("U0ALICE"))
    [request] = fake.wait_for(lambda: fake.messages("C0APPROVALS"))
    send.block_action("U0BOB", "approve", message=request)
    fake.stop()

Socket Mode: the app connects to `fake.socket_mode` through `apps.connections.open` (with the
app-level token, `fake.app_token`); `SocketModeSender(fake)` then sends the same user actions as
envelopes and reads the app's acknowledgements.
"""

from devkit.slack.directory import BotIdentity, Team
from devkit.slack.errors import SlackRejected, StandinError, UnknownTarget, WaitTimeout
from devkit.slack.records import ApiCall, MessageRef, Response, ResponseUrlPost
from devkit.slack.sender import SlackSender
from devkit.slack.server import LoopbackServer
from devkit.slack.signing import Signing, sign
from devkit.slack.socket_mode import NotConnected, SocketModeServer
from devkit.slack.socket_sender import SocketModeSender
from devkit.slack.web_api import FakeSlack

__all__ = [
    "ApiCall",
    "BotIdentity",
    "FakeSlack",
    "LoopbackServer",
    "MessageRef",
    "NotConnected",
    "Response",
    "ResponseUrlPost",
    "Signing",
    "SlackRejected",
    "SlackSender",
    "SocketModeSender",
    "SocketModeServer",
    "StandinError",
    "Team",
    "UnknownTarget",
    "WaitTimeout",
    "sign",
]
