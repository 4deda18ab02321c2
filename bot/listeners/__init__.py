"""Every listener, by the kind of request it answers:

- ``verbs``: ``/jethub <verb> …`` and the ``verb:<name>`` buttons (``verbs.dispatch``);
- ``actions``: the other buttons, by action id;
- ``submissions``: modals, by callback id;
- ``events``: App Home.

Each listener is a plain function of a typed turn (``bot.edge.turns``); ``register`` wires them all.
"""

from __future__ import annotations

from slack_bolt import App

from bot.edge.turns import on_click, on_event, on_submit
from bot.listeners import actions, dispatch, submissions
from bot.reading import home as events


def register(app: App) -> None:
    app.command("/jethub")(dispatch.on_command)
    app.action(dispatch.VERB_ACTION)(on_click(dispatch.on_verb_button))
    for action_id, click in actions.LISTENERS.items():
        app.action(action_id)(on_click(click))
    for callback_id, submit in submissions.LISTENERS.items():
        app.view(callback_id)(on_submit(submit))
    app.event("app_home_opened")(on_event(events.on_home_opened, events.home_problem))
