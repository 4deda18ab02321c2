"""Free text to IPND codes."""

from __future__ import annotations

import pytest

from integrations.ipnd import (
    FLOOR_TYPES,
    STATES,
    STREET_SUFFIXES,
    STREET_TYPES,
    STREET_TYPES_BY_WORD,
    UNIT_TYPES,
    normalise_floor_type,
    normalise_postcode,
    normalise_state,
    normalise_street_suffix,
    normalise_street_type,
    normalise_unit_type,
)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("New South Wales", "NSW"),
        ("new south wales", "NSW"),
        ("N.S.W.", "NSW"),
        ("nsw", "NSW"),
        ("Victoria", "VIC"),
        ("vic", "VIC"),
        ("Vic.", "VIC"),
        ("Queensland", "QLD"),
        ("South Australia", "SA"),
        ("Western  Australia", "WA"),
        ("Tasmania", "TAS"),
        ("Northern Territory", "NT"),
        ("Australian Capital Territory", "ACT"),
        ("A.C.T.", "ACT"),
        ("AU-QLD", "QLD"),
        (" WA ", "WA"),
    ],
)
def test_states_written_any_common_way(text, code):
    assert normalise_state(text) == code


@pytest.mark.parametrize("text", [None, "", "Auckland", "California", "N", "NEW SOUTH"])
def test_not_a_state(text):
    assert normalise_state(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Street", "ST"),
        ("st", "ST"),
        ("St.", "ST"),
        ("Avenue", "AV"),
        ("Ave", "AV"),
        ("AV", "AV"),
        ("Road", "RD"),
        ("Crescent", "CR"),
        ("Cres", "CR"),
        ("Circuit", "CCT"),
        ("Close", "CL"),
        ("Court", "CT"),
        ("Drive", "DR"),
        ("Esplanade", "ESP"),
        ("Highway", "HWY"),
        ("Parade", "PDE"),
        ("Place", "PL"),
        ("Lane", "LANE"),
        ("Way", "WAY"),
        ("Terrace", "TCE"),
        ("Boulevard", "BVD"),
        ("Blvd", "BVD"),
        ("Grove", "GR"),
        ("Square", "SQ"),
        ("Cul-de-sac", "CDS"),
        ("Right of Way", "ROWY"),
    ],
)
def test_street_types(text, code):
    assert normalise_street_type(text) == code


def test_every_street_type_word_and_code_maps_to_a_real_code():
    assert set(STREET_TYPES_BY_WORD.values()) <= set(STREET_TYPES)
    for code, word in STREET_TYPES.items():
        assert normalise_street_type(code) == code
        assert normalise_street_type(word) == code


@pytest.mark.parametrize(
    ("normalise", "table"),
    [
        (normalise_state, STATES),
        (normalise_street_suffix, STREET_SUFFIXES),
        (normalise_floor_type, FLOOR_TYPES),
        (normalise_unit_type, UNIT_TYPES),
    ],
)
def test_every_table_maps_its_codes_and_words(normalise, table):
    for code, word in table.items():
        assert normalise(code) == code
        assert normalise(word) == code


@pytest.mark.parametrize(
    ("normalise", "text", "code"),
    [
        (normalise_street_suffix, "North", "N"),
        (normalise_street_suffix, "south-west", "SW"),
        (normalise_street_suffix, "Nth", "N"),
        (normalise_floor_type, "Ground", "G"),
        (normalise_floor_type, "Lvl", "L"),
        (normalise_floor_type, "sub-basement", "SB"),
        (normalise_unit_type, "Apartment", "APT"),
        (normalise_unit_type, "Suite", "SE"),
        (normalise_unit_type, "u", "UNIT"),
    ],
)
def test_other_words(normalise, text, code):
    assert normalise(text) == code


@pytest.mark.parametrize(
    ("text", "postcode"),
    [("800", "0800"), ("2000", "2000"), (" 0872 ", "0872"), ("20000", None), ("2O00", None)],
)
def test_postcodes_are_zero_padded(text, postcode):
    assert normalise_postcode(text) == postcode
