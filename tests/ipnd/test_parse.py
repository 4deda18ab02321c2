"""parse_sold_to(): Zuora Sold To free text into IPND fields."""

from __future__ import annotations

import pytest

from integrations.ipnd import FindingCode, Severity, parse_sold_to

SYDNEY = {"city": "Bondi", "state": "NSW", "zip_code": "2026", "country": "Australia"}


def parse(address1: str, address2: str = "", **contact: str):
    return parse_sold_to(address1=address1, address2=address2, **{**SYDNEY, **contact})


def filled(result) -> dict[str, str]:
    return {name: value for name, value in result.address.model_dump().items() if value}


BONDI = {"locality": "BONDI", "state": "NSW", "postcode": "2026"}


@pytest.mark.parametrize(
    ("address1", "address2", "expected"),
    [
        (
            "Unit 4, 12 Smith St",
            "",
            {"unit_type": "UNIT", "unit_number": "4", "house_number": "12"},
        ),
        (
            "Unit 4 12 Smith St",
            "",
            {"unit_type": "UNIT", "unit_number": "4", "house_number": "12"},
        ),
        ("Unit 4", "12 Smith St", {"unit_type": "UNIT", "unit_number": "4", "house_number": "12"}),
        (
            "4/12 Smith Street",
            "",
            {"unit_type": "UNIT", "unit_number": "4", "house_number": "12"},
        ),
        (
            "Unit 4/12 Smith Street",
            "",
            {"unit_type": "UNIT", "unit_number": "4", "house_number": "12"},
        ),
        (
            "Apartment 4B, 12 Smith St",
            "",
            {"unit_type": "APT", "unit_number": "4B", "house_number": "12"},
        ),
        (
            "Suite 301, 12 Smith St",
            "",
            {"unit_type": "SE", "unit_number": "301", "house_number": "12"},
        ),
        ("12 Smith St", "", {"house_number": "12"}),
        ("12 smith street.", "", {"house_number": "12"}),
        ("12A Smith St", "", {"house_number": "12", "house_suffix": "A"}),
        ("12", "Smith Street", {"house_number": "12"}),
        ("12-14 Smith St", "", {"house_number": "12", "house_number_2": "14"}),
        ("12 \u2013 14 Smith St", "", {"house_number": "12", "house_number_2": "14"}),
        (
            "Level 3, 12 Smith St",
            "",
            {"floor_type": "L", "floor_number": "3", "house_number": "12"},
        ),
        ("L3 12 Smith St", "", {"floor_type": "L", "floor_number": "3", "house_number": "12"}),
        (
            "3rd Floor, 12 Smith St",
            "",
            {"floor_type": "FL", "floor_number": "3", "house_number": "12"},
        ),
        ("Ground Floor, 12 Smith St", "", {"floor_type": "G", "house_number": "12"}),
        (
            "Building 2, 12 Smith St",
            "",
            {"building_type": "BLDG", "building_number": "2", "house_number": "12"},
        ),
        (
            "Acme House, 12 Smith St",
            "",
            {"property_name": "ACME HOUSE", "house_number": "12"},
        ),
        ("12 Smith St", "Bondi", {"house_number": "12"}),
    ],
)
def test_smith_street_forms(address1, address2, expected):
    result = parse(address1, address2)
    assert filled(result) == {
        "street_name": "SMITH",
        "street_type": "ST",
        **BONDI,
        **expected,
    }
    assert result.findings == []


@pytest.mark.parametrize(
    ("contact", "expected"),
    [
        (
            {"address1": "Level 3, 100 George Street", "city": "Sydney", "zip_code": "2000"},
            {
                "floor_type": "L",
                "floor_number": "3",
                "house_number": "100",
                "street_name": "GEORGE",
                "street_type": "ST",
                "locality": "SYDNEY",
                "state": "NSW",
                "postcode": "2000",
            },
        ),
        (
            {
                "address1": "Shop 2 45-47 High St North",
                "city": "Kew",
                "state": "Victoria",
                "zip_code": "3101",
            },
            {
                "unit_type": "SHOP",
                "unit_number": "2",
                "house_number": "45",
                "house_number_2": "47",
                "street_name": "HIGH",
                "street_type": "ST",
                "street_suffix": "N",
                "locality": "KEW",
                "state": "VIC",
                "postcode": "3101",
            },
        ),
        (
            {"address1": "12A Smith Ave", "city": "Perth", "state": "wa", "zip_code": "6000"},
            {
                "house_number": "12",
                "house_suffix": "A",
                "street_name": "SMITH",
                "street_type": "AV",
                "locality": "PERTH",
                "state": "WA",
                "postcode": "6000",
            },
        ),
        (
            {"address1": "12 St Kilda Rd", "city": "St Kilda", "state": "vic", "zip_code": "3182"},
            {
                "house_number": "12",
                "street_name": "ST KILDA",
                "street_type": "RD",
                "locality": "ST KILDA",
                "state": "VIC",
                "postcode": "3182",
            },
        ),
        (
            {"address1": "12 Main St North Sydney", "city": "North Sydney", "zip_code": "2060"},
            {
                "house_number": "12",
                "street_name": "MAIN",
                "street_type": "ST",
                "locality": "NORTH SYDNEY",
                "state": "NSW",
                "postcode": "2060",
            },
        ),
        (
            {"address1": "12 Smith Street, Darwin NT 800", "city": "", "state": "", "zip_code": ""},
            {
                "house_number": "12",
                "street_name": "SMITH",
                "street_type": "ST",
                "locality": "DARWIN",
                "state": "NT",
                "postcode": "0800",
            },
        ),
        (
            {
                "address1": "7 Cul-de-sac Way West",
                "city": "Kew",
                "state": "VIC",
                "zip_code": "3101",
            },
            {
                "house_number": "7",
                "street_name": "CUL-DE-SAC",
                "street_type": "WAY",
                "street_suffix": "W",
                "locality": "KEW",
                "state": "VIC",
                "postcode": "3101",
            },
        ),
    ],
)
def test_other_addresses(contact, expected):
    result = parse_sold_to(**{"country": "Australia", "state": "NSW", **contact})
    assert filled(result) == expected
    assert result.findings == []


@pytest.mark.parametrize(
    ("state", "code"),
    [
        ("New South Wales", "NSW"),
        ("new south wales", "NSW"),
        ("N.S.W.", "NSW"),
        ("nsw", "NSW"),
    ],
)
def test_state_names_become_codes(state, code):
    assert parse("12 Smith St", state=state).address.state == code


@pytest.mark.parametrize(
    ("zip_code", "postcode"), [("800", "0800"), (" 0800 ", "0800"), ("NT 0800", "0800")]
)
def test_short_postcodes_are_zero_padded(zip_code, postcode):
    result = parse("1 Mitchell St", city="Darwin", state="NT", zip_code=zip_code)
    assert result.address.postcode == postcode
    assert result.findings == []


def codes(result) -> set[tuple[str, str]]:
    return {(finding.code.value, finding.field) for finding in result.findings}


def test_po_box_is_a_hard_error():
    result = parse("PO Box 123", city="Sydney", zip_code="2001")
    assert ("IPND-HARD-PO-BOX", "street_name") in codes(result)
    assert "PO BOX 123" in result.findings[0].message
    assert result.has_hard_errors


@pytest.mark.parametrize(
    "line", ["P.O. Box 5", "GPO Box 9", "Locked Bag 2000", "Private Bag 3", "po box 1"]
)
def test_postal_forms_are_hard_errors(line):
    assert ("IPND-HARD-PO-BOX", "street_name") in codes(parse(line))


def test_po_box_beside_a_street_keeps_the_street():
    result = parse("PO Box 5", "12 Smith St")
    assert result.address.house_number == "12"
    assert [f.code for f in result.findings] == [FindingCode.PO_BOX]


def test_a_missing_number_is_a_hard_error():
    result = parse("Smith Street")
    assert result.address.street_name == "SMITH"
    assert result.address.street_type == "ST"
    assert ("IPND-HARD-NO-NUMBER", "house_number") in codes(result)


def test_a_lot_is_kept_as_the_property_name_with_a_warning():
    result = parse("Lot 7 Smith Rd", city="Dubbo", zip_code="2830")
    assert filled(result) == {
        "property_name": "LOT 7",
        "street_name": "SMITH",
        "street_type": "RD",
        "locality": "DUBBO",
        "state": "NSW",
        "postcode": "2830",
    }
    assert [f.code for f in result.findings] == [FindingCode.LOT_NUMBER]
    assert not result.has_hard_errors


@pytest.mark.parametrize("country", ["New Zealand", "USA", "United Kingdom"])
def test_another_country_is_a_hard_error(country):
    result = parse("12 Smith St", country=country)
    assert ("IPND-HARD-COUNTRY", "state") in codes(result)
    assert result.has_hard_errors


@pytest.mark.parametrize("country", ["Australia", "AU", "aus", "australia "])
def test_australia_written_any_way(country):
    assert parse("12 Smith St", country=country).findings == []


def test_an_empty_country_is_taken_as_australia_with_a_warning():
    result = parse("12 Smith St", country="")
    assert [f.code for f in result.findings] == [FindingCode.COUNTRY_ASSUMED]


def test_an_empty_state_is_taken_from_the_postcode_with_a_warning():
    result = parse("12 Smith St", state="")
    assert result.address.state == "NSW"
    assert [f.code for f in result.findings] == [FindingCode.STATE_FROM_POSTCODE]


def test_an_empty_state_with_a_border_postcode_stays_empty():
    result = parse("12 Smith St", state="", zip_code="2620")
    assert result.address.state == ""
    assert ("IPND-HARD-REQUIRED", "state") in codes(result)


def test_postcode_in_the_wrong_state_is_reported():
    result = parse("12 Smith St", state="Victoria", zip_code="2000")
    assert result.address.state == "VIC"
    messages = [f.message for f in result.findings]
    assert "Postcode 2000 is in NSW, but state is VIC" in messages


def test_an_unknown_state_is_kept_for_the_validator_to_name():
    result = parse("12 Smith St", state="California")
    assert result.address.state == "CALIFORNIA"
    assert ("IPND-HARD-STATE", "state") in codes(result)


def test_a_street_without_a_known_type_keeps_its_words():
    result = parse("12 Smith Xyzzy")
    assert result.address.street_name == "SMITH XYZZY"
    assert ("IPND-SOFT-STREET-TYPE-MISSING", "street_type") in codes(result)


def test_text_it_cannot_place_is_a_soft_finding():
    result = parse("Unit 4, Unit 5, 12 Smith St")
    assert result.address.unit_number == "4"
    assert ("IPND-SOFT-UNPARSED", "street_name") in codes(result)
    assert "UNIT 5" in " ".join(f.message for f in result.findings)


def test_parse_findings_come_before_validation_findings():
    result = parse("PO Box 1", zip_code="1001")
    kinds = [f.code for f in result.findings]
    assert kinds[0] is FindingCode.PO_BOX
    assert FindingCode.POSTCODE_PO_BOX in kinds
    assert Severity.HARD in {f.severity for f in result.findings}


def test_everything_empty():
    result = parse_sold_to()
    assert result.has_hard_errors
    assert {f.field for f in result.findings} >= {"street_name", "locality", "state", "postcode"}


@pytest.mark.parametrize(
    ("line", "name", "street_type", "suffix"),
    [
        ("12 Smith St Extension", "SMITH", "ST", "EX"),
        ("12 Smith Extension", "SMITH", "EXTN", ""),
        ("12 Smith Rd South West", "SMITH", "RD", "SW"),
        ("12 Upper Rd", "UPPER", "RD", ""),
        ("12 The Esplanade", "THE", "ESP", ""),
        ("12 Smith Blvd", "SMITH", "BVD", ""),
    ],
)
def test_street_type_and_suffix_words(line, name, street_type, suffix):
    address = parse(line).address
    assert (address.street_name, address.street_type, address.street_suffix) == (
        name,
        street_type,
        suffix,
    )
