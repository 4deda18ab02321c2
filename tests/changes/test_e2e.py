"""Each change end to end: signed Slack requests into the served bot, the fake Slack Web API,
the demo sandbox behind real clients, and the ledger."""

from __future__ import annotations

import json
from typing import Any

from bot.changes.views import edit as edit_views
from bot.changes.views import emergency as emergency_views
from bot.changes.views import invoice_email as invoice_email_views
from bot.changes.views import pbx as pbx_views
from tests.changes.conftest import counters, events
from tests.fixtures.bot import ALICE, VERA, BotHarness


def open_modal(bot: BotHarness, user: str, text: str, callback_id: str) -> dict[str, Any]:
    response = bot.command(user, text)
    assert response.status_code == 200
    view = bot.slack.open_view(user)
    assert view is not None, "no modal was opened"
    assert view["callback_id"] == callback_id, view
    return view


def submit(bot: BotHarness, user: str, values: dict[str, Any]) -> dict[str, Any] | None:
    """Submit the user's open modal with ``{block_id: value}``; the ack as Slack reads it."""
    response = bot.send.view_submission(
        user, values={block: {"value": value} for block, value in values.items()}
    )
    assert response.status_code == 200
    bot.wait_idle()
    return response.ack_body()


def replies(bot: BotHarness, user: str) -> list[dict[str, Any]]:
    """What the bot showed ``user`` only, oldest first (ephemerals and response_url replies)."""
    return bot.slack.ephemerals(user)


def last_reply(bot: BotHarness, user: str) -> dict[str, Any]:
    shown = replies(bot, user)
    assert shown, "the bot said nothing"
    return shown[-1]


def rendered(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def audit(bot: BotHarness, account: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [(e.action, e.outcome, e.details) for e in events(bot.ledger, account)]


def pbx_id(bot: BotHarness, account: str) -> str:
    with bot.sandbox.world.lock:
        (pbx,) = bot.sandbox.world.platform.estate(account).collections["pbxs"].values()
        return str(pbx["id"])


def pbx_record(bot: BotHarness, account: str) -> dict[str, Any]:
    with bot.sandbox.world.lock:
        return dict(
            bot.sandbox.world.platform.estate(account).collections["pbxs"][pbx_id(bot, account)]
        )


def names(bot: BotHarness, account: str) -> tuple[str, str]:
    with bot.sandbox.world.lock:
        zuora = bot.sandbox.world.zuora.account(f"A{int(account):08d}")
        assert zuora is not None
        return bot.sandbox.world.platform.accounts[account].name, zuora.name


# -- edit -----------------------------------------------------------------------------------------


def test_edit_opens_a_loading_modal_then_fills_it_and_renames_both_systems(bot: BotHarness):
    view = open_modal(bot, ALICE, "edit 1006", edit_views.EDIT_MODAL)

    methods = [c.method for c in bot.slack.calls() if c.method.startswith("views.")]
    assert methods[:2] == ["views.open", "views.update"]
    assert "Loading" in json.dumps(bot.slack.calls("views.open")[0].args)
    assert "Southern Cross Physiotherapy" in rendered(view)

    ack = submit(bot, ALICE, {"name": "Southern Cross Physio", "parent": ""})

    assert ack is None or not ack.get("errors")
    assert names(bot, "1006") == ("Southern Cross Physio", "Southern Cross Physio")
    reply = last_reply(bot, ALICE)
    assert "renamed" in reply["text"] and "Zuora" in reply["text"]
    ((_action, outcome, details),) = [a for a in audit(bot, "1006") if a[0] == "edit.rename"]
    assert outcome == "ok"
    assert details["before"]["zuora"] == "Southern Cross Physiotherapy"
    assert details["after"]["zuora"] == "Southern Cross Physio"


def test_rename_with_zuora_failing_reports_the_split_and_retry_finishes_it(bot: BotHarness):
    open_modal(bot, ALICE, "edit 1007", edit_views.EDIT_MODAL)  # the Zuora token is now cached
    # One more Zuora call is answered (the read before the change); the write gets only 429s.
    bot.sandbox.faults("zuora").set(bucket_capacity=1, bucket_refill_per_s=0.0, retry_after=0)

    submit(bot, ALICE, {"name": "Wattle and Gum", "parent": ""})

    assert names(bot, "1007") == ("Wattle and Gum", "Wattle & Gum Landscaping")
    reply = last_reply(bot, ALICE)
    text = rendered(reply)
    assert "only half done" in text
    assert "Jet Hub platform: *Wattle and Gum* (changed)" in text
    assert "Zuora: *Wattle &amp; Gum Landscaping* (*not* changed" in text
    assert ":white_check_mark:" not in text and "renamed" not in reply["text"]
    failed = [a for a in audit(bot, "1007") if a[0] == "edit.rename"]
    assert [(o, d["after"]) for _, o, d in failed] == [
        ("failed", {"platform": "Wattle and Gum", "zuora": "Wattle & Gum Landscaping"})
    ]

    bot.sandbox.faults("zuora").clear()
    patches = counters(bot.sandbox, "platform").get("PATCH /v2/accounts/{A}", 0)
    bot.send.block_action(ALICE, edit_views.EDIT_RETRY_ACTION, message=reply)
    bot.wait_idle()

    assert names(bot, "1007") == ("Wattle and Gum", "Wattle and Gum")
    assert counters(bot.sandbox, "platform").get("PATCH /v2/accounts/{A}", 0) == patches
    finished = bot.slack.responses()[-1]
    assert finished.result == "ok" and finished.body.get("replace_original") is True
    assert "renamed *Wattle &amp; Gum Landscaping* → *Wattle and Gum* on Zuora." in rendered(
        finished.body
    )
    assert [o for a, o, _ in audit(bot, "1007") if a == "edit.rename"] == ["failed", "ok"]


def test_a_rename_that_failed_is_not_also_called_nothing_to_change(bot: BotHarness):
    open_modal(bot, ALICE, "edit 1006", edit_views.EDIT_MODAL)
    bot.sandbox.faults("platform").set(error_rate=1.0)

    submit(bot, ALICE, {"name": "Southern Cross Physio", "parent": ""})

    said = " ".join(rendered(m) for m in replies(bot, ALICE))
    assert "The rename of account `1006` failed; nothing was changed." in said
    assert "Nothing to change" not in said
    bot.sandbox.faults("platform").clear()
    assert names(bot, "1006")[0] == "Southern Cross Physiotherapy"


def test_a_parent_that_would_make_a_loop_is_refused_inline(bot: BotHarness):
    open_modal(bot, ALICE, "edit 1001", edit_views.EDIT_MODAL)

    ack = submit(bot, ALICE, {"name": "Bean Republic Coffee Co", "parent": "1003"})

    assert ack is not None and ack["response_action"] == "errors"
    assert "one of 1001's own descendants" in ack["errors"]["parent"]
    assert bot.slack.open_view(ALICE) is not None  # the modal stays open for a correction
    with bot.sandbox.world.lock:
        assert bot.sandbox.world.platform.accounts["1001"].parent_id is None

    ack = submit(bot, ALICE, {"name": "Bean Republic Coffee Co", "parent": "4242"})
    assert ack is not None and ack["errors"] == {"parent": "There is no account 4242."}


def test_setting_a_parent_is_done_and_audited(bot: BotHarness):
    open_modal(bot, ALICE, "edit 1009", edit_views.EDIT_MODAL)

    submit(bot, ALICE, {"name": "Outback Solar Installations", "parent": "1005"})

    with bot.sandbox.world.lock:
        assert bot.sandbox.world.platform.accounts["1009"].parent_id == "1005"
    assert "parent none → `1005`" in last_reply(bot, ALICE)["text"]
    assert [(a, o, d["after"]["platform"]) for a, o, d in audit(bot, "1009")] == [
        ("edit.parent", "ok", "1005")
    ]


def test_the_parent_is_removed_by_ticking_remove_even_with_the_number_still_in_the_box(
    bot: BotHarness,
):
    view = open_modal(bot, ALICE, "edit 1003", edit_views.EDIT_MODAL)
    [box] = [b for b in view["blocks"] if b.get("block_id") == edit_views.REMOVE_PARENT_BLOCK]
    assert box["label"]["text"] == "Remove the parent"
    assert box["element"]["options"][0]["text"]["text"].startswith("No parent: 1003 becomes")
    ticked = {
        "type": "checkboxes",
        "selected_options": [
            {"value": edit_views.REMOVE_PARENT_VALUE, "text": {"type": "plain_text", "text": "x"}}
        ],
    }

    submit(
        bot,
        ALICE,
        {"name": "Bean Republic Fitzroy", "parent": "1001", edit_views.REMOVE_PARENT_BLOCK: ticked},
    )

    with bot.sandbox.world.lock:
        assert bot.sandbox.world.platform.accounts["1003"].parent_id is None
    assert "parent `1001` → none" in last_reply(bot, ALICE)["text"]


def test_an_account_without_a_parent_is_not_offered_remove(bot: BotHarness):
    view = open_modal(bot, ALICE, "edit 1009", edit_views.EDIT_MODAL)
    assert edit_views.REMOVE_PARENT_BLOCK not in rendered(view)


def test_a_viewer_cannot_edit_and_no_modal_opens(bot: BotHarness):
    response = bot.command(VERA, "edit 1006")

    assert "operator" in (response.ack_body() or {}).get("text", "")
    assert bot.slack.calls("views.open") == []
    assert names(bot, "1006")[0] == "Southern Cross Physiotherapy"


def test_edit_by_a_name_matching_several_accounts_offers_a_pick_list_not_a_modal(
    bot: BotHarness,
):
    bot.command(ALICE, "edit bean republic")
    bot.wait_idle()

    pick = last_reply(bot, ALICE)
    assert "4 accounts match" in rendered(pick)
    buttons = [b["accessory"] for b in pick["blocks"] if b.get("accessory")]
    assert {b["action_id"] for b in buttons} == {"verb:edit"}
    assert bot.slack.calls("views.open") == []
    bot.send.block_action(ALICE, "verb:edit", "1003", message=pick)
    bot.wait_idle()
    modal = bot.slack.open_view(ALICE)
    assert modal is not None and modal["callback_id"] == edit_views.EDIT_MODAL
    assert "Bean Republic Fitzroy" in rendered(modal)


# -- invoice email --------------------------------------------------------------------------------


def test_invoice_email_is_validated_inline_then_updated(bot: BotHarness):
    view = open_modal(bot, ALICE, "invoice-email 1002", invoice_email_views.INVOICE_EMAIL_MODAL)
    assert "cfo@beanrepublicsurryhills.com.au" in rendered(view)  # the copies it will not change

    ack = submit(bot, ALICE, {"email": "billing@bean"})
    assert ack is not None and ack["response_action"] == "errors"
    assert "needs a dot" in ack["errors"]["email"]

    ack = submit(bot, ALICE, {"email": "billing@bean.example.com.au"})

    assert ack is None or not ack.get("errors")
    with bot.sandbox.world.lock:
        world = bot.sandbox.world.zuora
        account = world.account("A00001002")
        assert account is not None
        assert world.bill_to(account).work_email == "billing@bean.example.com.au"
        assert account.additional_email_addresses == ["cfo@beanrepublicsurryhills.com.au"]
    reply = rendered(last_reply(bot, ALICE))
    assert "billing@bean.example.com.au" in reply and "change those in Zuora" in reply
    ((action, outcome, details),) = audit(bot, "1002")
    assert (action, outcome) == ("invoice_email.update", "ok")
    assert details["before"] == "accounts@beanrepublicsurryhills.com.au"


def test_an_invoice_email_change_zuora_could_not_check_says_nothing_was_changed(
    bot: BotHarness,
):
    open_modal(bot, ALICE, "invoice-email 1002", invoice_email_views.INVOICE_EMAIL_MODAL)
    bot.sandbox.faults("zuora").set(error_rate=1.0)

    submit(bot, ALICE, {"email": "billing@bean.example.com.au"})

    bot.sandbox.faults("zuora").clear()
    said = rendered(last_reply(bot, ALICE))
    assert "The invoice email change of account `1002` failed; nothing was changed." in said
    with bot.sandbox.world.lock:
        world = bot.sandbox.world.zuora
        account = world.account("A00001002")
        assert account is not None
        assert world.bill_to(account).work_email == "accounts@beanrepublicsurryhills.com.au"
    assert [(a, o) for a, o, _ in audit(bot, "1002")] == [("invoice_email.update", "failed")]


def test_one_shared_contact_is_warned_about(bot: BotHarness):
    view = open_modal(bot, ALICE, "invoice-email 1010", invoice_email_views.INVOICE_EMAIL_MODAL)
    assert "Bill To and Sold To are one contact" in rendered(view)


# -- PBX ------------------------------------------------------------------------------------------


def pbx_view(bot: BotHarness, account: str) -> dict[str, Any]:
    bot.command(ALICE, f"pbx {account}")
    shown = [m for m in replies(bot, ALICE) if pbx_views.PBX_NAME_ACTION in rendered(m)]
    assert shown, "the PBX view has no change buttons"
    return shown[-1]


def test_pbx_subscription_must_be_the_accounts_own(bot: BotHarness):
    view = pbx_view(bot, "1006")
    bot.send.block_action(ALICE, pbx_views.PBX_SUBSCRIPTION_ACTION, message=view)
    bot.wait_idle()
    modal = bot.slack.open_view(ALICE)
    assert modal is not None and modal["callback_id"] == pbx_views.PBX_SUBSCRIPTION_MODAL

    ack = submit(bot, ALICE, {"subscription": "A-S77777777-1"})
    assert (
        ack is not None
        and "Zuora has no subscription A-S77777777-1" in ack["errors"]["subscription"]
    )
    ack = submit(bot, ALICE, {"subscription": "A-S00001007-1"})  # 1007's, not 1006's
    assert ack is not None and "A-S00001007-1" in ack["errors"]["subscription"]
    assert pbx_record(bot, "1006")["billing_subscription"] == "A-S00001006-1"

    ack = submit(bot, ALICE, {"subscription": "A-S00001006-2"})

    assert ack is None or not ack.get("errors")
    assert pbx_record(bot, "1006")["billing_subscription"] == "A-S00001006-2"
    assert "billed on `A-S00001006-2` (was `A-S00001006-1`)" in last_reply(bot, ALICE)["text"]
    assert [(a, o, d["before"], d["after"]) for a, o, d in audit(bot, "1006")] == [
        ("pbx.subscription", "ok", "A-S00001006-1", "A-S00001006-2")
    ]


def picked(value: str) -> dict[str, Any]:
    return {
        "type": "static_select",
        "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}},
    }


def test_pbx_billing_is_a_select_of_the_active_subscriptions_only(bot: BotHarness):
    view = pbx_view(bot, "1006")
    # 1006's PBX is billed on A-S00001006-1, which Zuora has as Cancelled: the view says so.
    assert "This subscription is *Cancelled* in Zuora" in rendered(view)
    bot.send.block_action(ALICE, pbx_views.PBX_SUBSCRIPTION_ACTION, message=view)
    bot.wait_idle()
    modal = bot.slack.open_view(ALICE)
    assert modal is not None
    (select,) = [b["element"] for b in modal["blocks"] if b["type"] == "input"]
    assert select["type"] == "static_select"
    assert [o["value"] for o in select["options"]] == ["A-S00001006-2"]
    assert "initial_option" not in select  # the current one is not active, so not offered
    assert "*Cancelled* in Zuora" in rendered(modal)

    # A cancelled subscription sent anyway (an old modal, a crafted payload) is refused.
    ack = submit(bot, ALICE, {"subscription": picked("A-S00001006-1")})
    assert ack is not None and ack["errors"]["subscription"] == (
        "Subscription A-S00001006-1 is Cancelled in Zuora: a PBX can only be billed on an "
        "active subscription."
    )
    ack = submit(bot, ALICE, {"subscription": picked("A-S00001006-2")})
    assert ack is None or not ack.get("errors")
    assert pbx_record(bot, "1006")["billing_subscription"] == "A-S00001006-2"
    bot.command(ALICE, "pbx 1006")
    assert "in Zuora: the PBX should be billed" not in rendered(last_reply(bot, ALICE))


def test_a_pbx_on_an_active_subscription_is_not_flagged(bot: BotHarness):
    assert "should be billed on an active one" not in rendered(pbx_view(bot, "1007"))


def test_a_pbx_button_that_the_app_did_not_make_opens_nothing(bot: BotHarness):
    view = pbx_view(bot, "1007")
    bot.send.block_action(ALICE, pbx_views.PBX_NAME_ACTION, "1007|", message=view)
    bot.wait_idle()

    assert "That button is not valid any more." in rendered(last_reply(bot, ALICE))
    assert bot.slack.calls("views.open") == []


def test_pbx_group_name_needs_the_acknowledgement_ticked(bot: BotHarness):
    view = pbx_view(bot, "1007")
    bot.send.block_action(ALICE, pbx_views.PBX_NAME_ACTION, message=view)
    bot.wait_idle()
    modal = bot.slack.open_view(ALICE)
    assert modal is not None and "All 3 extensions on this account must log in again" in rendered(
        modal
    )

    ack = submit(
        bot,
        ALICE,
        {"name": "wattle.pbx", "acknowledged": {"type": "checkboxes", "selected_options": []}},
    )
    assert ack is not None and "Tick the box" in ack["errors"]["acknowledged"]
    assert pbx_record(bot, "1007")["name"] == "wattle-gum-landscaping.pbx.jethub.com.au"

    ticked = {
        "type": "checkboxes",
        "selected_options": [
            {"value": pbx_views.ACKNOWLEDGE_VALUE, "text": {"type": "plain_text", "text": "ok"}}
        ],
    }
    submit(bot, ALICE, {"name": "wattle.pbx", "acknowledged": ticked})

    assert pbx_record(bot, "1007")["name"] == "wattle.pbx"
    assert [(a, o, d["after"]) for a, o, d in audit(bot, "1007")] == [
        ("pbx.name", "ok", "wattle.pbx")
    ]


# -- emergency ------------------------------------------------------------------------------------


def test_emergency_pull_refuses_hard_errors_inline_then_saves(bot: BotHarness):
    bot.command(ALICE, "emergency 1008")
    view = next(
        m for m in replies(bot, ALICE) if emergency_views.EMERGENCY_PULL_ACTION in rendered(m)
    )
    bot.send.block_action(ALICE, emergency_views.EMERGENCY_PULL_ACTION, message=view)
    bot.wait_idle()
    modal = bot.slack.open_view(ALICE)
    assert modal is not None and modal["callback_id"] == emergency_views.EMERGENCY_MODAL
    assert "Postcode 2000 is in NSW, but state is VIC" in rendered(modal)
    pulled = {
        block["block_id"]: block["element"].get("initial_value") or ""
        for block in modal["blocks"]
        if block["type"] == "input"
    }

    ack = submit(bot, ALICE, pulled)
    assert ack is not None and ack["response_action"] == "errors"
    assert ack["errors"] == {"postcode": "Postcode 2000 is in NSW, but state is VIC"}
    with bot.sandbox.world.lock:
        assert bot.sandbox.world.platform.estate("1008").emergency is None

    # Fixing the postcode here (not in Zuora first) would leave the platform and Zuora's Sold
    # To different: the submission says so and asks which, before anything is saved.
    ack = submit(bot, ALICE, {**pulled, "postcode": "3000"})
    assert (
        ack is not None
        and "differ from Zuora's Sold To" in ack["errors"][emergency_views.SOLD_TO_BLOCK]
    )
    with bot.sandbox.world.lock:
        assert bot.sandbox.world.platform.estate("1008").emergency is None

    submit(bot, ALICE, {**pulled, "postcode": "3000", emergency_views.SOLD_TO_BLOCK: chose("keep")})

    with bot.sandbox.world.lock:
        stored = bot.sandbox.world.platform.estate("1008").emergency
        assert stored is not None and stored.address["postcode"] == "3000"
        zuora = bot.sandbox.world.zuora
        account = zuora.account("A00001008")
        assert account is not None and zuora.sold_to(account).zip_code == "2000"  # left as is
    assert "saved" in last_reply(bot, ALICE)["text"]
    ((_action, outcome, details),) = [a for a in audit(bot, "1008") if a[0] == "emergency.save"]
    assert (outcome, details["before"], details["after"]["postcode"]) == ("ok", None, "3000")
    assert details["update_sold_to"] is False
    # The account card now flags the difference.
    bot.command(ALICE, "account 1008")
    assert "differs from Zuora's Sold To" in rendered(last_reply(bot, ALICE))


def chose(value: str) -> dict[str, Any]:
    option = {"value": value, "text": {"type": "plain_text", "text": value}}
    return {"type": "radio_buttons", "selected_option": option}


def test_an_edited_emergency_address_can_update_zuoras_sold_to_too(bot: BotHarness):
    bot.command(ALICE, "emergency 1008")
    view = next(
        m for m in replies(bot, ALICE) if emergency_views.EMERGENCY_PULL_ACTION in rendered(m)
    )
    bot.send.block_action(ALICE, emergency_views.EMERGENCY_PULL_ACTION, message=view)
    bot.wait_idle()
    modal = bot.slack.open_view(ALICE)
    assert modal is not None
    pulled = {
        block["block_id"]: block["element"].get("initial_value") or ""
        for block in modal["blocks"]
        if block["type"] == "input" and block["block_id"] != emergency_views.SOLD_TO_BLOCK
    }

    submit(
        bot, ALICE, {**pulled, "postcode": "3000", emergency_views.SOLD_TO_BLOCK: chose("update")}
    )

    with bot.sandbox.world.lock:
        zuora = bot.sandbox.world.zuora
        account = zuora.account("A00001008")
        assert account is not None
        sold_to = zuora.sold_to(account)
        assert (sold_to.address1, sold_to.city, sold_to.state, sold_to.zip_code) == (
            "Level 12, 120 COLLINS ST",
            "MELBOURNE",
            "VIC",
            "3000",
        )
    said = rendered(last_reply(bot, ALICE))
    assert "Zuora's Sold To contact updated to match" in said
    actions = [(a, o) for a, o, _ in audit(bot, "1008")]
    assert ("emergency.save", "ok") in actions and ("emergency.sold_to", "ok") in actions
    # Platform and Sold To agree again: the account card has nothing to flag.
    bot.command(ALICE, "account 1008")
    assert "differs from Zuora's Sold To" not in rendered(last_reply(bot, ALICE))


# -- refresh auth rules ---------------------------------------------------------------------------


def test_refresh_auth_reports_each_fix_and_a_second_run_writes_nothing(bot: BotHarness):
    bot.command(ALICE, "refresh-auth 1007")

    text = rendered(last_reply(bot, ALICE))
    assert "0412 345 678 had no rule — added" in text
    assert "0412 345 679 rule was wrong — fixed" in text
    assert "stray rule 1007-0298765432 removed" in text
    bot.sandbox.counters.reset()

    bot.command(ALICE, "refresh-auth 1007")

    assert "Nothing to do" in last_reply(bot, ALICE)["text"]
    writes = [e for e in counters(bot.sandbox, "sbc") if not e.startswith("GET ")]
    assert writes == []  # no upsert, no delete, no reload
    runs = [(o, len(d["changes"]), d["reloaded"]) for a, o, d in audit(bot, "1007")]
    assert runs == [("ok", 3, True), ("ok", 0, False)]
