"""The App Home tab, drawn from the ledger each time a person opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.boundary import after_ack
from bot.services import Services
from bot.views.home import home_problem_view, home_view
from commands.home import home_for


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def on_home_opened(ack: Ack, event: dict[str, Any], client: WebClient) -> None:
        ack()
        user = str(event.get("user") or "")
        if event.get("tab") != "home" or not user:
            return

        def publish() -> None:
            summary = home_for(services.roles.actor(user), services.deps)
            client.views_publish(user_id=user, view=home_view(summary, services.settings.zone))

        def tell(text: str) -> None:  # the tab says what went wrong instead of staying blank
            client.views_publish(user_id=user, view=home_problem_view(text))

        after_ack(services, "home", publish, tell)
