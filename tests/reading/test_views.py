"""The read views as pure functions: escaping, buttons by role, and Block Kit limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot.edge.boundary import render_error
from bot.edge.codecs import NotValidAnyMore, ShareRef
from bot.reading.views.account import account_message
from bot.reading.views.common import (
    AUDIT_NEWER_ACTION,
    AUDIT_OLDER_ACTION,
    EMAILS_NEXT_ACTION,
    EMAILS_PREVIOUS_ACTION,
    REFRESH_ACTION,
    SHARE_ACTION,
    Audience,
)
from bot.reading.views.details import billing_message, emergency_message, one_line, pbx_message
from bot.reading.views.history import audit_message, emails_message, summarise_details
from commands.errors import AccountNotFound, AmbiguousAccount
from commands.reading import (
    AccountOverview,
    AuditEntry,
    AuditPage,
    BillingOverview,
    EmergencyOverview,
    PbxOverview,
    Relative,
    SentEmailPage,
    ZuoraSummary,
)
from integrations.allowances import AllowanceItem
from integrations.ipnd import Finding, FindingCode, ServiceAddress
from integrations.platform import (
    Account,
    ChildAccount,
    EmergencyRecord,
    Pbx,
    PlatformAllowances,
    SentEmail,
    Suspension,
)
from tests.reading.conftest import (
    ALICE,
    VERA,
    ZONE,
    action_ids,
    assert_no_mentions,
    assert_valid_message,
    block_text,
)

EVIL = "<!channel> & <@U123>"
AT = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 10:30 on 2 March in Sydney (AEDT)


def account(**changes) -> Account:
    fields = {"id": "1012", "name": EVIL, "status": "active", "zuora_account_number": "A00001012"}
    return Account(**(fields | changes))


def overview(**changes) -> AccountOverview:
    fields = {
        "account": account(),
        "zuora": ZuoraSummary(
            account_number="A00001012",
            name=EVIL,
            status="Active",
            balance=Decimal("1234.5"),
            currency="AUD",
        ),
        "pbx_names": [EVIL],
        "numbers": 2,
        "numbers_in_service": 2,
        "phone_users": 1,
        "portal_users": 1,
    }
    return AccountOverview(**(fields | changes))


def asker(actor=ALICE) -> Audience:
    return Audience.asker(ZONE, actor)


# -- escaping ---------------------------------------------------------------------------------


def test_account_name_is_shown_literally_everywhere():
    payload = account_message(
        overview(
            parent=Relative(id="1001", name=EVIL), children=[ChildAccount(id="1013", name=EVIL)]
        ),
        asker(),
    )
    assert_valid_message(payload)
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in json.dumps(payload)


def test_every_read_view_escapes_outside_text():
    address = ServiceAddress(
        street_name=EVIL,
        house_number="1",
        street_type="ST",
        locality=EVIL,
        state="NSW",
        postcode="2000",
    )
    finding = Finding.of(FindingCode.STREET_TYPE, "street_type", f"bad {EVIL}")
    payloads = [
        billing_message(
            BillingOverview(
                account=account(),
                allowances=PlatformAllowances(
                    items=[AllowanceItem(name=EVIL, quantity=2)], subscription_numbers=[EVIL]
                ),
            ),
            asker(),
            changes=[f"{EVIL} added (2)"],
        ),
        pbx_message(
            PbxOverview(
                account=account(), pbxs=[Pbx(id="p", name=EVIL, billing_subscription=EVIL)]
            ),
            asker(),
        ),
        emergency_message(
            EmergencyOverview(
                account=account(),
                record=EmergencyRecord(address=address, updated_at=AT, updated_by=EVIL),
                findings=[finding],
            ),
            asker(),
        ),
        emails_message(
            SentEmailPage(
                account=account(),
                emails=[SentEmail(id="e", sent_at=AT, subject=EVIL, recipient=EVIL)],
                page=0,
                page_size=15,
            ),
            asker(),
        ),
        audit_message(
            AuditPage(
                account="1012",
                account_name=EVIL,
                entries=[
                    AuditEntry(
                        seq=1,
                        at=AT,
                        actor=EVIL,
                        action=EVIL,
                        outcome="ok",
                        details={"reason": EVIL},
                    )
                ],
            ),
            asker(),
        ),
        render_error(AmbiguousAccount(EVIL, [("1012", EVIL), ("1013", EVIL)]), "account"),
        render_error(AccountNotFound(EVIL)),
    ]
    for payload in payloads:
        assert_valid_message(payload)
        assert "&lt;!channel&gt;" in json.dumps(payload)


@given(st.text(max_size=300))
def test_no_outside_text_ever_becomes_a_mention(name):
    payload = account_message(overview(account=account(name=name or "x")), asker())
    assert_valid_message(payload)
    body = json.dumps(payload)
    for raw in ("<!", "<@", "<#"):
        assert raw not in body


# -- the account view -----------------------------------------------------------------------


def test_times_are_in_the_team_zone():
    suspended = account(suspended=Suspension(reason="overdue", by="U02BILLING", at=AT))
    text = block_text(account_message(overview(account=suspended), asker()))
    assert "02 Mar 2026 10:30 AEDT" in text
    assert "Suspended" in text and "overdue" in text


def test_operator_sees_change_buttons_viewer_only_pages():
    operator = action_ids(account_message(overview(), asker(ALICE)))
    assert {"verb:edit", "verb:suspend", "verb:deactivate", "verb:refresh-auth"} <= set(operator)
    assert "verb:unsuspend" not in operator
    viewer = action_ids(account_message(overview(), asker(VERA)))
    assert not {"verb:edit", "verb:suspend", "verb:deactivate", "verb:refresh-auth"} & set(viewer)
    for ids in (operator, viewer):
        assert {
            "verb:billing",
            "verb:pbx",
            "verb:emergency",
            "verb:emails",
            "verb:audit",
            SHARE_ACTION,
        } <= set(ids)


def test_a_suspended_account_offers_unsuspend():
    suspended = account(suspended=Suspension(reason="r", by="U1", at=AT))
    ids = action_ids(account_message(overview(account=suspended), asker()))
    assert "verb:unsuspend" in ids and "verb:suspend" not in ids


def test_a_deactivated_account_says_so_and_offers_no_changes():
    gone = account(status="deactivated")
    payload = account_message(overview(account=gone), asker())
    assert "Deactivated" in block_text(payload)
    assert not {"verb:edit", "verb:suspend", "verb:deactivate"} & set(action_ids(payload))


def test_a_shared_copy_has_no_buttons_and_says_who_shared():
    payload = account_message(overview(), Audience.channel(ZONE, "U0ALICE"))
    assert action_ids(payload) == []
    assert "Shared by <@U0ALICE>" in block_text(payload)


def test_zuora_problem_is_shown_beside_the_platform_part():
    payload = account_message(
        overview(zuora=None, zuora_problem="Zuora could not be read: x"), asker()
    )
    text = block_text(payload)
    assert "Zuora could not be read" in text and "A00001012" in text


def test_money_and_counts():
    text = block_text(account_message(overview(numbers=604, numbers_in_service=600), asker()))
    assert "$1,234.50 AUD" in text
    assert "604 numbers (600 in service)" in text


def test_many_children_stay_within_limits():
    children = [ChildAccount(id=str(2000 + n), name=f"Child {n} {EVIL}") for n in range(300)]
    payload = account_message(overview(children=children), asker())
    assert_valid_message(payload)
    assert "and 280 more" in block_text(payload)


# -- billing, PBX, emergency ----------------------------------------------------------------


def test_billing_reads_like_a_person_says_it():
    allowances = PlatformAllowances(
        items=[
            AllowanceItem(name="Cloud Mobile", quantity=5),
            AllowanceItem(name="Mobile Number", quantity=5),
            AllowanceItem(name="1300 Number", quantity=1),
        ],
        subscription_numbers=["A-S00000002"],
        refreshed_at=AT,
    )
    view = BillingOverview(account=account(name="Physio"), allowances=allowances)
    payload = billing_message(view, asker(), changes=["Cloud Mobile 4 → 5"])
    text = block_text(payload)
    assert "5 \u00d7 Cloud Mobile, 5 \u00d7 Mobile Number, 1 \u00d7 1300 Number" in text
    assert "A-S00000002" in text and "02 Mar 2026 10:30 AEDT" in text
    assert "Cloud Mobile 4 → 5" in text
    assert REFRESH_ACTION in action_ids(payload)
    assert REFRESH_ACTION not in action_ids(billing_message(view, asker(VERA)))
    assert "already up to date" in block_text(billing_message(view, asker(), changes=[]))


def test_never_refreshed_allowances():
    view = BillingOverview(account=account(), allowances=PlatformAllowances())
    text = block_text(billing_message(view, asker()))
    assert "none stored" in text and "never" in text


def test_many_pbxs_with_buttons_stay_within_limits():
    pbxs = [Pbx(id=f"p{n}", name=f"pbx {n}", billing_subscription=f"A-S{n}") for n in range(80)]
    from slack_sdk.models.blocks import ButtonElement

    buttons = [
        [
            ButtonElement(text="a", action_id="x.a", value=p.id),
            ButtonElement(text="b", action_id="x.b", value=p.id),
        ]
        for p in pbxs
    ]
    payload = pbx_message(PbxOverview(account=account(), pbxs=pbxs), asker(), actions=buttons)
    assert_valid_message(payload)
    assert "more PBX groups" in block_text(payload)


def test_emergency_address_reads_on_one_line():
    address = ServiceAddress(
        unit_type="U",
        unit_number="4",
        floor_type="L",
        floor_number="3",
        house_number="12",
        house_suffix="A",
        house_number_2="14",
        street_name="SMITH",
        street_type="ST",
        street_suffix="N",
        locality="SYDNEY",
        state="NSW",
        postcode="2000",
    )
    assert one_line(address) == "L 3, U 4, 12A-14 SMITH ST N, SYDNEY NSW 2000"


def test_emergency_failing_and_missing():
    findings = [
        Finding.of(
            FindingCode.POSTCODE_STATE, "postcode", "Postcode 2000 is in NSW, but state is VIC"
        )
    ] * 40
    record = EmergencyRecord(
        address=ServiceAddress(
            house_number="1",
            street_name="A",
            street_type="ST",
            locality="MELBOURNE",
            state="VIC",
            postcode="2000",
        )
    )
    failing = emergency_message(
        EmergencyOverview(account=account(), record=record, findings=findings), asker()
    )
    assert_valid_message(failing)
    text = block_text(failing)
    assert "Fails IPND validation" in text and "Postcode 2000 is in NSW" in text
    assert "and 20 more" in text
    missing = emergency_message(EmergencyOverview(account=account(), record=None), asker())
    assert "No emergency service address" in block_text(missing)


# -- paged lists ----------------------------------------------------------------------------


def test_emails_page_says_what_is_not_included_and_pages():
    emails = [
        SentEmail(
            id=str(n), sent_at=AT - timedelta(hours=n), subject=f"Login {n}", recipient="a@b.com"
        )
        for n in range(15)
    ]
    payload = emails_message(
        SentEmailPage(account=account(), emails=emails, page=1, page_size=15, next_start_key="k"),
        asker(),
    )
    assert_valid_message(payload)
    text = block_text(payload)
    assert "Voicemails, callflow notices and invoices are not included" in text
    assert "Emails 16 to 30" in text
    assert {EMAILS_PREVIOUS_ACTION, EMAILS_NEXT_ACTION} <= set(action_ids(payload))
    last = emails_message(
        SentEmailPage(account=account(), emails=emails, page=0, page_size=15), asker()
    )
    assert not {EMAILS_PREVIOUS_ACTION, EMAILS_NEXT_ACTION} & set(action_ids(last))


def test_audit_page_shows_who_what_outcome_when():
    entries = [
        AuditEntry(
            seq=20 - n,
            at=AT,
            actor="U0ALICE",
            action="billing.refresh",
            outcome=("ok", "refused", "failed")[n % 3],
            details={"changes": ["Cloud Mobile 5 → 7"]},
        )
        for n in range(15)
    ]
    page = AuditPage(
        account="1006", account_name="Physio", entries=entries, has_older=True, has_newer=True
    )
    payload = audit_message(page, asker())
    assert_valid_message(payload)
    text = block_text(payload)
    assert "<@U0ALICE>" in text and "billing.refresh" in text and "refused" in text
    assert "02 Mar 2026 10:30 AEDT" in text and "Cloud Mobile 5 → 7" in text
    assert {AUDIT_NEWER_ACTION, AUDIT_OLDER_ACTION} <= set(action_ids(payload))
    shared = audit_message(page, Audience.channel(ZONE, "U0VERA"))
    assert "<@U0ALICE>" not in block_text(shared)  # a shared copy does not ping people


def test_details_summary_is_short():
    text = summarise_details({"reason": "x" * 1000, "other": {"a": 1}})
    assert text.startswith("reason: xxx") and len(text) <= 300


# -- share references ----------------------------------------------------------------------


@given(st.text(max_size=200))
def test_share_refs_decode_or_say_not_valid_and_round_trip(value):
    try:
        ref = ShareRef.decode(value)
    except NotValidAnyMore:
        return
    assert ref.account.isdigit()
    assert ShareRef.decode(ref.encode()) == ref


@given(
    st.sampled_from(["account", "billing", "emails", "audit"]),
    st.from_regex(r"\A[0-9]{1,6}\Z"),
    st.text(max_size=50),
)
def test_share_refs_round_trip(verb, number, cursor):
    ref = ShareRef(verb=verb, account=number, cursor=cursor)
    assert ShareRef.decode(ref.encode()) == ref


def test_pick_list_is_capped_within_limits():
    matches = [(str(1000 + n), f"Bean {n}") for n in range(200)]
    payload = render_error(AmbiguousAccount("bean", matches), "suspend")
    assert_valid_message(payload)
    ids = action_ids(payload)
    assert ids and set(ids) == {"verb:suspend"}
    assert "more" in block_text(payload)
    assert_no_mentions(payload)
