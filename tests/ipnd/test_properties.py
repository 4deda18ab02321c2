"""Properties: the parser and validator take any text, and a valid address survives a round trip."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from integrations.ipnd import (
    ADDRESS_FIELDS,
    STATES_BY_WORD,
    STREET_POSTCODE_RANGES,
    STREET_SUFFIXES,
    STREET_SUFFIXES_BY_WORD,
    STREET_TYPES,
    STREET_TYPES_BY_WORD,
    Finding,
    ServiceAddress,
    Severity,
    has_hard_errors,
    parse_sold_to,
    validate,
)

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

any_text = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.text(alphabet=st.sampled_from("0123456789/-, .#\n\t\x00ABCLOTUNIPOBXabc"), max_size=80),
    st.builds(lambda c, n: c * n, st.characters(), st.integers(1_000, 200_000)),
    st.sampled_from(["Unit 4, 12 Smith St", "PO Box 1", "Level", "4/", "12-", "Lot", "L3"]),
)


def assert_well_formed(findings: list[Finding]) -> None:
    for finding in findings:
        assert finding.field in ADDRESS_FIELDS
        assert finding.severity in set(Severity)
        assert finding.message


@FAST
@given(
    address1=any_text,
    address2=any_text,
    city=any_text,
    state=any_text,
    zip_code=any_text,
    country=any_text,
)
def test_parse_sold_to_never_raises(address1, address2, city, state, zip_code, country):
    result = parse_sold_to(
        address1=address1,
        address2=address2,
        city=city,
        state=state,
        zip_code=zip_code,
        country=country,
    )
    assert_well_formed(result.findings)
    assert isinstance(result.address, ServiceAddress)


@FAST
@given(st.fixed_dictionaries({name: any_text for name in ADDRESS_FIELDS}))
def test_validate_never_raises(values):
    findings = validate(ServiceAddress(**values))
    assert_well_formed(findings)


def test_a_megabyte_of_text_is_handled():
    huge = "12 Smith St " * 100_000
    result = parse_sold_to(address1=huge, address2=huge, city=huge, state=huge, zip_code=huge)
    assert_well_formed(result.findings)
    assert_well_formed(validate(ServiceAddress(street_name=huge, postcode=huge)))


# Words that could also be read as a street type or suffix make a street line ambiguous
# ("PARK UPPER"): the round trip is about addresses a person could read only one way.
_AMBIGUOUS = {*STREET_TYPES_BY_WORD, *STREET_SUFFIXES_BY_WORD, *STATES_BY_WORD, "BOX", "BAG"}
NAME_WORD = st.from_regex(r"[A-Z][A-Z']{2,7}", fullmatch=True).filter(
    lambda word: word not in _AMBIGUOUS
)


def postcode_for(state: str) -> st.SearchStrategy[str]:
    spans = STREET_POSTCODE_RANGES[state]
    return st.sampled_from(spans).flatmap(
        lambda span: st.integers(span[0], span[1]).map(lambda n: f"{n:04d}")
    )


@st.composite
def valid_contacts(draw):
    """A valid address, and the Zuora contact a person would have typed for it."""
    name = " ".join(draw(st.lists(NAME_WORD, min_size=1, max_size=2)))
    assume(len(name) <= 25)
    code = draw(st.sampled_from(sorted(STREET_TYPES)))
    type_written = draw(st.sampled_from([code, STREET_TYPES[code]]))
    suffix = draw(st.sampled_from(["", *sorted(STREET_SUFFIXES)]))
    number = draw(st.integers(1, 99999))
    letter = draw(st.sampled_from(["", "A", "B"]))
    unit = draw(st.one_of(st.none(), st.integers(1, 999)))
    state = draw(st.sampled_from(sorted(STREET_POSTCODE_RANGES)))
    postcode = draw(postcode_for(state))
    locality = " ".join(draw(st.lists(NAME_WORD, min_size=1, max_size=2)))
    line = f"{number}{letter} {name.title()} {type_written}"
    if suffix:
        line += f" {STREET_SUFFIXES[suffix]}"
    if unit is not None:
        line = draw(st.sampled_from([f"Unit {unit}, {line}", f"{unit}/{line}"]))
    contact = {
        "address1": line,
        "city": locality.title(),
        "state": state,
        "zip_code": postcode.lstrip("0") if draw(st.booleans()) else postcode,
        "country": "Australia",
    }
    expected = ServiceAddress(
        unit_type="UNIT" if unit is not None else "",
        unit_number=str(unit) if unit is not None else "",
        house_number=str(number),
        house_suffix=letter,
        street_name=name,
        street_type=code,
        street_suffix=suffix,
        locality=locality,
        state=state,
        postcode=postcode,
    )
    return contact, expected


@FAST
@given(valid_contacts())
def test_a_valid_address_written_out_parses_back_without_hard_errors(case):
    contact, expected = case
    assert validate(expected) == []
    result = parse_sold_to(**contact)
    assert not has_hard_errors(result.findings), result.findings
    parsed = result.address
    for name in ("unit_type", "unit_number", "house_number", "house_suffix", "street_name"):
        assert getattr(parsed, name) == getattr(expected, name)
    for name in ("street_type", "street_suffix", "state", "postcode"):
        assert getattr(parsed, name) == getattr(expected, name)
