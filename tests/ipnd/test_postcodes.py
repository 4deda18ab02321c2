"""Postcode against state: street ranges, border postcodes, PO-box-only ranges."""

from __future__ import annotations

import pytest

from integrations.ipnd import (
    FindingCode,
    ServiceAddress,
    po_box_postcode_state,
    street_postcode_states,
    validate,
)


def postcode_codes(postcode: str, state: str) -> set[FindingCode]:
    address = ServiceAddress(
        house_number="1",
        street_name="MAIN",
        street_type="ST",
        locality="TOWN",
        state=state,
        postcode=postcode,
    )
    return {f.code for f in validate(address) if f.field == "postcode"}


BORDER = [
    ("2540", "NSW", "ACT"),
    ("2611", "ACT", "NSW"),
    ("2620", "NSW", "ACT"),
    ("3500", "VIC", "NSW"),
    ("3585", "VIC", "NSW"),
    ("3586", "VIC", "NSW"),
    ("3644", "VIC", "NSW"),
    ("3691", "VIC", "NSW"),
    ("3707", "VIC", "NSW"),
    ("2406", "NSW", "QLD"),
    ("4377", "QLD", "NSW"),
    ("4380", "QLD", "NSW"),
    ("0872", "NT", "SA"),
    ("0872", "NT", "WA"),
]


@pytest.mark.parametrize(("postcode", "home", "neighbour"), BORDER)
def test_border_postcodes_are_accepted_for_either_state(postcode, home, neighbour):
    assert postcode_codes(postcode, home) == set()
    assert postcode_codes(postcode, neighbour) == set()


@pytest.mark.parametrize(("postcode", "home", "neighbour"), BORDER)
def test_border_postcodes_are_still_wrong_for_a_third_state(postcode, home, neighbour):
    other = "TAS"
    assert postcode_codes(postcode, other) == {FindingCode.POSTCODE_STATE}


@pytest.mark.parametrize(
    ("postcode", "state"),
    [
        ("2000", "NSW"),
        ("2599", "NSW"),
        ("2619", "NSW"),
        ("2899", "NSW"),
        ("2921", "NSW"),
        ("2999", "NSW"),
        ("2600", "ACT"),
        ("2618", "ACT"),
        ("2900", "ACT"),
        ("2920", "ACT"),
        ("3000", "VIC"),
        ("3999", "VIC"),
        ("4000", "QLD"),
        ("4999", "QLD"),
        ("5000", "SA"),
        ("5799", "SA"),
        ("6000", "WA"),
        ("6797", "WA"),
        ("7000", "TAS"),
        ("7799", "TAS"),
        ("0800", "NT"),
        ("0899", "NT"),
    ],
)
def test_street_range_ends_are_in_their_state(postcode, state):
    assert postcode_codes(postcode, state) == set()
    assert street_postcode_states(postcode) >= {state}


@pytest.mark.parametrize(
    ("postcode", "state", "wrong"),
    [
        ("2600", "ACT", "NSW"),
        ("2618", "ACT", "NSW"),
        ("2900", "ACT", "NSW"),
        ("2920", "ACT", "NSW"),
        ("2599", "NSW", "ACT"),
        ("2619", "NSW", "ACT"),
        ("2921", "NSW", "ACT"),
        ("0800", "NT", "SA"),
        ("0899", "NT", "WA"),
        ("3000", "VIC", "NSW"),
        ("4000", "QLD", "NSW"),
        ("5000", "SA", "WA"),
        ("6000", "WA", "SA"),
        ("7000", "TAS", "VIC"),
    ],
)
def test_a_postcode_in_another_state_is_a_hard_error(postcode, state, wrong):
    assert postcode_codes(postcode, wrong) == {FindingCode.POSTCODE_STATE}


@pytest.mark.parametrize(
    ("postcode", "state"),
    [
        ("1000", "NSW"),
        ("1999", "NSW"),
        ("0200", "ACT"),
        ("0299", "ACT"),
        ("8000", "VIC"),
        ("8999", "VIC"),
        ("9000", "QLD"),
        ("9999", "QLD"),
        ("5800", "SA"),
        ("5999", "SA"),
        ("6800", "WA"),
        ("6999", "WA"),
        ("7800", "TAS"),
        ("7999", "TAS"),
        ("0900", "NT"),
        ("0999", "NT"),
    ],
)
def test_po_box_only_postcodes_are_not_service_addresses(postcode, state):
    assert po_box_postcode_state(postcode) == state
    assert street_postcode_states(postcode) == frozenset()
    assert postcode_codes(postcode, state) == {FindingCode.POSTCODE_PO_BOX}


@pytest.mark.parametrize("postcode", ["0000", "0199", "0300", "0799", "6798", "6799"])
def test_postcodes_in_no_range_are_unknown(postcode):
    assert postcode_codes(postcode, "NSW") == {FindingCode.POSTCODE_UNKNOWN}


@pytest.mark.parametrize(
    "postcode", ["", "200", "20000", "abcd", "\uff12\uff10\uff10\uff10", "2 000"]
)
def test_lookups_of_malformed_postcodes_find_nothing(postcode):
    assert street_postcode_states(postcode) == frozenset()
    assert po_box_postcode_state(postcode) is None
