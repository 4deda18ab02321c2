"""Every listener, by the kind of request it answers:

- ``verbs``: ``/jethub <verb> …`` and the ``verb:<name>`` buttons (``verbs.dispatch``);
- ``actions``: the other buttons, by action id;
- ``submissions``: modals, by callback id;
- ``events``: App Home.

Each listener is a plain function of a typed turn (``bot.turns``); ``register`` wires them all.
"""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, events, submissions
from bot.listeners.verbs import dispatch
from bot.services import Services
from bot.turns import on_click, on_event, on_submit


def register(app: App, services: Services) -> None:
    app.command("/jethub")(dispatch.on_command)
    app.action(dispatch.VERB_ACTION)(dispatch.on_verb_button)
    for action_id, click in actions.LISTENERS.items():
        app.action(action_id)(on_click(click))
    for callback_id, submit in submissions.LISTENERS.items():
        app.view(callback_id)(on_submit(submit))
    app.event("app_home_opened")(on_event(events.on_home_opened, events.home_problem))
    _legacy(app, services)


def _legacy(app: App, services: Services) -> None:
    """TRANSITIONAL: the listener modules not yet moved to the layout above."""
    from bot.listeners import digest, override, slash, suspension

    router = slash.VerbRouter()

    @app.middleware
    def legacy_verbs(req, resp, next):  # type: ignore[no-untyped-def]
        req.context["legacy_verbs"] = router
        return next()

    digest.register(app, services, router)
    suspension.register(app, services, router)
    override.register(app, services, router)
