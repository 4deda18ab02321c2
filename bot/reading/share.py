"""*Share in channel* on a change's result: the change as recorded, posted where it was clicked.

The button names the run; what is shared is read from the run's record (``finished_run``),
never from the payload, so a shared result is the truth even if the message shown was old.
"""

from __future__ import annotations

from bot.edge.codecs import NotValidAnyMore, RecordRef
from bot.edge.turns import Click
from bot.reading.views.activity import shared_change
from bot.runs.share import SHARE_CHANGE_ACTION
from commands.actor import Role
from commands.reading.activity import finished_run, people
from commands.trail import authorize


def on_share_change(click: Click) -> None:
    run_id = click.value(RecordRef).id
    change = finished_run(click.deps, run_id)
    authorize(
        click.deps,
        click.actor,
        Role.VIEWER,
        action="share",
        to="share a result",
        account=change.account if change is not None else None,
    )
    if change is None:
        raise NotValidAnyMore()
    by, approved_by = people(click.deps, change)
    click.share(shared_change(change, by, approved_by=approved_by, shared_by=click.actor.user_id))


LISTENERS = {SHARE_CHANGE_ACTION: on_share_change}
