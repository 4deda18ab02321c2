"""The change commands against the sandbox over real HTTP, with a real ledger."""

from __future__ import annotations

import pytest

from commands.changes.auth_rules import refresh_auth_rules
from commands.changes.edit import (
    EditIncomplete,
    RenameAccount,
    SetParent,
    check_parent,
    load_edit_form,
    rename_account,
    set_parent,
)
from commands.changes.emergency import (
    AddressRejected,
    SaveEmergency,
    pull_from_zuora,
    save_emergency,
)
from commands.changes.invoice_email import (
    ChangeInvoiceEmail,
    change_invoice_email,
    load_invoice_contacts,
)
from commands.changes.pbx import (
    ChangePbxSubscription,
    RenamePbxGroup,
    change_pbx_subscription,
    check_subscription,
    rename_pbx_group,
)
from commands.deps import Deps
from commands.errors import Conflict, Forbidden, InvalidInput, NothingToDo
from commands.orders import order
from devkit.sandbox import Sandbox
from integrations.errors import IntegrationError
from integrations.zuora import ZuoraContact
from tests.changes.conftest import ALICE, VERA, counters, events, last_event, zuora_writes_fail


def zuora_name(sandbox: Sandbox, account: str) -> str:
    with sandbox.world.lock:
        found = sandbox.world.zuora.account(f"A{int(account):08d}")
        assert found is not None
        return found.name


def platform_name(sandbox: Sandbox, account: str) -> str:
    with sandbox.world.lock:
        return sandbox.world.platform.accounts[account].name


# -- rename ---------------------------------------------------------------------------------------


def test_rename_changes_both_systems_and_audits_before_and_after(deps: Deps, sandbox: Sandbox):
    result = rename_account(
        RenameAccount(account="1006", name="Southern Cross Physio"), ALICE, deps
    )

    assert platform_name(sandbox, "1006") == "Southern Cross Physio"
    assert zuora_name(sandbox, "1006") == "Southern Cross Physio"
    assert result.written == ["Jet Hub platform", "Zuora"]
    event = last_event(deps.ledger, "1006")
    assert (event.action, event.outcome, event.actor) == ("edit.rename", "ok", "U0ALICE")
    assert event.details["before"] == {
        "platform": "Southern Cross Physiotherapy",
        "zuora": "Southern Cross Physiotherapy",
    }
    assert event.details["after"] == {
        "platform": "Southern Cross Physio",
        "zuora": "Southern Cross Physio",
    }


def test_rename_with_zuora_failing_names_the_split_and_a_retry_finishes_it(
    deps: Deps, sandbox: Sandbox
):
    deps.zuora.get_account("A00001006")  # the token is cached: the next Zuora call is the read
    zuora_writes_fail(sandbox, reads_first=1)

    with pytest.raises(EditIncomplete) as caught:
        rename_account(RenameAccount(account="1006", name="SX Physio"), ALICE, deps)

    split = caught.value
    assert (split.now.platform, split.now.zuora) == ("SX Physio", "Southern Cross Physiotherapy")
    assert "Jet Hub platform has “SX Physio”" in str(split)
    assert "Zuora still has “Southern Cross Physiotherapy”" in str(split)
    assert platform_name(sandbox, "1006") == "SX Physio"
    assert zuora_name(sandbox, "1006") == "Southern Cross Physiotherapy"
    failed = last_event(deps.ledger, "1006")
    assert (failed.action, failed.outcome) == ("edit.rename", "failed")
    assert failed.details["after"] == {
        "platform": "SX Physio",
        "zuora": "Southern Cross Physiotherapy",
    }
    assert failed.details["partial"] is True
    assert failed.details["failed_backend"] == "zuora"

    sandbox.faults("zuora").clear()
    patches_before = counters(sandbox, "platform").get("PATCH /v2/accounts/{A}", 0)
    done = rename_account(RenameAccount(account="1006", name="SX Physio"), ALICE, deps)

    assert done.written == ["Zuora"]
    assert zuora_name(sandbox, "1006") == "SX Physio"
    assert counters(sandbox, "platform").get("PATCH /v2/accounts/{A}", 0) == patches_before
    assert last_event(deps.ledger, "1006").outcome == "ok"


def test_a_retry_that_fails_again_still_reports_the_split(deps: Deps, sandbox: Sandbox):
    deps.zuora.get_account("A00001006")
    zuora_writes_fail(sandbox, reads_first=1)
    with pytest.raises(EditIncomplete):
        rename_account(RenameAccount(account="1006", name="SX Physio"), ALICE, deps)
    zuora_writes_fail(sandbox, reads_first=1)  # a fresh bucket: one read, then failures

    with pytest.raises(EditIncomplete) as again:
        rename_account(RenameAccount(account="1006", name="SX Physio"), ALICE, deps)

    assert again.value.now.zuora == "Southern Cross Physiotherapy"


def test_rename_with_zuora_down_changes_nothing(deps: Deps, sandbox: Sandbox):
    sandbox.faults("zuora").set(error_rate=1.0)

    with pytest.raises(IntegrationError):
        rename_account(RenameAccount(account="1007", name="Wattle and Gum"), ALICE, deps)

    assert platform_name(sandbox, "1007") == "Wattle & Gum Landscaping"
    assert counters(sandbox, "platform").get("PATCH /v2/accounts/{A}", 0) == 0
    failed = last_event(deps.ledger, "1007")  # Zuora could not be read: no run was started
    assert (failed.action, failed.outcome) == ("edit.rename", "failed")
    assert failed.details["error"].startswith("Zuora") and "run_id" not in failed.details


def test_rename_needs_the_operator_role_and_the_refusal_is_audited(deps: Deps, sandbox: Sandbox):
    with pytest.raises(Forbidden):
        rename_account(RenameAccount(account="1007", name="X"), VERA, deps)

    assert platform_name(sandbox, "1007") == "Wattle & Gum Landscaping"
    assert last_event(deps.ledger, "1007").outcome == "refused"


def test_renaming_to_the_same_name_is_nothing_to_do(deps: Deps):
    with pytest.raises(NothingToDo):
        rename_account(RenameAccount(account="1007", name="Wattle & Gum  Landscaping"), ALICE, deps)
    assert events(deps.ledger, "1007") == []  # nothing was refused, nothing done


def test_renaming_a_deactivated_account_is_refused_and_audited(deps: Deps, sandbox: Sandbox):
    with sandbox.world.lock:
        sandbox.world.platform.accounts["1007"].status = "deactivated"
    with pytest.raises(Conflict) as caught:
        rename_account(RenameAccount(account="1007", name="Wattle and Gum"), ALICE, deps)

    refused = last_event(deps.ledger, "1007")
    assert (refused.action, refused.outcome) == ("edit.rename", "refused")
    assert refused.details == {"problem": str(caught.value)}


@pytest.mark.parametrize(
    ("name", "says"),
    [("   ", "Enter the account's new name"), ("x" * 256, "at most 255"), ("a\x07b", "control")],
)
def test_bad_names_are_refused_on_the_name_field(name: str, says: str):
    with pytest.raises(InvalidInput) as caught:
        order(RenameAccount, {"account": "1001", "name": name})
    assert caught.value.field == "name"
    assert says in str(caught.value)


def test_the_edit_form_shows_both_names_and_the_parent(deps: Deps):
    form = load_edit_form("1002", ALICE, deps)

    assert (form.account, form.parent, form.parent_name) == (
        "1002",
        "1001",
        "Bean Republic Coffee Co",
    )
    assert form.zuora_account == "A00001002"
    assert form.zuora_has_parent_link


# -- parent ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("account", "parent", "says"),
    [
        ("1001", "1001", "cannot be its own parent"),
        ("1001", "9999", "There is no account 9999"),
        ("1001", "1003", "one of 1001's own descendants"),
    ],
)
def test_impossible_parents_are_refused_on_the_parent_field(
    deps: Deps, sandbox: Sandbox, account: str, parent: str, says: str
):
    with pytest.raises(InvalidInput) as caught:
        set_parent(SetParent(account=account, parent=parent), ALICE, deps)

    assert caught.value.field == "parent"
    assert says in str(caught.value)
    with sandbox.world.lock:
        assert sandbox.world.platform.accounts[account].parent_id is None
    refused = last_event(deps.ledger, account)
    assert (refused.action, refused.outcome) == ("edit.parent", "refused")
    assert refused.details == {"parent": parent, "problem": str(caught.value)}


def test_a_grandchild_is_a_descendant_too(deps: Deps, sandbox: Sandbox):
    set_parent(SetParent(account="1005", parent="1002"), ALICE, deps)  # 1001 > 1002 > 1005

    with pytest.raises(InvalidInput, match="descendants"):
        check_parent(SetParent(account="1001", parent="1005"), deps)


def test_a_parent_number_must_be_digits():
    with pytest.raises(InvalidInput) as caught:
        order(SetParent, {"account": "1001", "parent": "Bean"})
    assert caught.value.field == "parent"


def test_moving_a_child_changes_the_zuora_parent_link_too(deps: Deps, sandbox: Sandbox):
    result = set_parent(SetParent(account="1002", parent="1006"), ALICE, deps)

    with sandbox.world.lock:
        world = sandbox.world
        assert world.platform.accounts["1002"].parent_id == "1006"
        child = world.zuora.account("A00001002")
        new_parent = world.zuora.account("A00001006")
        assert child is not None and new_parent is not None
        assert child.parent_id == new_parent.id
    assert result.written == ["Jet Hub platform", "Zuora"]
    event = last_event(deps.ledger, "1002")
    assert event.details["before"]["platform"] == "1001"
    assert event.details["after"]["platform"] == "1006"


def test_removing_a_parent_removes_both_links(deps: Deps, sandbox: Sandbox):
    set_parent(SetParent(account="1003", parent=None), ALICE, deps)

    with sandbox.world.lock:
        assert sandbox.world.platform.accounts["1003"].parent_id is None
        zuora = sandbox.world.zuora.account("A00001003")
        assert zuora is not None and zuora.parent_id is None


def test_an_account_billed_on_its_own_keeps_its_zuora_account_alone(deps: Deps, sandbox: Sandbox):
    result = set_parent(SetParent(account="1005", parent="1001"), ALICE, deps)

    assert result.written == ["Jet Hub platform"]
    assert result.zuora_note and "no parent link" in result.zuora_note
    with sandbox.world.lock:
        zuora = sandbox.world.zuora.account("A00001005")
        assert zuora is not None and zuora.parent_id is None


# -- invoice email --------------------------------------------------------------------------------


def test_invoice_email_changes_only_the_bill_to_email(deps: Deps, sandbox: Sandbox):
    contacts = load_invoice_contacts("1002", ALICE, deps)
    assert contacts.additional_emails == ["cfo@beanrepublicsurryhills.com.au"]
    assert not contacts.shared

    result = change_invoice_email(
        ChangeInvoiceEmail(account="1002", email="billing@bean.example.com.au"), ALICE, deps
    )

    with sandbox.world.lock:
        world = sandbox.world.zuora
        account = world.account("A00001002")
        assert account is not None
        assert world.bill_to(account).work_email == "billing@bean.example.com.au"
        assert world.sold_to(account).work_email != "billing@bean.example.com.au"
        assert account.additional_email_addresses == ["cfo@beanrepublicsurryhills.com.au"]
    assert result.before == "accounts@beanrepublicsurryhills.com.au"
    event = last_event(deps.ledger, "1002")
    assert (event.action, event.outcome) == ("invoice_email.update", "ok")
    assert event.details["before"] == "accounts@beanrepublicsurryhills.com.au"
    assert event.details["after"] == "billing@bean.example.com.au"


def test_one_contact_for_bill_to_and_sold_to_is_said_and_both_change(deps: Deps, sandbox: Sandbox):
    assert load_invoice_contacts("1010", ALICE, deps).shared

    result = change_invoice_email(
        ChangeInvoiceEmail(account="1010", email="office@surf.example.com"), ALICE, deps
    )

    assert result.shared
    with sandbox.world.lock:
        world = sandbox.world.zuora
        account = world.account("A00001010")
        assert account is not None
        assert world.sold_to(account).work_email == "office@surf.example.com"


@pytest.mark.parametrize(
    ("email", "says"),
    [
        ("", "Enter the email address"),
        ("billing at example.com", "cannot contain spaces"),
        ("billing@@example.com", "exactly one @"),
        ("billing@example", "needs a dot"),
        ("@example.com", "before the @"),
        ("bill..ing@example.com", "is not a valid email address"),
        ("a" * 70 + "@example.com", "at most 80 characters"),
    ],
)
def test_invalid_invoice_emails_are_refused_on_the_email_field(email: str, says: str):
    with pytest.raises(InvalidInput) as caught:
        order(ChangeInvoiceEmail, {"account": "1001", "email": email})
    assert caught.value.field == "email"
    assert says in str(caught.value)


# -- PBX ------------------------------------------------------------------------------------------


def pbx_of(sandbox: Sandbox, account: str) -> dict:
    with sandbox.world.lock:
        (pbx,) = sandbox.world.platform.estate(account).collections["pbxs"].values()
        return dict(pbx)


def test_pbx_billing_subscription_changes_to_one_of_the_accounts_own(deps: Deps, sandbox: Sandbox):
    pbx = pbx_of(sandbox, "1006")
    cmd = ChangePbxSubscription(account="1006", pbx_id=pbx["id"], subscription="A-S00001006-2")

    result = change_pbx_subscription(cmd, ALICE, deps)

    assert pbx_of(sandbox, "1006")["billing_subscription"] == "A-S00001006-2"
    assert (result.before, result.after) == ("A-S00001006-1", "A-S00001006-2")
    event = last_event(deps.ledger, "1006")
    assert (event.action, event.details["before"], event.details["after"]) == (
        "pbx.subscription",
        "A-S00001006-1",
        "A-S00001006-2",
    )


@pytest.mark.parametrize(
    ("subscription", "says"),
    [
        ("A-S99999999-1", "A-S99999999-1"),
        ("A-S00001007-1", "A-S00001007-1"),  # another account's
    ],
)
def test_a_subscription_must_exist_and_be_this_accounts(
    deps: Deps, sandbox: Sandbox, subscription: str, says: str
):
    pbx = pbx_of(sandbox, "1006")
    cmd = ChangePbxSubscription(account="1006", pbx_id=pbx["id"], subscription=subscription)

    with pytest.raises(InvalidInput) as caught:
        check_subscription(cmd, deps)
    assert caught.value.field == "subscription"
    assert says in str(caught.value)
    with pytest.raises(InvalidInput):
        change_pbx_subscription(cmd, ALICE, deps)
    assert pbx_of(sandbox, "1006")["billing_subscription"] == "A-S00001006-1"
    refused = last_event(deps.ledger, "1006")
    assert (refused.action, refused.outcome) == ("pbx.subscription", "refused")
    assert refused.details == {"subscription": subscription, "problem": str(caught.value)}


def test_pbx_group_rename_needs_the_acknowledgement(deps: Deps, sandbox: Sandbox):
    pbx = pbx_of(sandbox, "1007")
    with pytest.raises(InvalidInput) as caught:
        order(
            RenamePbxGroup,
            {"account": "1007", "pbx_id": pbx["id"], "name": "wg.pbx", "acknowledged": False},
        )
    assert caught.value.field == "acknowledged"
    assert "log in again" in str(caught.value)

    cmd = RenamePbxGroup(account="1007", pbx_id=pbx["id"], name="wg.pbx", acknowledged=True)
    result = rename_pbx_group(cmd, ALICE, deps)

    assert pbx_of(sandbox, "1007")["name"] == "wg.pbx"
    assert result.before == "wattle-gum-landscaping.pbx.jethub.com.au"
    event = last_event(deps.ledger, "1007")
    assert (event.action, event.details["after"], event.details["acknowledged"]) == (
        "pbx.name",
        "wg.pbx",
        True,
    )


# -- emergency ------------------------------------------------------------------------------------


def test_pulling_a_bad_sold_to_address_shows_its_hard_error(deps: Deps):
    draft = pull_from_zuora("1008", ALICE, deps)

    assert draft.address.postcode == "2000" and draft.address.state == "VIC"
    assert [(f.field, f.severity.value) for f in draft.findings] == [("postcode", "hard")]


def test_saving_refuses_hard_errors_on_their_fields_and_stores_a_fixed_address(
    deps: Deps, sandbox: Sandbox
):
    draft = pull_from_zuora("1008", ALICE, deps)

    with pytest.raises(AddressRejected) as caught:
        save_emergency(SaveEmergency(account="1008", address=draft.address), ALICE, deps)
    assert caught.value.errors == {"postcode": "Postcode 2000 is in NSW, but state is VIC"}
    with sandbox.world.lock:
        assert sandbox.world.platform.estate("1008").emergency is None

    fixed = draft.address.model_copy(update={"postcode": "3000"})
    result = save_emergency(SaveEmergency(account="1008", address=fixed), ALICE, deps)

    with sandbox.world.lock:
        stored = sandbox.world.platform.estate("1008").emergency
        assert stored is not None
        assert stored.address["postcode"] == "3000"
        assert stored.address["street_name"] == "COLLINS"
        assert stored.updated_by == "U0ALICE"
    assert result.before is None
    refused, saved = events(deps.ledger, "1008")[-2:]
    assert (refused.outcome, saved.outcome) == ("refused", "ok")
    assert refused.details["errors"] and refused.details["problem"].startswith("IPND would reject")
    assert saved.details["before"] is None
    assert saved.details["after"]["postcode"] == "3000"


# -- auth rules -----------------------------------------------------------------------------------


def test_refresh_auth_fixes_each_rule_then_has_nothing_to_do(deps: Deps, sandbox: Sandbox):
    first = refresh_auth_rules("1007", ALICE, deps)

    assert sorted(first.changes) == [
        "0412 345 678 had no rule — added",
        "0412 345 679 rule was wrong — fixed",
        "stray rule 1007-0298765432 removed",
    ]
    assert first.reloaded
    sandbox.counters.reset()

    second = refresh_auth_rules("1007", ALICE, deps)

    assert second.changes == [] and not second.reloaded
    sbc = counters(sandbox, "sbc")
    assert {endpoint for endpoint in sbc if not endpoint.startswith("GET")} == set()
    first_event, second_event = events(deps.ledger, "1007")[-2:]
    assert len(first_event.details["changes"]) == 3
    assert second_event.details["changes"] == []


@pytest.mark.parametrize("account", [str(n) for n in range(1001, 1013) if n != 1008])
def test_an_address_written_to_the_sold_to_reads_back_as_the_same_ipnd_fields(account):
    from commands.changes.emergency import sold_to_fields
    from devkit.sandbox import demo_world
    from integrations.ipnd import ServiceAddress, parse_sold_to, same_as_sold_to

    record = demo_world().platform.estate(account).emergency
    assert record is not None
    address = ServiceAddress(**record.address)
    fields = sold_to_fields(address)
    back = parse_sold_to(
        address1=fields.address1,
        address2=fields.address2,
        city=fields.city,
        state=fields.state,
        zip_code=fields.zip_code,
        country=fields.country,
    )
    assert back.address == address
    assert not [f for f in back.findings if f.severity.value == "hard"]
    edited = address.model_copy(update={"house_number": address.house_number + "1"})
    contact = ZuoraContact(id="c", **fields.model_dump(exclude_none=True))
    assert same_as_sold_to(address, contact) and not same_as_sold_to(edited, contact)
