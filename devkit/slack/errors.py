"""Errors raised by the Slack stand-in to the test or tool driving it (not to the bot).

StandinError
├── WaitTimeout      wait_for() gave up before its condition held
├── UnknownTarget    a message, view or action the sender was asked to use does not exist
└── SlackRejected    the bot answered in a way Slack itself would refuse
"""

from __future__ import annotations


class StandinError(Exception):
    """Root of the stand-in's own errors."""


class WaitTimeout(StandinError, TimeoutError):
    """The condition given to `FakeSlack.wait_for` did not hold in time."""


class UnknownTarget(StandinError, LookupError):
    """The sender was asked to act on something Slack would not show the user."""


class SlackRejected(StandinError):
    """The bot's answer breaks Slack's protocol (Slack would show the user an error)."""

    def __init__(self, message: str, *, body: str = "") -> None:
        super().__init__(message)
        self.body = body
