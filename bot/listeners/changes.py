"""Listeners for the account changes: the ``edit``, ``invoice-email`` and ``refresh-auth`` verbs,
the PBX and emergency buttons of the read views, the modals' submissions and the Retry of a
half-done edit.

Each listener acks first. Role checks happen in the ack (settings and ledger only); a modal that
needs backend data opens a loading view with the trigger id at once and fills it when the
backends answer. Submissions are validated in the ack so errors land on their field; the few
checks that need a backend (a parent's place in the hierarchy, a subscription's owner) get a
short time budget there. The change itself runs after the ack and is reported to the person,
ephemerally, in the channel they started from.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.blocks import esc, message, section
from bot.boundary import user_message
from bot.listeners.slash import Notify, VerbCall, VerbRouter, after_ack_text
from bot.services import Services
from bot.views import auth_rules as auth_views
from bot.views import change_modal
from bot.views import edit as edit_views
from bot.views import emergency as emergency_views
from bot.views import invoice_email as invoice_email_views
from bot.views import pbx as pbx_views
from bot.views.change_modal import ModalContext
from commands.actor import Actor, Role
from commands.auth_rules import refresh_auth_rules
from commands.changes import order
from commands.edit import (
    EditIncomplete,
    RenameAccount,
    SetParent,
    check_parent,
    load_edit_form,
    rename_account,
    set_parent,
)
from commands.emergency import (
    AddressRejected,
    SaveEmergency,
    address_digest,
    address_from_form,
    check_address,
    pull_from_zuora,
    save_emergency,
)
from commands.errors import AmbiguousAccount, CommandError, Forbidden, InvalidInput, NothingToDo
from commands.invoice_email import ChangeInvoiceEmail, change_invoice_email, load_invoice_contacts
from commands.pbx import (
    ChangePbxSubscription,
    RenamePbxGroup,
    change_pbx_subscription,
    check_subscription,
    load_pbx,
    rename_pbx_group,
)
from commands.run_records import ActionFailed
from commands.trail import authorize
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0  # what a backend check may take inside a view submission's ack
Post = Callable[[dict[str, Any]], object]


# -- plumbing -------------------------------------------------------------------------------------


def submitted_values(view: dict[str, Any]) -> dict[str, Any]:
    """``state.values`` flattened to block_id → value: text for text inputs, the list of
    selected option values for checkboxes."""
    found: dict[str, Any] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in actions.values():
            if element.get("type") == "checkboxes":
                found[block_id] = [o.get("value") for o in element.get("selected_options") or []]
            elif element.get("type") in ("static_select", "radio_buttons"):
                found[block_id] = (element.get("selected_option") or {}).get("value")
            else:
                found[block_id] = element.get("value")
    return found


def _why(exc: IntegrationError | ActionFailed) -> object:
    """What the backend said: a failed run keeps its error text."""
    return exc.error if isinstance(exc, ActionFailed) else exc


def _channel_of(body: dict[str, Any]) -> str:
    return str(
        (body.get("channel") or {}).get("id")
        or (body.get("container") or {}).get("channel_id")
        or ""
    )


def _ambiguous_text(exc: AmbiguousAccount) -> str:
    matches = "\n".join(f"• `{esc(number)}` {esc(name)}" for number, name in exc.matches[:20])
    return f"{esc(exc)}\n{matches}\nRun the command again with the account number."


def _modal_text(exc: BaseException) -> str:
    if isinstance(exc, AmbiguousAccount):
        return _ambiguous_text(exc)
    return user_message(exc)


class ModalFlow:
    """Open a loading modal inside the trigger window, then fill it (or say why not)."""

    def __init__(self, client: WebClient, trigger_id: str, title: str) -> None:
        self.client = client
        self.title = title
        opened = client.views_open(trigger_id=trigger_id, view=change_modal.loading_modal(title))
        self.view_id = opened["view"]["id"]
        self.hash = opened["view"].get("hash")

    def fill(self, build: Callable[[], View]) -> None:
        try:
            view = build()
        except (CommandError, IntegrationError) as exc:
            view = change_modal.notice_modal(self.title, _modal_text(exc))
        except Exception as exc:
            log.exception("could not build the %s modal", self.title)
            view = change_modal.notice_modal(self.title, _modal_text(exc))
        self.client.views_update(view_id=self.view_id, hash=self.hash, view=view)


def _poster(client: WebClient, channel: str, user: str) -> Post:
    """Reply to ``user`` only: an ephemeral in the channel they started from, else a DM."""

    def post(payload: dict[str, Any]) -> object:
        if channel:
            return client.chat_postEphemeral(channel=channel, user=user, **payload)
        return client.chat_postMessage(channel=user, **payload)

    return post


def _say(respond: Respond, *, replace: bool = False) -> Post:
    def post(payload: dict[str, Any]) -> object:
        return respond(response_type="ephemeral", replace_original=replace, **payload)

    return post


def _text(post: Post) -> Notify:
    """Post ``text``, which is safe mrkdwn already (``user_message`` escaped what came from
    outside), so it is not escaped again."""

    def tell(text: str) -> object:
        return post(message(text, [section(text)]))

    return tell


def _quick_check(services: Services, field: str, check: Callable[[], object]) -> dict[str, str]:
    """Run a backend check within the ack's budget: {} when it passed, else the inline error."""
    future = services.executor.submit(contextvars.copy_context().run, check)
    try:
        future.result(timeout=CHECK_SECONDS)
    except InvalidInput as exc:
        return {exc.field: str(exc)}
    except FutureTimeout:
        return {field: "Could not check this in time (a backend is slow): submit again shortly."}
    except (CommandError, IntegrationError) as exc:
        return {field: f"Could not check this: {user_message(exc)}"[:1900]}
    return {}


def _allowed(services: Services, actor: Actor, action: str, to: str, account: str) -> str | None:
    """None when ``actor`` is an operator, else the refusal (audited) to tell them."""
    try:
        authorize(services.deps, actor, Role.OPERATOR, action=action, to=to, account=account)
    except Forbidden as exc:
        return str(exc)
    return None


# -- registration ---------------------------------------------------------------------------------


def register(app: App, services: Services, router: VerbRouter) -> None:
    def deps() -> Any:
        return services.deps

    # Verbs (already authorised by the slash layer; the commands check the role again).

    def edit_verb(call: VerbCall) -> None:
        flow = ModalFlow(call.client, call.trigger_id, "Edit account")

        def build() -> View:
            form = load_edit_form(call.account, call.actor, deps())
            return edit_views.edit_modal(form, ModalContext(form.account, call.channel_id))

        flow.fill(build)

    def invoice_email_verb(call: VerbCall) -> None:
        flow = ModalFlow(call.client, call.trigger_id, "Invoice email")

        def build() -> View:
            contacts = load_invoice_contacts(call.account, call.actor, deps())
            meta = ModalContext(contacts.account, call.channel_id)
            return invoice_email_views.invoice_email_modal(contacts, meta)

        flow.fill(build)

    def refresh_auth_verb(call: VerbCall) -> None:
        try:
            result = refresh_auth_rules(call.account, call.actor, deps())
        except AmbiguousAccount as exc:
            call.say(**message(str(exc), [section(_ambiguous_text(exc))]))
            return
        call.say(**auth_views.auth_refreshed(result))

    router.add("edit", edit_verb)
    router.add("invoice-email", invoice_email_verb)
    router.add("refresh-auth", refresh_auth_verb)

    # Buttons on the read views.

    def button_flow(
        ack: Ack,
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        *,
        action: str,
        to: str,
        account: str,
        title: str,
        build: Callable[[Actor, ModalContext], View],
        pbx_id: str = "",
    ) -> None:
        ack()
        actor = services.roles.actor(body["user"]["id"])
        tell = _text(_say(respond))
        refusal = _allowed(services, actor, action, to, account)
        if refusal:
            services.executor.submit(tell, refusal)
            return
        meta = ModalContext(account, _channel_of(body), pbx_id)
        trigger = body.get("trigger_id", "")

        def work() -> None:
            ModalFlow(client, trigger, title).fill(lambda: build(actor, meta))

        after_ack_text(services, action, work, tell)

    @app.action(pbx_views.PBX_SUBSCRIPTION_ACTION)
    def on_pbx_subscription(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        account, pbx_id = pbx_views.parse_pbx_value(str(action.get("value") or "")) or ("", "")
        button_flow(
            ack,
            body,
            respond,
            client,
            action="pbx.subscription",
            to="change a PBX's billing subscription",
            account=account,
            pbx_id=pbx_id,
            title="PBX billing",
            build=lambda actor, meta: pbx_views.pbx_subscription_modal(
                load_pbx(meta.account, meta.pbx_id, actor, deps(), subscriptions=True), meta
            ),
        )

    @app.action(pbx_views.PBX_NAME_ACTION)
    def on_pbx_name(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        account, pbx_id = pbx_views.parse_pbx_value(str(action.get("value") or "")) or ("", "")
        button_flow(
            ack,
            body,
            respond,
            client,
            action="pbx.name",
            to="rename a PBX group",
            account=account,
            pbx_id=pbx_id,
            title="PBX group name",
            build=lambda actor, meta: pbx_views.pbx_name_modal(
                load_pbx(meta.account, meta.pbx_id, actor, deps()), meta
            ),
        )

    @app.action(emergency_views.EMERGENCY_PULL_ACTION)
    def on_emergency_pull(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        button_flow(
            ack,
            body,
            respond,
            client,
            action="emergency",
            to="update emergency details",
            account=str(action.get("value") or ""),
            title="Emergency details",
            build=lambda actor, meta: emergency_views.emergency_modal(
                pull_from_zuora(meta.account, actor, deps()), meta
            ),
        )

    # Modal submissions: validate in the ack (inline errors), change after it.

    def submission(
        ack: Ack,
        body: dict[str, Any],
        client: WebClient,
        *,
        action: str,
        parse: Callable[[ModalContext, dict[str, Any]], Callable[[Actor, Post], None]],
    ) -> None:
        view = body.get("view") or {}
        meta = ModalContext.load(view.get("private_metadata"))
        actor = services.roles.actor(body["user"]["id"])
        refusal = _allowed(services, actor, action, "make this change", meta.account)
        if refusal:
            ack(
                response_action="update",
                view=change_modal.notice_modal("Not allowed", esc(refusal)),
            )
            return
        try:
            work = parse(meta, submitted_values(view))
        except AddressRejected as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        except InvalidInput as exc:
            ack(response_action="errors", errors={exc.field: str(exc)})
            return
        ack()
        post = _poster(client, meta.channel, actor.user_id)
        after_ack_text(services, action, lambda: work(actor, post), _text(post))

    def parse_edit(meta: ModalContext, values: dict[str, Any]) -> Callable[[Actor, Post], None]:
        rename = order(RenameAccount, {"account": meta.account, "name": values.get("name") or ""})
        removed = edit_views.REMOVE_PARENT_VALUE in (
            values.get(edit_views.REMOVE_PARENT_BLOCK) or []
        )
        wanted = None if removed else values.get("parent")
        parent = order(SetParent, {"account": meta.account, "parent": wanted})
        errors = _quick_check(services, "parent", lambda: check_parent(parent, deps()))
        if errors:
            field, text = next(iter(errors.items()))
            raise InvalidInput(field, text)
        return lambda actor, post: apply_edit(actor, post, rename, parent)

    def change_parent_if_asked(parent: SetParent, actor: Actor) -> Any:
        # The modal always sends the parent field: a value equal to the platform's means the
        # person did not ask for a hierarchy change (a Zuora link left behind by an earlier
        # half-done change is finished with that message's Retry button).
        if deps().platform.get_account(parent.account).parent_id == parent.parent:
            raise NothingToDo("parent unchanged")
        return set_parent(parent, actor, deps())

    def apply_edit(actor: Actor, post: Post, rename: RenameAccount, parent: SetParent) -> None:
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("rename", lambda: rename_account(rename, actor, deps())),
            ("parent change", lambda: change_parent_if_asked(parent, actor)),
        ]
        answered = False  # something was said: done, half done, or failed
        for what, run in steps:
            try:
                result = run()
            except NothingToDo:
                continue
            except EditIncomplete as exc:
                post(edit_views.edit_incomplete(exc))
                answered = True
                continue
            except CommandError as exc:  # failed at a step, or in progress: as recorded
                _text(post)(user_message(exc))
                answered = True
                continue
            except IntegrationError as exc:
                post(change_modal.change_failed(what, rename.account, exc))
                answered = True
                continue
            post(edit_views.edit_done(result))
            answered = True
        if not answered:
            _text(post)(
                f"Nothing to change: account {rename.account} already has that name and parent."
            )

    @app.view(edit_views.EDIT_MODAL)
    def on_edit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission(ack, body, client, action="edit", parse=parse_edit)

    def parse_invoice_email(
        meta: ModalContext, values: dict[str, Any]
    ) -> Callable[[Actor, Post], None]:
        cmd = order(
            ChangeInvoiceEmail, {"account": meta.account, "email": values.get("email") or ""}
        )

        def work(actor: Actor, post: Post) -> None:
            try:
                post(
                    invoice_email_views.invoice_email_done(change_invoice_email(cmd, actor, deps()))
                )
            except (IntegrationError, ActionFailed) as exc:  # the system was checked: unchanged
                post(change_modal.change_failed("invoice email change", cmd.account, _why(exc)))

        return work

    @app.view(invoice_email_views.INVOICE_EMAIL_MODAL)
    def on_invoice_email(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission(ack, body, client, action="invoice_email.update", parse=parse_invoice_email)

    def parse_pbx_subscription(
        meta: ModalContext, values: dict[str, Any]
    ) -> Callable[[Actor, Post], None]:
        cmd = order(
            ChangePbxSubscription,
            {
                "account": meta.account,
                "pbx_id": meta.pbx_id,
                "subscription": values.get("subscription") or "",
            },
        )
        errors = _quick_check(services, "subscription", lambda: check_subscription(cmd, deps()))
        if errors:
            field, text = next(iter(errors.items()))
            raise InvalidInput(field, text)

        def work(actor: Actor, post: Post) -> None:
            try:
                post(pbx_views.pbx_done(change_pbx_subscription(cmd, actor, deps())))
            except (IntegrationError, ActionFailed) as exc:  # the system was checked: unchanged
                post(change_modal.change_failed("PBX subscription change", cmd.account, _why(exc)))

        return work

    @app.view(pbx_views.PBX_SUBSCRIPTION_MODAL)
    def on_pbx_subscription_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission(ack, body, client, action="pbx.subscription", parse=parse_pbx_subscription)

    def parse_pbx_name(meta: ModalContext, values: dict[str, Any]) -> Callable[[Actor, Post], None]:
        ticked = pbx_views.ACKNOWLEDGE_VALUE in (values.get("acknowledged") or [])
        cmd = order(
            RenamePbxGroup,
            {
                "account": meta.account,
                "pbx_id": meta.pbx_id,
                "name": values.get("name") or "",
                "acknowledged": ticked,
            },
        )

        def work(actor: Actor, post: Post) -> None:
            try:
                post(pbx_views.pbx_done(rename_pbx_group(cmd, actor, deps())))
            except (IntegrationError, ActionFailed) as exc:  # the system was checked: unchanged
                post(change_modal.change_failed("PBX group rename", cmd.account, _why(exc)))

        return work

    @app.view(pbx_views.PBX_NAME_MODAL)
    def on_pbx_name_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission(ack, body, client, action="pbx.name", parse=parse_pbx_name)

    def parse_emergency(
        meta: ModalContext, values: dict[str, Any]
    ) -> Callable[[Actor, Post], None]:
        address = address_from_form(values)
        check_address(address)  # raises AddressRejected while a hard error remains
        choice = values.get(emergency_views.SOLD_TO_BLOCK)
        edited = bool(meta.pulled) and address_digest(address) != meta.pulled
        if edited and not choice:
            raise InvalidInput(
                emergency_views.SOLD_TO_BLOCK,
                "You changed the address pulled from Zuora: saved as it is, the platform will "
                "differ from Zuora's Sold To. Pick whether to update Zuora's Sold To too.",
            )
        cmd = SaveEmergency(
            account=meta.account,
            address=address,
            update_sold_to=edited and choice == emergency_views.SOLD_TO_UPDATE,
        )

        def work(actor: Actor, post: Post) -> None:
            try:
                post(emergency_views.emergency_done(save_emergency(cmd, actor, deps())))
            except (IntegrationError, ActionFailed) as exc:  # the system was checked: unchanged
                post(change_modal.change_failed("emergency details update", cmd.account, _why(exc)))

        return work

    @app.view(emergency_views.EMERGENCY_MODAL)
    def on_emergency_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission(ack, body, client, action="emergency.save", parse=parse_emergency)

    # Retry of a half-done edit: finishes what the earlier run could not.

    @app.action(edit_views.EDIT_RETRY_ACTION)
    def on_edit_retry(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        actor = services.roles.actor(body["user"]["id"])
        post = _say(respond, replace=True)
        try:
            raw = json.loads(str(action.get("value") or ""))
            kind, account, target = str(raw["k"]), str(raw["a"]), raw.get("t")
        except (ValueError, KeyError, TypeError):
            services.executor.submit(_text(_say(respond)), "That button is not valid any more.")
            return
        refusal = _allowed(services, actor, f"edit.{kind}", "finish an account edit", account)
        if refusal:
            services.executor.submit(_text(_say(respond)), refusal)
            return

        def work() -> None:
            try:
                if kind == "name":
                    result = rename_account(
                        order(RenameAccount, {"account": account, "name": target or ""}),
                        actor,
                        deps(),
                    )
                else:
                    result = set_parent(
                        order(SetParent, {"account": account, "parent": target}), actor, deps()
                    )
            except NothingToDo:
                _text(post)(
                    f"Nothing left to do: both systems already agree for account {account}."
                )
                return
            except EditIncomplete as exc:
                post(edit_views.edit_incomplete(exc))
                return
            post(edit_views.edit_done(result))

        after_ack_text(services, f"edit.{kind}", work, _text(_say(respond)))
