"""``validate``: every IPND rule for a service address, as findings a person can act on.

Codes are compared without regard to case or surrounding spaces (IPND data is upper case, so
lower case earns one warning, not a rejection). Fields that must hold an IPND code reject any
other spelling and suggest the code: the validator never rewrites, ``parse_sold_to`` does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from integrations.ipnd._models import (
    ADDRESS_FIELDS,
    FIELD_LABELS,
    AddressField,
    Finding,
    FindingCode,
    ServiceAddress,
)
from integrations.ipnd._normalise import (
    normalise_floor_type,
    normalise_state,
    normalise_street_suffix,
    normalise_street_type,
    normalise_unit_type,
)
from integrations.ipnd._postcodes import po_box_postcode_state, street_postcode_states
from integrations.ipnd._tables import (
    FLOOR_TYPES,
    FLOOR_TYPES_WITHOUT_NUMBER,
    STATES,
    STREET_SUFFIXES,
    STREET_TYPES,
    UNIT_TYPES,
)

# Widths of the free-text fields in the IPND record.
TEXT_FIELD_LIMITS: Mapping[AddressField, int] = {
    "property_name": 40,
    "street_name": 25,
    "locality": 40,
}

MAX_HOUSE_NUMBER = 99999
MAX_FLOOR_NUMBER = 1000

_TEXT_ALLOWED = re.compile(r"[A-Z0-9 '&()/,.\-]*")
_DIGITS = re.compile(r"[0-9]+")
_NUMBER_AND_LETTER = re.compile(r"([0-9]+) ?([A-Z])")
_UNIT_NUMBER = re.compile(r"[A-Z]?[0-9]{1,5}[A-Z]?|[A-Z]{1,2}")
_LETTER = re.compile(r"[A-Z]")
_SPACES = re.compile(r"\s+")
_SHOWN_CHARS = 30


def validate(address: ServiceAddress) -> list[Finding]:
    """Every rule the address breaks, hard errors first within each field's checks."""
    values = _Values(address)
    findings: list[Finding] = []
    findings += _check_required(values)
    findings += _check_text_fields(values)
    findings += _check_state(values)
    findings += _check_postcode(values)
    findings += _check_street(values)
    findings += _check_house_numbers(values)
    findings += _check_floor(values)
    findings += _check_sub_address(values, "unit_type", "unit_number", None, FindingCode.UNIT_TYPE)
    findings += _check_sub_address(
        values, "building_type", "building_number", "building_suffix", FindingCode.BUILDING_TYPE
    )
    findings += _check_case(address)
    return findings


class _Values:
    """The address's values as compared: stripped, spaces collapsed, upper case."""

    def __init__(self, address: ServiceAddress) -> None:
        self._values = {
            name: _SPACES.sub(" ", getattr(address, name)).strip().upper()
            for name in ADDRESS_FIELDS
        }

    def __getitem__(self, name: AddressField) -> str:
        return self._values[name]


def _show(value: str) -> str:
    """A value as it can be quoted in a message: printable, short, bare when it is one word."""
    printable = "".join(
        ch if unicodedata.category(ch)[0] not in "CZ" or ch == " " else f"U+{ord(ch):04X}"
        for ch in value[: _SHOWN_CHARS + 1]
    )
    if len(value) > _SHOWN_CHARS:
        printable = printable[:_SHOWN_CHARS] + "…"
    return printable if printable.isalnum() else f"'{printable}'"


def _label(name: AddressField) -> str:
    return FIELD_LABELS[name]


def _check_required(v: _Values) -> list[Finding]:
    findings: list[Finding] = []
    if not (v["house_number"] or v["property_name"] or v["building_type"] or v["building_number"]):
        findings.append(
            Finding.of(
                FindingCode.NO_NUMBER,
                "house_number",
                "There is no house number and no property or building name — add the street "
                "number, or for a property without one (e.g. a rural lot) its property name",
            )
        )
    required: tuple[AddressField, ...] = (
        "street_name",
        "street_type",
        "locality",
        "state",
        "postcode",
    )
    for name in required:
        if v[name]:
            continue
        message = f"{_label(name)} is missing"
        code = FindingCode.REQUIRED
        if name == "street_type":
            # Some streets have no type ("Broadway"); a person confirms rather than being blocked.
            message += _street_type_hint(v["street_name"])
            code = FindingCode.STREET_TYPE_MISSING
        findings.append(Finding.of(code, name, message))
    return findings


def _street_type_hint(street_name: str) -> str:
    words = street_name.split(" ")
    if len(words) < 2:
        return " — add its code, e.g. ST (Street), RD (Road) or AV (Avenue)"
    code = normalise_street_type(words[-1])
    if code is None:
        return " — add its code, e.g. ST (Street), RD (Road) or AV (Avenue)"
    name = " ".join(words[:-1])
    return f": the street name seems to end with one — use street name {name}, street type {code}"


def _check_text_fields(v: _Values) -> list[Finding]:
    findings: list[Finding] = []
    for name, limit in TEXT_FIELD_LIMITS.items():
        value = v[name]
        bad = sorted({ch for ch in value if not _TEXT_ALLOWED.fullmatch(ch)})
        if bad:
            shown = ", ".join(_show(ch) for ch in bad[:5])
            findings.append(
                Finding.of(
                    FindingCode.CHARACTERS,
                    name,
                    f"{_label(name)} {_show(value)} has characters IPND cannot hold ({shown}) "
                    "— use plain letters, digits, spaces and - ' & / . , ( )",
                )
            )
        if len(value) > limit:
            findings.append(
                Finding.of(
                    FindingCode.LENGTH,
                    name,
                    f"{_label(name)} is {len(value)} characters long but IPND holds at most "
                    f"{limit} — shorten it",
                )
            )
    return findings


def _check_state(v: _Values) -> list[Finding]:
    state = v["state"]
    if not state or state in STATES:
        return []
    code = normalise_state(state)
    if code is not None:
        message = f"State {_show(state)} is not an IPND state code — use {code}"
    else:
        message = f"State {_show(state)} is not one of {', '.join(sorted(STATES))}"
    return [Finding.of(FindingCode.STATE, "state", message)]


def _check_postcode(v: _Values) -> list[Finding]:
    postcode = v["postcode"]
    if not postcode:
        return []
    if not (postcode.isascii() and _DIGITS.fullmatch(postcode) and len(postcode) == 4):
        if postcode.isascii() and _DIGITS.fullmatch(postcode) and len(postcode) == 3:
            message = f"Postcode {postcode} must be 4 digits — use {postcode.zfill(4)}"
        else:
            message = f"Postcode {_show(postcode)} must be 4 digits"
        return [Finding.of(FindingCode.POSTCODE_FORMAT, "postcode", message)]
    states = street_postcode_states(postcode)
    if not states:
        po_box_state = po_box_postcode_state(postcode)
        if po_box_state is not None:
            return [
                Finding.of(
                    FindingCode.POSTCODE_PO_BOX,
                    "postcode",
                    f"Postcode {postcode} is for PO boxes in {po_box_state}, not street "
                    "addresses — use the postcode of the street where the service is",
                )
            ]
        return [
            Finding.of(
                FindingCode.POSTCODE_UNKNOWN,
                "postcode",
                f"Postcode {postcode} is not a street postcode in any state — check it",
            )
        ]
    state = v["state"]
    if state in STATES and state not in states:
        where = " or ".join(sorted(states))
        return [
            Finding.of(
                FindingCode.POSTCODE_STATE,
                "postcode",
                f"Postcode {postcode} is in {where}, but state is {state}",
            )
        ]
    return []


def _check_street(v: _Values) -> list[Finding]:
    findings: list[Finding] = []
    street_type = v["street_type"]
    if street_type and street_type not in STREET_TYPES:
        code = normalise_street_type(street_type)
        if code is not None:
            message = (
                f"Street type {_show(street_type)} is not an IPND code — "
                f"use {code} ({STREET_TYPES[code]})"
            )
        else:
            message = (
                f"Street type {_show(street_type)} is not an IPND street type code "
                "(e.g. ST, RD, AV, CR, DR)"
            )
        findings.append(Finding.of(FindingCode.STREET_TYPE, "street_type", message))
    suffix = v["street_suffix"]
    if suffix and suffix not in STREET_SUFFIXES:
        code = normalise_street_suffix(suffix)
        if code is not None:
            message = (
                f"Street suffix {_show(suffix)} is not an IPND code — "
                f"use {code} ({STREET_SUFFIXES[code]})"
            )
        else:
            message = (
                f"Street suffix {_show(suffix)} is not one of {', '.join(sorted(STREET_SUFFIXES))}"
            )
        findings.append(Finding.of(FindingCode.STREET_SUFFIX, "street_suffix", message))
    return findings


def _number_problem(
    name: AddressField, value: str, maximum: int, suffix_field: AddressField | None
) -> str | None:
    """Why ``value`` is not a whole number from 1 to ``maximum``, or None when it is."""
    if value.isascii() and _DIGITS.fullmatch(value):
        if len(value) <= len(str(maximum)) and 1 <= int(value) <= maximum:
            return None
        return f"{_label(name)} {_show(value)} must be from 1 to {maximum}"
    split = _NUMBER_AND_LETTER.fullmatch(value) if value.isascii() else None
    if split is not None and suffix_field is not None:
        number, letter = split.groups()
        return (
            f"{_label(name)} {_show(value)} has a letter — put {number} in "
            f"{_label(name).lower()} and {letter} in {_label(suffix_field).lower()}"
        )
    return f"{_label(name)} {_show(value)} must be a whole number from 1 to {maximum}"


def _check_suffix(v: _Values, suffix: AddressField, number: AddressField) -> list[Finding]:
    value = v[suffix]
    if not value:
        return []
    if not (value.isascii() and _LETTER.fullmatch(value)):
        return [
            Finding.of(
                FindingCode.SUFFIX,
                suffix,
                f"{_label(suffix)} {_show(value)} must be a single letter (as in 12A)",
            )
        ]
    if not v[number]:
        return [
            Finding.of(
                FindingCode.SUFFIX,
                suffix,
                f"{_label(suffix)} {value} has no {_label(number).lower()} to go with",
            )
        ]
    return []


def _check_house_numbers(v: _Values) -> list[Finding]:
    findings: list[Finding] = []
    valid: dict[AddressField, int] = {}
    pairs: tuple[tuple[AddressField, AddressField], ...] = (
        ("house_number", "house_suffix"),
        ("house_number_2", "house_suffix_2"),
    )
    for number, suffix in pairs:
        value = v[number]
        if value:
            problem = _number_problem(number, value, MAX_HOUSE_NUMBER, suffix)
            if problem is None:
                valid[number] = int(value)  # at most 5 digits once it passed
            else:
                findings.append(Finding.of(FindingCode.HOUSE_NUMBER, number, problem))
        findings += _check_suffix(v, suffix, number)
    if v["house_number_2"] and not v["house_number"]:
        findings.append(
            Finding.of(
                FindingCode.HOUSE_NUMBER,
                "house_number_2",
                f"Second house number {_show(v['house_number_2'])} has no first house number "
                "— a single number goes in house number",
            )
        )
    first, last = valid.get("house_number"), valid.get("house_number_2")
    if first is not None and last is not None and last <= first:
        findings.append(
            Finding.of(
                FindingCode.HOUSE_NUMBER_RANGE,
                "house_number_2",
                f"House number range {first}-{last} does not run upwards — "
                + (
                    f"use {last}-{first}"
                    if last < first
                    else "leave the second house number empty for a single number"
                ),
            )
        )
    return findings


def _check_floor(v: _Values) -> list[Finding]:
    findings: list[Finding] = []
    floor_type, number = v["floor_type"], v["floor_number"]
    if floor_type and floor_type not in FLOOR_TYPES:
        code = normalise_floor_type(floor_type)
        hint = f"use {code} ({FLOOR_TYPES[code]})" if code else "use e.g. L (Level), G (Ground)"
        findings.append(
            Finding.of(
                FindingCode.FLOOR_TYPE,
                "floor_type",
                f"Floor type {_show(floor_type)} is not an IPND code — {hint}",
            )
        )
    if number:
        problem = _number_problem("floor_number", number, MAX_FLOOR_NUMBER, "floor_suffix")
        if problem is not None:
            findings.append(Finding.of(FindingCode.FLOOR_NUMBER, "floor_number", problem))
        if not floor_type:
            findings.append(
                Finding.of(
                    FindingCode.FLOOR_TYPE,
                    "floor_type",
                    f"Floor number {_show(number)} has no floor type — add one, e.g. L (Level)",
                )
            )
    elif floor_type in FLOOR_TYPES and floor_type not in FLOOR_TYPES_WITHOUT_NUMBER:
        findings.append(
            Finding.of(
                FindingCode.FLOOR_NUMBER_MISSING,
                "floor_number",
                f"Floor type {floor_type} ({FLOOR_TYPES[floor_type]}) needs a floor number",
            )
        )
    findings += _check_suffix(v, "floor_suffix", "floor_number")
    return findings


def _check_sub_address(
    v: _Values,
    type_field: AddressField,
    number_field: AddressField,
    suffix_field: AddressField | None,
    type_code: FindingCode,
) -> list[Finding]:
    """A unit, or a building within a complex: an AS 4590 type code and its number."""
    findings: list[Finding] = []
    kind, number = v[type_field], v[number_field]
    what = _label(type_field).split(" ")[0].lower()
    if kind and kind not in UNIT_TYPES:
        code = normalise_unit_type(kind)
        hint = f"use {code} ({UNIT_TYPES[code]})" if code else "use e.g. UNIT, APT, SHOP, SE"
        findings.append(
            Finding.of(
                type_code,
                type_field,
                f"{_label(type_field)} {_show(kind)} is not an IPND code — {hint}",
            )
        )
    if number:
        if suffix_field is not None:
            problem = _number_problem(number_field, number, MAX_HOUSE_NUMBER, suffix_field)
        elif number.isascii() and _UNIT_NUMBER.fullmatch(number):
            problem = None
        else:
            problem = (
                f"{_label(number_field)} {_show(number)} must be up to 5 digits with an "
                "optional letter before or after (e.g. 4, 4A, G12)"
            )
        if problem is not None:
            number_code = (
                FindingCode.UNIT_NUMBER
                if type_code is FindingCode.UNIT_TYPE
                else FindingCode.BUILDING_NUMBER
            )
            findings.append(Finding.of(number_code, number_field, problem))
        if not kind:
            findings.append(
                Finding.of(
                    FindingCode.TYPE_MISSING,
                    type_field,
                    f"{_label(number_field)} {_show(number)} has no {what} type — add one, "
                    + ("e.g. UNIT, SHOP or SE (Suite)" if what == "unit" else "e.g. BLDG, TWR"),
                )
            )
    elif kind:
        findings.append(
            Finding.of(
                FindingCode.NUMBER_MISSING,
                number_field,
                f"{_label(type_field)} {_show(kind)} has no {what} number — check none is needed",
            )
        )
    if suffix_field is not None:
        findings += _check_suffix(v, suffix_field, number_field)
    return findings


def _check_case(address: ServiceAddress) -> list[Finding]:
    lower = [
        name for name in ADDRESS_FIELDS if getattr(address, name) != getattr(address, name).upper()
    ]
    if not lower:
        return []
    names = ", ".join(_label(name).lower() for name in lower)
    return [
        Finding.of(
            FindingCode.UPPER_CASE,
            lower[0],
            f"IPND data is upper case — {names} will need to be written in capitals",
        )
    ]
