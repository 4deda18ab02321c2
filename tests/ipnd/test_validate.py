"""validate(): one table row per rule, each against an otherwise valid address."""

from __future__ import annotations

import pytest

from integrations.ipnd import (
    ADDRESS_FIELDS,
    Finding,
    FindingCode,
    ServiceAddress,
    Severity,
    has_hard_errors,
    validate,
)

VALID = ServiceAddress(
    house_number="12",
    street_name="SMITH",
    street_type="ST",
    locality="BONDI",
    state="NSW",
    postcode="2026",
)


def with_(**changes: str) -> ServiceAddress:
    return VALID.model_copy(update=changes)


def codes(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(finding.code.value, finding.field) for finding in findings}


def test_a_complete_address_has_no_findings():
    assert validate(VALID) == []


def test_a_full_address_with_every_part_has_no_findings():
    address = ServiceAddress(
        building_type="BLDG",
        building_number="2",
        building_suffix="B",
        floor_type="L",
        floor_number="3",
        floor_suffix="A",
        unit_type="SE",
        unit_number="301",
        property_name="ACME HOUSE",
        house_number="45",
        house_suffix="A",
        house_number_2="47",
        house_suffix_2="C",
        street_name="HIGH",
        street_type="ST",
        street_suffix="N",
        locality="KEW",
        state="VIC",
        postcode="3101",
    )
    assert validate(address) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # required fields
        ({"street_name": ""}, ("IPND-HARD-REQUIRED", "street_name")),
        ({"street_type": ""}, ("IPND-SOFT-STREET-TYPE-MISSING", "street_type")),
        ({"locality": ""}, ("IPND-HARD-REQUIRED", "locality")),
        ({"state": ""}, ("IPND-HARD-REQUIRED", "state")),
        ({"postcode": ""}, ("IPND-HARD-REQUIRED", "postcode")),
        ({"locality": "   "}, ("IPND-HARD-REQUIRED", "locality")),
        ({"house_number": ""}, ("IPND-HARD-NO-NUMBER", "house_number")),
        # states
        ({"state": "XX"}, ("IPND-HARD-STATE", "state")),
        ({"state": "Victoria", "postcode": "3000"}, ("IPND-HARD-STATE", "state")),
        # street type and suffix
        ({"street_type": "AVE"}, ("IPND-HARD-STREET-TYPE", "street_type")),
        ({"street_type": "STREET"}, ("IPND-HARD-STREET-TYPE", "street_type")),
        ({"street_type": "QQQ"}, ("IPND-HARD-STREET-TYPE", "street_type")),
        ({"street_suffix": "NORTH"}, ("IPND-HARD-STREET-SUFFIX", "street_suffix")),
        ({"street_suffix": "X"}, ("IPND-HARD-STREET-SUFFIX", "street_suffix")),
        # house numbers
        ({"house_number": "0"}, ("IPND-HARD-HOUSE-NUMBER", "house_number")),
        ({"house_number": "100000"}, ("IPND-HARD-HOUSE-NUMBER", "house_number")),
        ({"house_number": "12A"}, ("IPND-HARD-HOUSE-NUMBER", "house_number")),
        ({"house_number": "twelve"}, ("IPND-HARD-HOUSE-NUMBER", "house_number")),
        ({"house_number": "١٢"}, ("IPND-HARD-HOUSE-NUMBER", "house_number")),
        ({"house_suffix": "AB"}, ("IPND-HARD-SUFFIX", "house_suffix")),
        ({"house_suffix": "1"}, ("IPND-HARD-SUFFIX", "house_suffix")),
        (
            {"house_number": "", "property_name": "X", "house_suffix": "A"},
            ("IPND-HARD-SUFFIX", "house_suffix"),
        ),
        ({"house_number_2": "100000"}, ("IPND-HARD-HOUSE-NUMBER", "house_number_2")),
        (
            {"house_number": "", "property_name": "X", "house_number_2": "14"},
            ("IPND-HARD-HOUSE-NUMBER", "house_number_2"),
        ),
        ({"house_suffix_2": "B"}, ("IPND-HARD-SUFFIX", "house_suffix_2")),
        ({"house_number_2": "10"}, ("IPND-SOFT-HOUSE-NUMBER-RANGE", "house_number_2")),
        ({"house_number_2": "12"}, ("IPND-SOFT-HOUSE-NUMBER-RANGE", "house_number_2")),
        # floors
        ({"floor_type": "LEVEL", "floor_number": "3"}, ("IPND-HARD-FLOOR-TYPE", "floor_type")),
        ({"floor_type": "ZZ", "floor_number": "3"}, ("IPND-HARD-FLOOR-TYPE", "floor_type")),
        ({"floor_number": "3"}, ("IPND-HARD-FLOOR-TYPE", "floor_type")),
        ({"floor_type": "L", "floor_number": "0"}, ("IPND-HARD-FLOOR-NUMBER", "floor_number")),
        ({"floor_type": "L", "floor_number": "1001"}, ("IPND-HARD-FLOOR-NUMBER", "floor_number")),
        ({"floor_type": "L", "floor_number": "3A"}, ("IPND-HARD-FLOOR-NUMBER", "floor_number")),
        ({"floor_type": "L"}, ("IPND-SOFT-FLOOR-NUMBER-MISSING", "floor_number")),
        ({"floor_type": "FL"}, ("IPND-SOFT-FLOOR-NUMBER-MISSING", "floor_number")),
        (
            {"floor_type": "L", "floor_number": "3", "floor_suffix": "12"},
            ("IPND-HARD-SUFFIX", "floor_suffix"),
        ),
        ({"floor_type": "G", "floor_suffix": "A"}, ("IPND-HARD-SUFFIX", "floor_suffix")),
        # units
        ({"unit_type": "APARTMENT", "unit_number": "4"}, ("IPND-HARD-UNIT-TYPE", "unit_type")),
        ({"unit_type": "UNIT", "unit_number": "1.02"}, ("IPND-HARD-UNIT-NUMBER", "unit_number")),
        ({"unit_type": "UNIT", "unit_number": "123456"}, ("IPND-HARD-UNIT-NUMBER", "unit_number")),
        ({"unit_number": "4"}, ("IPND-SOFT-TYPE-MISSING", "unit_type")),
        ({"unit_type": "SHOP"}, ("IPND-WARN-NUMBER-MISSING", "unit_number")),
        # buildings
        (
            {"building_type": "BUILDING", "building_number": "2"},
            ("IPND-HARD-BUILDING-TYPE", "building_type"),
        ),
        (
            {"building_type": "BLDG", "building_number": "2B"},
            ("IPND-HARD-BUILDING-NUMBER", "building_number"),
        ),
        ({"building_number": "2"}, ("IPND-SOFT-TYPE-MISSING", "building_type")),
        ({"building_type": "TWR"}, ("IPND-WARN-NUMBER-MISSING", "building_number")),
        (
            {"building_type": "BLDG", "building_suffix": "B"},
            ("IPND-HARD-SUFFIX", "building_suffix"),
        ),
        # postcodes
        ({"postcode": "200"}, ("IPND-HARD-POSTCODE-FORMAT", "postcode")),
        ({"postcode": "20000"}, ("IPND-HARD-POSTCODE-FORMAT", "postcode")),
        ({"postcode": "2O26"}, ("IPND-HARD-POSTCODE-FORMAT", "postcode")),
        ({"postcode": "\uff12\uff10\uff12\uff16"}, ("IPND-HARD-POSTCODE-FORMAT", "postcode")),
        ({"postcode": "3000"}, ("IPND-HARD-POSTCODE-STATE", "postcode")),
        ({"postcode": "1001"}, ("IPND-HARD-POSTCODE-PO-BOX", "postcode")),
        ({"postcode": "0100"}, ("IPND-HARD-POSTCODE-UNKNOWN", "postcode")),
        ({"postcode": "6799", "state": "WA"}, ("IPND-HARD-POSTCODE-UNKNOWN", "postcode")),
        # characters and lengths
        ({"street_name": "NUÑEZ"}, ("IPND-HARD-CHARACTERS", "street_name")),
        ({"locality": "BONDI\x00"}, ("IPND-HARD-CHARACTERS", "locality")),
        ({"property_name": "ACME 😀"}, ("IPND-HARD-CHARACTERS", "property_name")),
        ({"street_name": "A" * 26}, ("IPND-HARD-LENGTH", "street_name")),
        ({"locality": "B" * 41}, ("IPND-HARD-LENGTH", "locality")),
        ({"property_name": "C" * 41}, ("IPND-HARD-LENGTH", "property_name")),
        # case
        ({"street_name": "Smith"}, ("IPND-WARN-UPPER-CASE", "street_name")),
    ],
)
def test_each_rule_reports_its_code_on_its_field(changes, expected):
    findings = validate(with_(**changes))
    assert expected in codes(findings)


@pytest.mark.parametrize(
    "changes",
    [
        {"street_name": "A" * 25},
        {"locality": "B" * 40},
        {"property_name": "C" * 40},
        {"street_name": "O'CONNELL"},
        {"locality": "WAGGA-WAGGA"},
        {"house_number": "1"},
        {"house_number": "99999"},
        {"house_number": "", "property_name": "ACME FARM"},
        {"house_number": "", "building_type": "BLDG", "building_number": "2"},
        {"house_number_2": "14"},
        {"floor_type": "L", "floor_number": "1"},
        {"floor_type": "L", "floor_number": "1000"},
        {"floor_type": "G"},
        {"floor_type": "LG"},
        {"unit_type": "UNIT", "unit_number": "4A"},
        {"unit_type": "SHOP", "unit_number": "G12"},
        {"unit_type": "APT", "unit_number": "B"},
        {"street_type": "AV"},
        {"street_type": "CCT"},
        {"street_type": "LANE"},
        {"street_suffix": "NE"},
        {"state": " NSW ", "postcode": " 2026 "},
    ],
)
def test_values_at_the_edges_of_each_rule_pass(changes):
    assert validate(with_(**changes)) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"postcode": "2000", "state": "VIC"}, "Postcode 2000 is in NSW, but state is VIC"),
        ({"street_type": "AVE"}, "Street type AVE is not an IPND code — use AV (Avenue)"),
        ({"street_type": "Street"}, "use ST (Street)"),
        ({"state": "New South Wales"}, "is not an IPND state code — use NSW"),
        ({"postcode": "800", "state": "NT"}, "Postcode 800 must be 4 digits — use 0800"),
        ({"postcode": "1001"}, "Postcode 1001 is for PO boxes in NSW"),
        ({"postcode": "2540", "state": "VIC"}, "Postcode 2540 is in ACT or NSW, but state is VIC"),
        ({"house_number": "12A"}, "put 12 in house number and A in house number suffix"),
        ({"house_number_2": "10"}, "use 10-12"),
        ({"floor_type": "LEVEL", "floor_number": "3"}, "use L (Level)"),
        ({"unit_type": "APARTMENT", "unit_number": "4"}, "use APT (Apartment)"),
        ({"street_type": "", "street_name": "SMITH STREET"}, "street name SMITH, street type ST"),
        ({"locality": "BONDI\x00"}, "U+0000"),
    ],
)
def test_messages_say_what_to_do(changes, message):
    text = " / ".join(finding.message for finding in validate(with_(**changes)))
    assert message in text


def test_a_huge_value_is_quoted_short():
    findings = validate(with_(street_type="X" * 100_000))
    assert findings[0].code is FindingCode.STREET_TYPE
    assert len(findings[0].message) < 200


def test_lower_case_earns_one_warning_not_an_error():
    findings = validate(with_(street_name="Smith", locality="Bondi", state="nsw", street_type="st"))
    assert [f.code for f in findings] == [FindingCode.UPPER_CASE]
    assert "street name, street type, locality, state" in findings[0].message
    assert not has_hard_errors(findings)


def test_severity_follows_the_code():
    for code in FindingCode:
        assert (
            code.value.split("-")[1]
            == {"hard": "HARD", "soft": "SOFT", "warning": "WARN"}[code.severity.value]
        )


def test_has_hard_errors():
    assert has_hard_errors(validate(with_(postcode="3000")))
    assert not has_hard_errors(validate(with_(house_number_2="10")))
    assert not has_hard_errors([])


def test_findings_name_real_fields_and_severities():
    findings = validate(ServiceAddress(**{name: "?" * 3 for name in ADDRESS_FIELDS}))
    assert findings
    assert {f.field for f in findings} <= set(ADDRESS_FIELDS)
    assert {f.severity for f in findings} <= set(Severity)


def test_service_address_accepts_none_and_numbers_and_ignores_unknown_keys():
    address = ServiceAddress.model_validate(
        {"house_number": 12, "postcode": None, "building_location": "REAR"}
    )
    assert address.house_number == "12"
    assert address.postcode == ""
    assert "building_location" not in address.model_dump()
    assert tuple(address.model_dump()) == ADDRESS_FIELDS
