"""A finding's fix button: the fix it names, for whoever pressed it (``apply_fix`` checks the
role and the finding again); a run it leaves is worked and told; "Tell billing" posts the
finding to the billing channel."""

from __future__ import annotations

from bot.edge.codecs import NotValidAnyMore
from bot.edge.turns import Click
from bot.reconcile.codecs import FixRef
from bot.reconcile.views import FIX_ACTIONS, billing_note, fixed_message
from bot.runs.runner import work_run
from commands.errors import Conflict
from commands.reconcile.fixes import FixOrder, apply_fix
from commands.reconcile.models import TELL_BILLING


def on_fix(click: Click) -> None:
    ref = click.value(FixRef)
    if FIX_ACTIONS.get(ref.fix) != click.clicked.clicked.action_id:
        raise NotValidAnyMore()
    settings = click.services.settings
    billing = settings.jethub_billing_channel
    if ref.fix == TELL_BILLING and not billing:
        raise Conflict("No billing channel is set (JETHUB_BILLING_CHANNEL): nothing was sent.")
    order = FixOrder(account=ref.account, check=ref.check, fix=ref.fix, run_id=ref.run_id or None)
    fixed = apply_fix(order, click.actor, click.deps)
    if fixed.tell_billing and billing:
        note = billing_note(fixed, click.actor.user_id, zuora_url=settings.zuora_ui_url)
        click.client.chat_postMessage(channel=billing, **note)
    if fixed.work_run and fixed.run_id:
        work_run(click.services, click.client, fixed.run_id)
    click.say(fixed_message(fixed, click.actor.user_id))


LISTENERS = dict.fromkeys(FIX_ACTIONS.values(), on_fix)
