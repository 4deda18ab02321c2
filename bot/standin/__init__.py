"""A local stand-in for Slack that speaks Slack's protocol in both directions.

`FakeSlack` plays Slack's Web API and response URLs on loopback; `SlackSender` sends Slack's
signed requests (slash commands, interactions, events) to the bot over HTTP.
"""

from bot.standin.directory import BotIdentity, Team
from bot.standin.errors import SlackRejected, StandinError, UnknownTarget, WaitTimeout
from bot.standin.records import ApiCall, MessageRef, ResponseUrlPost
from bot.standin.requests import Response, Signing, SlackSender, sign
from bot.standin.server import LoopbackServer
from bot.standin.web_api import FakeSlack

__all__ = [
    "ApiCall",
    "BotIdentity",
    "FakeSlack",
    "LoopbackServer",
    "MessageRef",
    "Response",
    "ResponseUrlPost",
    "Signing",
    "SlackRejected",
    "SlackSender",
    "StandinError",
    "Team",
    "UnknownTarget",
    "WaitTimeout",
    "sign",
]
