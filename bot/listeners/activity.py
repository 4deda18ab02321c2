"""*Share in channel* on a change's result: the change as recorded, posted where it was clicked.

The button names the run; what is shared is read from the run's record (``finished_run``),
never from the payload, so a shared result is the truth even if the message shown was old.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.boundary import after_ack
from bot.services import Services
from bot.views.activity import SHARE_CHANGE_ACTION, shared_change
from commands.activity import finished_run, people
from commands.actor import Role
from commands.trail import authorize

NOT_VALID = "That button is not valid any more."


def register(app: App, services: Services) -> None:
    deps = services.deps

    @app.action(SHARE_CHANGE_ACTION)
    def on_share(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        run_id = str(action.get("value") or "")
        user = str(body["user"]["id"])

        def tell(text: str) -> object:
            return respond(text=text, response_type="ephemeral", replace_original=False)

        def share() -> None:
            change = finished_run(deps, run_id)
            authorize(
                deps,
                services.roles.actor(user),
                Role.VIEWER,
                action="share",
                to="share a result",
                account=change.account if change is not None else None,
            )
            if change is None:
                tell(NOT_VALID)
                return
            by, approved_by = people(deps, change)
            payload = shared_change(change, by, approved_by=approved_by, shared_by=user)
            respond(response_type="in_channel", replace_original=False, **payload)

        after_ack(services, SHARE_CHANGE_ACTION, share, tell)
