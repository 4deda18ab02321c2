"""Events: the App Home tab, drawn from the ledger each time a person opens it."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.edge.boundary import Message
from bot.edge.payloads import AppHomeOpened
from bot.edge.turns import Turn
from bot.reading.views.home import home_problem_view, home_view
from commands.reading.home import home_for


def on_home_opened(turn: Turn, opened: AppHomeOpened) -> None:
    if opened.tab != "home" or not opened.user:
        return
    summary = home_for(turn.actor, turn.deps)
    turn.client.views_publish(
        user_id=opened.user, view=home_view(summary, turn.services.settings.zone)
    )


def home_problem(client: WebClient, user: str, payload: Message) -> object:
    """The tab says what went wrong instead of staying blank."""
    return client.views_publish(user_id=user, view=home_problem_view(str(payload["text"])))
