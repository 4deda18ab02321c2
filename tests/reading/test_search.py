"""Naming an account every way a support person has one to hand: the Jet Hub number, the Zuora
account number, a phone number in any common form, or part of the name (case and accents aside)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.accounts import resolve_account
from commands.errors import AccountNotFound, AmbiguousAccount
from devkit.sandbox._demo import MISSING_RULE_NUMBER
from devkit.sandbox._platform_state import PlatformAccount
from integrations.phone import national_au_number
from integrations.text import fold


def test_by_zuora_account_number_in_either_case(deps):
    assert resolve_account(deps, "A00001001").id == "1001"
    assert resolve_account(deps, "a00001006").id == "1006"
    with pytest.raises(AccountNotFound):
        resolve_account(deps, "A00009999")


@pytest.mark.parametrize(
    "typed",
    [
        "0412345678",
        "0412 345 678",
        "0412-345-678",
        "+61412345678",
        "+61 412 345 678",
        "61412345678",
    ],
)
def test_by_mobile_number_in_any_common_form(deps, typed):
    assert MISSING_RULE_NUMBER == "0412345678"  # one of account 1007's numbers
    assert resolve_account(deps, typed).id == "1007"


@pytest.mark.parametrize(
    "typed", ["0249671234", "(02) 4967 1234", "02 4967 1234", "+61 2 4967 1234"]
)
def test_by_landline_in_any_common_form(deps, typed):
    assert resolve_account(deps, typed).id == "1007"


def test_a_number_nobody_holds_is_not_found(deps):
    with pytest.raises(AccountNotFound):
        resolve_account(deps, "0499 999 999")


def test_by_name_without_its_accents(deps, sandbox):
    with sandbox.world.lock:
        sandbox.world.platform.add_account(
            PlatformAccount("1101", "Café Crème Newtown", None, datetime(2024, 1, 1, tzinfo=UTC))
        )
    assert resolve_account(deps, "cafe creme").id == "1101"
    assert resolve_account(deps, "CAFÉ").id == "1101"
    assert resolve_account(deps, "Cafe Creme Newtown").id == "1101"


def test_an_exact_name_wins_over_longer_ones_whatever_the_accents(deps, sandbox):
    with sandbox.world.lock:
        for number, name in (("1101", "Café Nord"), ("1102", "Cafe Nord Annex")):
            sandbox.world.platform.add_account(
                PlatformAccount(number, name, None, datetime(2024, 1, 1, tzinfo=UTC))
            )
    with pytest.raises(AmbiguousAccount):
        resolve_account(deps, "cafe")
    assert resolve_account(deps, "cafe nord").id == "1101"


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ", max_size=30),
    st.sampled_from(["\u0301", "\u0300", "\u0308", "\u0302", "\u0327"]),
)
def test_fold_ignores_case_and_accents(text, accent):
    accented = unicodedata.normalize("NFC", "".join(c + accent for c in text))
    assert fold(accented) == fold(text) == text.lower()
    assert fold(fold(accented)) == fold(accented)


@given(
    st.sampled_from(["04", "02", "03", "07", "08"]),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.sampled_from(["{a}{b}", "{a} {b1} {b2}", "({a}) {b1} {b2}", "+61 {a1}{b}", "61{a1}{b}"]),
)
def test_every_common_written_form_reads_as_the_same_national_number(prefix, rest, shape):
    national = prefix + rest
    typed = shape.format(a=prefix, a1=prefix[1:], b=rest, b1=rest[:4], b2=rest[4:])
    assert national_au_number(typed) == national


@given(st.text(max_size=30))
def test_the_phone_parser_never_raises_and_gives_national_digits_or_none(text):
    found = national_au_number(text)
    assert found is None or (found.isdigit() and len(found) in (6, 10))


@pytest.mark.parametrize(
    ("typed", "account"),
    [
        ("accounts@beanrepubliccoffeeco.com.au", "1001"),  # Bill To's work email
        ("Jack.Nguyen@BeanRepublicSurryHills.com.au", "1002"),  # Sold To's, in another case
        ("INV00000003", "1002"),
        ("inv00000019", "1010"),
    ],
)
def test_by_a_contacts_email_or_an_invoice_number(deps, typed, account):
    assert resolve_account(deps, typed).id == account


def test_an_email_or_invoice_nobody_has_is_not_found(deps):
    for typed in ("nobody@example.com.au", "INV99999999", "INV-7"):
        with pytest.raises(AccountNotFound):
            resolve_account(deps, typed)


def test_an_email_shared_by_two_accounts_lists_both(deps, sandbox):
    with sandbox.world.lock:
        z = sandbox.world.zuora
        for key in ("A00001003", "A00001004"):
            z.bill_to(z.account(key)).personal_email = "owner@shared.example.com"
    with pytest.raises(AmbiguousAccount) as found:
        resolve_account(deps, "owner@shared.example.com")
    assert [number for number, _ in found.value.matches] == ["1003", "1004"]


def test_a_phone_number_is_found_in_a_generated_world_before_its_account_is_built(sqlite_ledger):
    from devkit.sandbox import Sandbox, generate_world
    from tests.reading.conftest import make_deps

    reference = generate_world(3_000, seed=5)
    reference.ensure("3777")
    number = sorted(n.number for n in reference.platform.estate("3777").phone_numbers.values())[0]
    world = generate_world(3_000, seed=5)  # the same world, nothing built
    with Sandbox(world=world) as sb:
        deps = make_deps(sb.url, sqlite_ledger)
        try:
            assert "3777" not in world._loaded
            assert resolve_account(deps, number).id == "3777"
            assert resolve_account(deps, number).id == "3777"  # built now: found once, still
        finally:
            deps.zuora.close()
            deps.platform.close()
            deps.sbc.close()
