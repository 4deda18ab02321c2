"""The change views as pure functions: Block Kit limits, escaping, and what they say."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import ActionsBlock
from slack_sdk.models.views import View

from bot.changes.views import auth_rules as auth_views
from bot.changes.views import edit as edit_views
from bot.changes.views import emergency as emergency_views
from bot.changes.views import invoice_email as invoice_email_views
from bot.changes.views import pbx as pbx_views
from bot.edge.codecs import EditRetry, ModalContext, NotValidAnyMore, PbxRef
from bot.edge.payloads import State
from commands.changes.auth_rules import AuthRefreshed
from commands.changes.edit import EditForm, EditIncomplete, EditResult, Holding
from commands.changes.emergency import EmergencyDraft, SoldTo, address_digest
from commands.changes.invoice_email import Contact, InvoiceContacts
from commands.changes.pbx import PbxForm
from integrations.errors import RateLimited
from integrations.ipnd import ServiceAddress, validate

EVIL = "<!channel> & <@U123>"
META = ModalContext(account="1012", channel="C0SUPPORT", pbx_id="pbx1")


def dumped(view: View) -> str:
    view.validate_json()
    payload = view.to_dict()
    assert len(payload["blocks"]) <= 100
    return json.dumps(payload, ensure_ascii=False)


def message_json(payload: dict) -> str:
    assert len(payload.get("blocks", [])) <= 50
    return json.dumps(payload, ensure_ascii=False)


def assert_escaped(text: str) -> None:
    assert "<!channel>" not in text and "<@U123>" not in text


def test_the_edit_modal_escapes_names_and_has_name_and_parent_inputs():
    form = EditForm(
        account="1012",
        name=EVIL,
        zuora_account="A00001012",
        zuora_name=EVIL + " old",
        parent=None,
        parent_name=None,
        zuora_has_parent_link=False,
    )
    view = edit_views.edit_modal(form, META)
    text = dumped(view)

    assert view.callback_id == edit_views.EDIT_MODAL
    assert ModalContext.decode(view.private_metadata) == META
    input_ids = [b.block_id for b in view.blocks if b.type == "input"]
    assert input_ids == ["name", "parent"]
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in text
    # The initial value of a plain-text input is not mrkdwn: it holds the name as it is.
    assert view.blocks[2].to_dict()["element"]["initial_value"] == EVIL
    sections = json.dumps([b.to_dict() for b in view.blocks if b.type == "section"])
    assert_escaped(sections)


def test_a_half_done_rename_says_who_holds_what_and_offers_a_retry():
    exc = EditIncomplete(
        kind="name",
        account="1012",
        target=EVIL,
        before=Holding(platform="Old", zuora="Old"),
        now=Holding(platform=EVIL, zuora="Old"),
        failed="Zuora",
        error=RateLimited("zuora", "HTTP 429 from PUT /v1/accounts/A00001012"),
    )
    payload = edit_views.edit_incomplete(exc)
    text = message_json(payload)

    assert "only half done" in text
    assert "Jet Hub platform: *&lt;!channel&gt; &amp; &lt;@U123&gt;* (changed)" in text
    assert "Zuora: *Old* (*not* changed" in text
    shown = [b for b in payload["blocks"] if b["type"] != "actions"]
    assert_escaped(json.dumps(shown) + payload["text"])
    (retry,) = next(b for b in payload["blocks"] if b["type"] == "actions")["elements"]
    assert retry["action_id"] == edit_views.EDIT_RETRY_ACTION
    assert json.loads(retry["value"]) == {"k": "name", "a": "1012", "t": EVIL}
    assert "done" not in payload["text"].replace("half done", "")


def test_a_finished_edit_says_before_and_after_and_where():
    result = EditResult(
        kind="name",
        account="1012",
        account_name="New",
        before=Holding(platform=EVIL, zuora=EVIL),
        after=Holding(platform="New", zuora="New"),
        written=["Jet Hub platform", "Zuora"],
    )
    text = message_json(edit_views.edit_done(result))
    assert "&lt;!channel&gt;" in text and "→ *New* on the Jet Hub platform and Zuora" in text
    assert_escaped(text)


def test_the_invoice_email_modal_warns_about_one_contact_and_copies():
    contacts = InvoiceContacts(
        account="1010",
        account_name=EVIL,
        zuora_account="A00001010",
        bill_to=Contact(id="c1", name=EVIL, email="a@b.example"),
        sold_to=Contact(id="c1", name=EVIL, email="a@b.example"),
        shared=True,
        additional_emails=["cfo@b.example"],
    )
    view = invoice_email_views.invoice_email_modal(contacts, META)
    text = dumped(view)

    assert "Bill To and Sold To are one contact" in text
    assert "cfo@b.example" in text and "*not* changed" in text
    assert [b.block_id for b in view.blocks if b.type == "input"] == ["email"]
    assert_escaped(text)


def test_pbx_buttons_carry_only_ids():
    buttons = pbx_views.pbx_action_buttons("1006", "abc123")
    assert [b.action_id for b in buttons] == [
        pbx_views.PBX_SUBSCRIPTION_ACTION,
        pbx_views.PBX_NAME_ACTION,
    ]
    assert {b.value for b in buttons} == {"1006|abc123"}
    assert PbxRef.decode("1006|abc123") == PbxRef(account="1006", pbx_id="abc123")
    with pytest.raises(NotValidAnyMore):
        PbxRef.decode("x|y")
    ActionsBlock(elements=buttons).validate_json()


def test_the_group_name_modal_states_the_consequence_and_asks_for_a_tick():
    form = PbxForm(
        account="1007",
        account_name=EVIL,
        pbx_id="p1",
        name="wg.pbx",
        billing_subscription=None,
        extensions=6,
    )
    view = pbx_views.pbx_name_modal(form, META)
    text = dumped(view)

    assert "All 6 extensions on this account must log in again" in text
    assert "blacklisted" in text
    assert [b.block_id for b in view.blocks if b.type == "input"] == ["name", "acknowledged"]
    ticked = next(b for b in view.blocks if b.block_id == "acknowledged")
    assert not ticked.optional  # required: not labelled "(optional)" in Slack
    one = pbx_views.pbx_name_modal(form.model_copy(update={"extensions": 1}), META)
    assert "The one extension on this account must log in again" in dumped(one)
    assert_escaped(text)


def test_the_emergency_modal_has_every_ipnd_field_and_the_findings():
    address = ServiceAddress(
        house_number="120",
        street_name="COLLINS",
        street_type="ST",
        locality="MELBOURNE",
        state="VIC",
        postcode="2000",
    )
    draft = EmergencyDraft(
        account="1008",
        account_name=EVIL,
        zuora_account="A00001008",
        sold_to=SoldTo(
            contact_id="c",
            name=EVIL,
            address1="120 Collins Street",
            address2=None,
            city="Melbourne",
            state="VIC",
            zip_code="2000",
            country="Australia",
        ),
        address=address,
        findings=validate(address),
        current=None,
    )
    view = emergency_views.emergency_modal(draft, META)
    text = dumped(view)

    # The common case on one screen: the street fields; empty rare ones are left out.
    assert [b.block_id for b in view.blocks if b.type == "input"] == [
        "house_number",
        "street_name",
        "street_type",
        "locality",
        "state",
        "postcode",
        emergency_views.SOLD_TO_BLOCK,
    ]
    assert "Not shown because Zuora's Sold To has none: building type" in text
    assert ModalContext.decode(view.private_metadata).pulled == address_digest(address)
    assert "Postcode 2000 is in NSW, but state is VIC" in text
    assert "Hard errors" in text
    assert_escaped(text)
    assert (
        emergency_views.emergency_action_buttons("1008")[0].action_id
        == emergency_views.EMERGENCY_PULL_ACTION
    )


def test_hundreds_of_auth_rule_changes_fit_in_one_message():
    changes = [f"04{n:08d} had no rule — added" for n in range(5000)]
    result = AuthRefreshed(
        account="1011", account_name=EVIL, numbers=5000, changes=changes, reloaded=True
    )
    payload = auth_views.auth_refreshed(result)
    text = message_json(payload)

    assert "Fixed 5000 auth rules" in text
    assert "more." in text  # what did not fit is counted, not dropped silently
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in payload["blocks"])
    assert_escaped(text)


def test_nothing_to_do_says_so():
    result = AuthRefreshed(account="1", account_name="A", numbers=3, changes=[], reloaded=False)
    assert "Nothing to do" in auth_views.auth_refreshed(result)["text"]


def test_a_submitted_modal_is_read_by_block_id_text_and_checkboxes():
    state = State.model_validate(
        {
            "values": {
                "name": {"value": {"type": "plain_text_input", "value": "x"}},
                "acknowledged": {
                    "value": {"type": "checkboxes", "selected_options": [{"value": "acknowledged"}]}
                },
                "parent": {"value": {"type": "plain_text_input", "value": None}},
            }
        }
    )
    assert state.text("name") == "x"
    assert state.chosen("acknowledged") == ["acknowledged"]
    assert state.text("parent") == ""  # left empty
    assert state.text("email") is None and state.chosen("no_parent") == []  # not in the modal


# -- what the modals and buttons carry ---------------------------------------------------------

NUMBER = st.from_regex(r"\A[0-9]{1,12}\Z")
CHANNEL = st.from_regex(r"\A[A-Z0-9]{0,12}\Z")
PRINTABLE = st.from_regex(r"\A[!-~]{1,40}\Z")


@given(NUMBER, CHANNEL, PRINTABLE, st.from_regex(r"\A[0-9a-f]{0,16}\Z"))
def test_modal_context_round_trips(account, channel, pbx_id, pulled):
    meta = ModalContext(account=account, channel=channel, pbx_id=pbx_id, pulled=pulled)
    assert ModalContext.decode(meta.encode()) == meta


def test_modal_context_reads_what_open_modals_carry():
    """Modals opened before this release carry ``json.dumps`` of all the keys."""
    raw = json.dumps({"a": "1012", "c": "C0SUPPORT", "p": "pbx1"})
    assert ModalContext.decode(raw) == META
    raw = json.dumps({"a": "1008", "c": "", "p": "", "d": "0123456789abcdef"})
    assert ModalContext.decode(raw).pulled == "0123456789abcdef"


@given(NUMBER, PRINTABLE)
def test_pbx_refs_round_trip(account, pbx_id):
    ref = PbxRef(account=account, pbx_id=pbx_id)
    assert PbxRef.decode(ref.encode()) == ref


@given(st.sampled_from(["name", "parent"]), NUMBER, st.none() | st.text(max_size=255))
def test_edit_retries_round_trip(kind, account, target):
    retry = EditRetry(kind=kind, account=account, target=target)
    assert EditRetry.decode(retry.encode()) == retry


def test_edit_retries_posted_before_this_release_still_work():
    raw = json.dumps({"k": "name", "a": "1007", "t": "Wattle and Gum"})
    assert EditRetry.decode(raw) == EditRetry(kind="name", account="1007", target="Wattle and Gum")
    parent = EditRetry.decode(json.dumps({"k": "parent", "a": "1009", "t": None}))
    assert parent.target is None


@pytest.mark.parametrize("codec", [ModalContext, PbxRef, EditRetry])
@given(raw=st.text(max_size=300))
def test_garbage_is_not_valid_any_more(codec, raw):
    try:
        value = codec.decode(raw)
    except NotValidAnyMore:
        return
    assert value.account.isdigit()  # what decodes is a well-formed value
    assert codec.decode(value.encode()) == value


@pytest.mark.parametrize(
    ("codec", "raw"),
    [
        (ModalContext, ""),
        (ModalContext, "[]"),
        (ModalContext, '{"a": 1012}'),
        (ModalContext, '{"a": "x"}'),
        (PbxRef, "1006"),
        (PbxRef, "1006|"),
        (EditRetry, '{"k": "drop", "a": "1"}'),
        (EditRetry, "not json"),
    ],
)
def test_what_the_app_did_not_make_is_not_valid_any_more(codec, raw):
    with pytest.raises(NotValidAnyMore):
        codec.decode(raw)
