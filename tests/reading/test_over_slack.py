"""The read verbs end to end: signed requests into the served app, the demo sandbox behind it,
the fake Slack Web API recording what the bot posted, and the ledger."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from bot.edge.blocks import esc
from devkit.sandbox import ESCAPE_NAME, zuora_account_number
from integrations.allowances import TIMES as X
from tests.fixtures.bot import ALICE, NOBODY, SUPPORT_CHANNEL, VERA
from tests.reading.conftest import (
    action_ids,
    assert_no_mentions,
    assert_valid_message,
    block_text,
    events,
)

READ_VERBS = ["account", "billing", "pbx", "emergency", "emails", "audit"]


@pytest.fixture(autouse=True)
def everything_posted_is_valid(bot):
    """After each test: every body the bot sent to Slack is valid Block Kit within limits."""
    yield
    bot.wait_idle()
    for post in bot.slack.responses():
        assert post.ok, (post.result, post.body)
        assert_valid_message(post.body)
    for call in bot.slack.calls():
        if call.method.startswith("chat."):
            assert call.ok, (call.method, call.error)
            assert_valid_message(call.args)
    bot.send.close()  # no idle keep-alive connection left for the server to wait out


def latest(bot, user) -> dict[str, Any]:
    shown = bot.slack.ephemerals(user)
    assert shown, f"nothing was shown to {user}"
    return shown[-1]


def click(bot, user, action_id, message, value=None):
    response = bot.send.block_action(
        user,
        action_id,
        value,
        message=message["ts"],
        channel=message.get("channel") or SUPPORT_CHANNEL,
    )
    assert response.status_code == 200
    bot.wait_idle()
    return response


def stored_allowances(bot, account) -> dict[str, int]:
    with bot.sandbox.world.lock:
        return dict(bot.sandbox.world.platform.estate(account).allowances.items)


# -- every verb -----------------------------------------------------------------------------


@pytest.mark.parametrize("verb", READ_VERBS)
def test_each_read_verb_answers_the_asker_only(bot, verb):
    response = bot.command(VERA, f"{verb} 1001")
    assert response.status_code == 200
    assert not response.text.strip()  # acked at once; the view follows
    reply = latest(bot, VERA)
    assert reply["channel"] == SUPPORT_CHANNEL
    assert_valid_message(reply)
    text = block_text(reply)
    assert "1001" in text
    assert "share" in json.dumps(reply).lower()
    assert bot.slack.messages(SUPPORT_CHANNEL) == []  # nothing public until shared


def test_account_view_content(bot):
    bot.command(ALICE, "account 1005")
    text = block_text(latest(bot, ALICE))
    assert "Koala Freight Logistics Pty Ltd" in text
    assert "Suspended" in text and "45 days overdue" in text and "U02BILLING" in text
    assert "A00001005" in text and "Balance $" in text
    ids = action_ids(latest(bot, ALICE))
    assert "verb:unsuspend" in ids and "verb:suspend" not in ids


def test_viewer_gets_no_change_buttons(bot):
    bot.command(VERA, "account 1001")
    ids = set(action_ids(latest(bot, VERA)))
    assert "verb:billing" in ids
    assert not ids & {"verb:edit", "verb:suspend", "verb:deactivate", "verb:refresh-auth"}


def test_someone_without_a_role_is_refused_in_the_ack(bot):
    response = bot.command(NOBODY, "account 1001")
    assert "viewer" in response.text
    [refusal] = bot.slack.ephemerals(NOBODY)  # the ack, as Slack shows it
    assert "viewer" in refusal["text"] and not refusal.get("blocks")


def test_pbx_and_emergency_views(bot):
    bot.command(ALICE, "pbx 1001")
    pbx = latest(bot, ALICE)
    assert "Billing subscription" in block_text(pbx)
    assert "changes.pbx_name" in action_ids(pbx)
    bot.command(VERA, "emergency 1001")
    assert "Passes IPND validation" in block_text(latest(bot, VERA))
    assert "changes.emergency_pull" not in action_ids(latest(bot, VERA))


# -- escaping -------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", READ_VERBS)
def test_the_channel_account_is_shown_literally(bot, verb):
    bot.command(ALICE, f"{verb} 1012")
    posted = [json.dumps(p.body) for p in bot.slack.responses()]
    assert posted
    if verb != "emails":  # the emails page names the account only in its heading
        assert any(esc(ESCAPE_NAME) in body for body in posted)
    for body in posted:
        assert "<!channel>" not in body and "<@U123>" not in body


def test_searching_for_the_channel_account_by_name(bot):
    bot.command(ALICE, 'account "channel"')
    reply = latest(bot, ALICE)
    assert_no_mentions(reply)
    assert "&lt;!channel&gt;" in json.dumps(reply)


# -- big accounts ---------------------------------------------------------------------------


def test_hundreds_of_numbers_fit(bot):
    bot.command(VERA, "account 1011")
    reply = latest(bot, VERA)
    assert len(reply["blocks"]) <= 50
    with bot.sandbox.world.lock:
        numbers = list(bot.sandbox.world.platform.estate("1011").phone_numbers.values())
    in_service = sum(1 for n in numbers if n.state == "in_service")
    assert len(numbers) >= 600
    assert f"{len(numbers)} numbers ({in_service} in service)" in block_text(reply)


def test_five_hundred_emails_page_forward_and_back(bot):
    bot.command(VERA, "emails 1011")
    first = latest(bot, VERA)
    assert len(first["blocks"]) <= 50
    assert "Emails 1 to 15" in block_text(first)
    assert "not included" in block_text(first)
    assert "reading.emails_previous" not in action_ids(first)
    with bot.sandbox.world.lock:
        subjects = [e.subject for e in bot.sandbox.world.platform.estate("1011").sent_emails]

    click(bot, VERA, "reading.emails_next", first)
    second = latest(bot, VERA)  # the same message, replaced in place
    assert second["ts"] == first["ts"]
    assert "Emails 16 to 30" in block_text(second)
    assert esc(subjects[15]) in block_text(second)

    click(bot, VERA, "reading.emails_next", second)
    click(bot, VERA, "reading.emails_previous", latest(bot, VERA))
    back = latest(bot, VERA)
    assert "Emails 16 to 30" in block_text(back)
    assert block_text(back) == block_text(second)
    assert len(bot.slack.ephemerals(VERA)) == 1


def test_emails_filtered_by_subject_page_with_the_filter_kept(bot):
    with bot.sandbox.world.lock:
        everything = bot.sandbox.world.platform.estate("1011").sent_emails
        wanted = [e.subject for e in everything if "jet phone" in e.subject.lower()]
    assert 15 < len(wanted) < len(everything)
    bot.command(VERA, "emails 1011 JET PHONE")
    first = latest(bot, VERA)
    assert "Sent emails to or about “JET PHONE”" in block_text(first)
    shown = [line for line in block_text(first).splitlines() if line.startswith("*")]
    assert all("Jet Phone" in line for line in shown[1:])

    click(bot, VERA, "reading.emails_next", first)
    second = latest(bot, VERA)
    assert "Emails 16 to" in block_text(second) and "to or about “JET PHONE”" in block_text(second)
    assert esc(wanted[15]) in block_text(second)
    assert "Jet Hub password reset" not in block_text(second)


def test_emails_filtered_by_recipient_and_by_a_name_in_quotes(bot):
    with bot.sandbox.world.lock:
        emails = bot.sandbox.world.platform.estate("1006").sent_emails
        recipient = emails[0].recipient
        count = sum(1 for e in emails if e.recipient == recipient)
    bot.command(VERA, f'emails "Southern Cross" {recipient}')
    page = latest(bot, VERA)
    assert block_text(page).count(f"to {recipient}") == min(count, 15)
    assert "Emails 1 to" in block_text(page)


def test_emails_filter_that_matches_nothing_says_so(bot):
    bot.command(VERA, "emails 1011 no-such-subject")
    assert "No email's recipient or subject contains “no-such-subject”" in block_text(
        latest(bot, VERA)
    )


# -- billing refresh ------------------------------------------------------------------------


def test_refresh_changes_the_stored_allowances_and_says_what_changed(bot):
    bot.command(ALICE, "billing 1006")
    view = latest(bot, ALICE)
    assert f"4 {X} Cloud Mobile, 4 {X} Mobile Number, 1 {X} 1300 Number" in block_text(view)

    click(bot, ALICE, "reading.billing_refresh", view)
    refreshed = latest(bot, ALICE)
    assert f"5 {X} Cloud Mobile, 5 {X} Mobile Number, 1 {X} 1300 Number" in block_text(refreshed)
    assert "Cloud Mobile 4 → 5; Mobile Number 4 → 5" in block_text(refreshed)
    assert stored_allowances(bot, "1006") == {
        "Cloud Mobile": 5,
        "Mobile Number": 5,
        "1300 Number": 1,
    }

    # Someone adds two Cloud Mobiles in Zuora; the next refresh picks them up.
    z = bot.sandbox.world.zuora
    with bot.sandbox.world.lock:
        subs = z.subscriptions_of(z.account(zuora_account_number("1006")))
        active = next(s for s in subs if s.status == "Active")
        for plan in active.rate_plans:
            for charge in plan.charges:
                if plan.product_name == "Cloud Mobile" and charge.quantity == 5:
                    charge.quantity = Decimal(7)
    click(bot, ALICE, "reading.billing_refresh", latest(bot, ALICE))
    assert "Cloud Mobile 5 → 7" in block_text(latest(bot, ALICE))
    assert stored_allowances(bot, "1006")["Cloud Mobile"] == 7

    click(bot, ALICE, "reading.billing_refresh", latest(bot, ALICE))
    assert "already up to date" in block_text(latest(bot, ALICE))

    refreshes = [e for e in events(bot.ledger, "1006") if e.action == "billing.refresh"]
    assert [(e.actor, e.outcome) for e in refreshes] == [(ALICE, "ok")] * 3
    assert refreshes[1].details["before"]["allowances"].startswith(f"5 {X} Cloud Mobile")
    assert refreshes[1].details["after"]["allowances"].startswith(f"7 {X} Cloud Mobile")


def test_a_viewer_clicking_refresh_is_refused_server_side(bot):
    bot.command(VERA, "billing 1006")
    assert "reading.billing_refresh" not in action_ids(latest(bot, VERA))
    # A Refresh button a viewer can reach anyway (an old or forged message in the channel).
    bot.services.slack.chat_postMessage(
        channel=SUPPORT_CHANNEL,
        text="billing",
        blocks=[
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "reading.billing_refresh",
                        "value": "1006",
                        "text": {"type": "plain_text", "text": "Refresh"},
                    }
                ],
            }
        ],
    )
    [posted] = bot.slack.messages(SUPPORT_CHANNEL)
    before = stored_allowances(bot, "1006")
    click(bot, VERA, "reading.billing_refresh", {"ts": posted["ts"], "channel": SUPPORT_CHANNEL})
    assert stored_allowances(bot, "1006") == before
    assert "operator" in latest(bot, VERA)["text"]
    assert [(e.actor, e.action, e.outcome) for e in events(bot.ledger, "1006")] == [
        (VERA, "billing.refresh", "refused")
    ]


# -- share ----------------------------------------------------------------------------------


def test_share_posts_a_fresh_copy_in_the_channel(bot):
    bot.command(VERA, "billing 1006")
    view = latest(bot, VERA)
    # The world changes between reading and sharing: the shared copy is re-read, not copied.
    with bot.sandbox.world.lock:
        bot.sandbox.world.platform.estate("1006").allowances.items = [("Cloud Mobile", 9)]
    click(bot, VERA, "reading.share", view)
    [shared] = bot.slack.messages(SUPPORT_CHANNEL)
    assert f"9 {X} Cloud Mobile" in block_text(shared)
    assert f"Shared by <@{VERA}>" in block_text(shared)
    assert action_ids(shared) == []


def test_share_of_an_email_page_shares_that_page(bot):
    bot.command(VERA, "emails 1011")
    click(bot, VERA, "reading.emails_next", latest(bot, VERA))
    click(bot, VERA, "reading.share", latest(bot, VERA))
    [shared] = bot.slack.messages(SUPPORT_CHANNEL)
    assert "Emails 16 to 30" in block_text(shared)


def test_share_needs_a_role_too(bot):
    bot.services.slack.chat_postMessage(
        channel=SUPPORT_CHANNEL,
        text="share",
        blocks=[
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "reading.share",
                        "value": "account|1001|",
                        "text": {"type": "plain_text", "text": "Share"},
                    }
                ],
            }
        ],
    )
    [posted] = bot.slack.messages(SUPPORT_CHANNEL)
    click(bot, NOBODY, "reading.share", {"ts": posted["ts"], "channel": SUPPORT_CHANNEL})
    assert len(bot.slack.messages(SUPPORT_CHANNEL)) == 1
    assert "viewer" in latest(bot, NOBODY)["text"]


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("reading.share", "audit|1003|99999999999999999999999999"),
        ("reading.share", "audit|1003|²"),
        ("reading.audit_older", "1003|99999999999999999999999999"),
        ("reading.audit_newer", "1003|٣٠"),
        ("reading.share", "emails|1011|²|"),
        ("reading.emails_next", "1011|99x|"),
    ],
)
def test_a_forged_cursor_is_a_button_not_valid_any_more(either_bot, caplog, action_id, value):
    """Never "Something went wrong" and ``bigint out of range`` in the log (issue 29)."""
    bot = either_bot
    button = {"type": "button", "action_id": action_id, "value": value}
    bot.services.slack.chat_postMessage(
        channel=SUPPORT_CHANNEL,
        text="forged",
        blocks=[{"type": "actions", "elements": [{**button, "text": _plain("Press")}]}],
    )
    [posted] = bot.slack.messages(SUPPORT_CHANNEL)
    click(bot, VERA, action_id, {"ts": posted["ts"], "channel": SUPPORT_CHANNEL})
    assert latest(bot, VERA)["text"] == "That button is not valid any more."
    assert len(bot.slack.messages(SUPPORT_CHANNEL)) == 1  # nothing shared
    assert "out of range" not in caplog.text and "Traceback" not in caplog.text


# -- naming an account ----------------------------------------------------------------------


def test_a_name_with_several_matches_offers_a_pick_list(bot):
    bot.command(VERA, "account bean republic")
    pick = latest(bot, VERA)
    assert "4 accounts match" in block_text(pick)
    buttons = [e["accessory"] for e in pick["blocks"] if e.get("accessory")]
    assert sorted(b["value"] for b in buttons) == ["1001", "1002", "1003", "1004"]
    assert {b["action_id"] for b in buttons} == {"verb:account"}
    click(bot, VERA, "verb:account", pick, value="1003")
    chosen = latest(bot, VERA)
    assert "Bean Republic Fitzroy" in block_text(chosen)
    assert "Bean Republic Coffee Co (`1001`)" in block_text(chosen)  # its parent


def test_a_name_matching_one_account_shows_it(bot):
    bot.command(VERA, "billing southern cross")
    assert "Southern Cross Physiotherapy" in block_text(latest(bot, VERA))


@pytest.mark.parametrize("text", ["account 9999", "billing no such company", "audit 9999"])
def test_an_unknown_account_is_a_clear_message(bot, text):
    bot.command(VERA, text)
    reply = latest(bot, VERA)
    assert reply["text"].startswith("No account matches")
    assert "Traceback" not in json.dumps(reply)


# -- backends failing -----------------------------------------------------------------------


def test_platform_unreachable_is_a_clear_message(bot):
    bot.sandbox.faults("platform").set(error_rate=1.0)
    bot.command(VERA, "account 1001")
    reply = latest(bot, VERA)
    assert "Jet Hub platform" in reply["text"]
    assert "Traceback" not in reply["text"] and "Something went wrong" not in reply["text"]


def test_zuora_unreachable_still_shows_the_account(bot):
    bot.sandbox.faults("zuora").set(error_rate=1.0)
    bot.command(VERA, "account 1001")
    text = block_text(latest(bot, VERA))
    assert "Bean Republic Coffee Co" in text
    assert "Zuora could not be read" in text
    # The overdue invoices are unknown, never "none" (issue 29).
    assert "every posted invoice is paid" not in text
    assert "Unknown: Zuora's invoices could not be read" in text


def test_refresh_with_zuora_unreachable_says_so_and_changes_nothing(bot):
    bot.command(ALICE, "billing 1006")
    before = stored_allowances(bot, "1006")
    bot.sandbox.faults("zuora").set(error_rate=1.0)
    click(bot, ALICE, "reading.billing_refresh", latest(bot, ALICE))
    assert "Zuora" in latest(bot, ALICE)["text"]
    assert stored_allowances(bot, "1006") == before
    [event] = [e for e in events(bot.ledger, "1006") if e.action == "billing.refresh"]
    assert event.outcome == "failed"


# -- audit trail ----------------------------------------------------------------------------


def test_audit_shows_recent_events_and_pages(bot):
    bot.command(ALICE, "billing 1006")
    for _ in range(16):
        click(bot, ALICE, "reading.billing_refresh", latest(bot, ALICE))
    bot.command(VERA, "audit 1006")
    page = latest(bot, VERA)
    text = block_text(page)
    assert "billing.refresh" in text and f"<@{ALICE}>" in text and "ok" in text
    assert "reading.audit_newer" not in action_ids(page)
    click(bot, VERA, "reading.audit_older", page)
    older = latest(bot, VERA)
    assert "reading.audit_newer" in action_ids(older)
    assert "reading.audit_older" not in action_ids(older)
    assert block_text(older).count("billing.refresh") == 1
    click(bot, VERA, "reading.audit_newer", older)
    assert block_text(latest(bot, VERA)) == text
