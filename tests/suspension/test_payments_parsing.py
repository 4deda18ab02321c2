"""The callout's parsers: any body is a payment hint or a ValueError naming what is wrong; any
Authorization header is the configured credentials or not — never an exception."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.runtime.masking import PROCESS
from bot.runtime.services import secret_values
from bot.runtime.settings import Settings, SettingsError
from bot.suspension.payments import authorised, read_payment

USER, PASSWORD = "zuora-workflow", "callout-password-5f1e9c"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)


@given(st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_any_body_is_read_or_refused_with_a_reason(body: bytes) -> None:
    try:
        payment = read_payment(body)
    except ValueError as exc:
        assert str(exc)
    else:
        assert payment.amount > 0 and payment.event == "payment.processed"


@given(
    account=st.from_regex(r"\AA[0-9]{8}\Z"),
    number=st.from_regex(r"\AP-[0-9]{8}\Z"),
    cents=st.integers(1, 10**11),
    extra=st.dictionaries(st.sampled_from(["tenantId", "currency", "x"]), st.text(max_size=5)),
)
def test_a_well_formed_body_is_read_exactly(
    account: str, number: str, cents: int, extra: dict[str, str]
) -> None:
    amount = Decimal(cents) / 100
    body = {
        **extra,
        "event": "payment.processed",
        "accountNumber": account,
        "paymentNumber": number,
        "amount": float(amount) if cents < 10**9 else str(amount),
    }
    payment = read_payment(json.dumps(body).encode())
    assert (payment.account_number, payment.payment_number) == (account, number)
    assert payment.amount == amount


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@given(st.text(max_size=80))
def test_any_authorization_header_is_judged_without_error(header: str) -> None:
    assert authorised(header, USER, PASSWORD) is (header == _basic(USER, PASSWORD))


@given(st.text(max_size=30), st.text(max_size=30))
def test_only_the_exact_user_and_password_pass(user: str, password: str) -> None:
    expected = user == USER and password == PASSWORD
    assert authorised(_basic(user, password), USER, PASSWORD) is expected


def test_the_callout_password_is_a_secret_masked_like_the_others() -> None:
    settings = Settings(
        _env_file=None, jethub_zuora_callout_user=USER, jethub_zuora_callout_password=PASSWORD
    )
    assert PASSWORD in secret_values(settings)
    PROCESS.add([PASSWORD])
    assert PASSWORD not in PROCESS.mask(f"the password is {PASSWORD}")
    assert settings.callout_credentials == (USER, PASSWORD)


@pytest.mark.parametrize(
    "values",
    [
        {"jethub_zuora_callout_user": USER},
        {"jethub_zuora_callout_password": PASSWORD},
    ],
)
def test_the_callout_credentials_come_together(values: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="must be set together"):
        Settings(_env_file=None, **values).check_consistency()


def test_a_short_callout_password_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 12"):
        Settings(_env_file=None, jethub_zuora_callout_password="short")
