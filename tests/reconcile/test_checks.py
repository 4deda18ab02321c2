"""The emergency check's shortcut never calls two addresses the same that the Sold To parse
would call different; the fingerprint changes when what a side says changes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from commands.reconcile import Finding, fingerprint
from commands.reconcile.checks import written_as
from devkit.sandbox import build_world
from integrations.ipnd import ServiceAddress, parse_sold_to
from integrations.zuora import ZuoraContact

WORLD = build_world("generated", 300)


def _pair(i: int) -> tuple[ServiceAddress, ZuoraContact]:
    account = str(1001 + i)
    record = WORLD.platform.estate(account).emergency
    assert record is not None
    zuora = WORLD.zuora.account(f"A{int(account):08d}")
    assert zuora is not None
    return ServiceAddress(**record.address), ZuoraContact.model_validate(
        WORLD.zuora.sold_to(zuora).to_json()
    )


def _parsed(contact: ZuoraContact) -> ServiceAddress:
    return parse_sold_to(
        address1=contact.address1,
        address2=contact.address2,
        city=contact.city,
        state=contact.state,
        zip_code=contact.zip_code,
        country=contact.country,
    ).address


def test_the_generated_world_is_written_as_its_emergency_addresses() -> None:
    for i in range(300):
        address, contact = _pair(i)
        assert written_as(address, contact) and _parsed(contact) == address


@settings(max_examples=150, deadline=None)
@given(
    i=st.integers(0, 299),
    field=st.sampled_from(["address1", "city", "state", "zip_code", "address2", "country"]),
    text=st.text(alphabet="0123456789 ,ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg/-", max_size=40),
)
def test_an_edited_sold_to_is_never_wrongly_called_the_same(i: int, field: str, text: str) -> None:
    address, contact = _pair(i)
    edited = contact.model_copy(update={field: text})
    if written_as(address, edited):
        assert _parsed(edited) == address


def test_the_fingerprint_follows_what_each_side_says() -> None:
    one = Finding(account="1005", check="allowances", platform="4 x A", zuora="5 x A")
    same = Finding(account="1005", check="allowances", platform="4 x A", zuora="5 x A")
    other = Finding(account="1005", check="allowances", platform="3 x A", zuora="5 x A")
    assert fingerprint([one]) == fingerprint([same]) != fingerprint([other])
    assert fingerprint([one, other]) == fingerprint([other, one]) != fingerprint([])
