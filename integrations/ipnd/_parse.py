"""``parse_sold_to``: a Zuora Sold To contact's free text, read into IPND service address fields.

Decisions, so the result is predictable:

* Everything is upper case, as IPND data is ("Smith" → ``SMITH``).
* Full words and common abbreviations become codes: "Street" → ``ST``, "Ave" → ``AV``,
  "North" → ``N``, "Level" → ``L``, "Apartment" → ``APT``, "Suite" → ``SE``.
* "Unit 4, 12 Smith St" and "4/12 Smith St" both give unit type ``UNIT`` (the AS 4590 code),
  unit number ``4``. "Building 2" / "Block 3" / "Tower 1" fill the building fields.
* "45-47 High St" is house number 45 and second house number 47; "12A" is 12 with suffix A.
* "Lot 7 Smith Rd" puts ``LOT 7`` in the property name (a lot is not a street number, so it must
  not be sent as one) and warns.
* A PO box, locked or private bag is a hard error: it is not where the service is.
* Text before the street line that is not a unit or floor becomes the property name; text after
  it is the locality when the city is empty. Anything else left over is a soft finding.
* A missing state is taken from the postcode when only one state uses it (with a warning); an
  empty country is taken as Australia (with a warning), any other country is a hard error.

The result then goes through ``validate``; the parser never raises, whatever the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from integrations.ipnd._models import (
    AddressField,
    Finding,
    FindingCode,
    ParsedAddress,
    ServiceAddress,
)
from integrations.ipnd._normalise import (
    MAX_INPUT_CHARS,
    clean_text,
    normalise_floor_type,
    normalise_postcode,
    normalise_state,
    normalise_street_suffix,
    normalise_street_type,
    normalise_unit_type,
)
from integrations.ipnd._postcodes import street_postcode_states
from integrations.ipnd._tables import BUILDING_TYPES
from integrations.ipnd._validate import validate

if TYPE_CHECKING:
    from integrations.zuora import ZuoraContact

_AUSTRALIA = frozenset({"AUSTRALIA", "AU", "AUS", "COMMONWEALTH OF AUSTRALIA"})

_SEGMENT_BREAK = re.compile(r"[,;\n\r]+")
_END = r"(?=[\s,/]|$)"

_PO_BOX = re.compile(
    r"\b(?:G\.?\s*)?P\.?\s*O\.?\s*BOX\b|\bPOST\s*OFFICE\s+BOX\b|\bLOCKED\s+(?:MAIL\s+)?BAG\b"
    r"|\bPRIVATE\s+(?:MAIL\s+)?BAG\b|\bPARCEL\s+LOCKER\b|\bPOSTE\s+RESTANTE\b|\bRMB\s*\d"
)

_UNIT_WORDS = (
    "UNIT|U|APARTMENT|APPT|APT|FLAT|SUITE|STE|SHOP|OFFICE|OFFC|FACTORY|FCTY|WAREHOUSE|WHSE"
    "|TOWNHOUSE|TNHS|VILLA|VLLA|STUDIO|ROOM|KIOSK|STALL|TENANCY|TNCY|PENTHOUSE|PTHS|DUPLEX"
    "|COTTAGE|SHOWROOM|GARAGE|WORKSHOP|LOFT|SITE|BUILDING|BLDG|BLD|BLOCK|BLCK|TOWER|TWR"
)
_UNIT = re.compile(
    rf"^(?P<word>{_UNIT_WORDS})\.?\s*(?:NO\.?\s*)?#?\s*"
    rf"(?P<number>[A-Z]?[0-9]{{1,5}}(?:\.[0-9]{{1,3}})?[A-Z]?|[A-Z](?![A-Z0-9])){_END}"
)
_FLOOR_NUMBERED = re.compile(
    rf"^(?P<word>LEVEL|LEV|LVL|LV|L|FLOOR|FLR|FL)\.?\s*(?P<number>[0-9]{{1,4}})(?P<suffix>[A-Z])?{_END}"
)
_FLOOR_ORDINAL = re.compile(
    rf"^(?P<number>[0-9]{{1,4}})(?:ST|ND|RD|TH)\s+(?P<word>FLOOR|FLR|LEVEL){_END}"
)
_FLOOR_WORD = re.compile(
    r"^(?P<word>(?:LOWER\s+|UPPER\s+)?GROUND(?:\s+FLOOR|\s+LEVEL)?|SUB[\s-]?BASEMENT|BASEMENT"
    r"|MEZZANINE|MEZZ|ROOFTOP|ROOF\s+TOP|PODIUM|PLATFORM|OBSERVATION\s+DECK)"
    rf"(?:\s*(?P<number>[0-9]{{1,4}})(?P<suffix>[A-Z])?(?=\s*(?:[,/]|$)))?{_END}"
)
_LOT = re.compile(rf"^LOT\.?\s*(?:NO\.?\s*)?(?P<number>[0-9]{{1,6}}[A-Z]?){_END}")
_SLASH = re.compile(r"^(?P<unit>[A-Z]?[0-9]{1,5}[A-Z]?)\s*/\s*(?P<rest>[0-9].*)$")
_STREET = re.compile(
    r"^(?P<n1>[0-9]{1,6})(?P<s1>[A-Z])?"
    r"(?:\s*-\s*(?P<n2>[0-9]{1,6})(?P<s2>[A-Z])?)?\s+(?P<rest>.+)$"
)
_BARE_NUMBER = re.compile(r"^[0-9]{1,6}[A-Z]?(?:\s*-\s*[0-9]{1,6}[A-Z]?)?$")
_POSTCODE_TOKEN = re.compile(r"[0-9]{3,4}")


@dataclass
class _Street:
    name: str
    street_type: str
    suffix: str
    trailing: list[str]
    numbers: dict[AddressField, str] = field(default_factory=dict)


@dataclass
class _Segment:
    source: str
    text: str
    parts: dict[AddressField, str] = field(default_factory=dict)
    street: _Street | None = None
    lot: str = ""


@dataclass
class _Draft:
    fields: dict[AddressField, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def put(self, name: AddressField, value: str) -> bool:
        """Fill an empty field; False if it already holds something else."""
        if not value:
            return True
        if self.fields.get(name, "") in ("", value):
            self.fields[name] = value
            return True
        return False

    def note(self, code: FindingCode, name: AddressField, message: str) -> None:
        self.findings.append(Finding.of(code, name, message))


def parse_sold_to(
    *,
    address1: str | None = None,
    address2: str | None = None,
    city: str | None = None,
    state: str | None = None,
    zip_code: str | None = None,
    country: str | None = None,
) -> ParsedAddress:
    """Read a Zuora Sold To contact into IPND fields; findings from reading, then ``validate``."""
    draft = _Draft()
    _read_country(draft, country)
    _read_state_and_postcode(draft, state, zip_code)
    _read_locality(draft, city)
    _read_street_lines(draft, address1, address2)
    _fill_state_from_postcode(draft)
    address = ServiceAddress(**draft.fields)
    return ParsedAddress(address=address, findings=[*draft.findings, *validate(address)])


def _show(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


def _read_country(draft: _Draft, country: str | None) -> None:
    text = clean_text(country).replace(".", "")
    if not text:
        draft.note(FindingCode.COUNTRY_ASSUMED, "state", "Country is empty — taken as Australia")
    elif text not in _AUSTRALIA:
        draft.note(
            FindingCode.COUNTRY,
            "state",
            f"Country is '{_show(text)}' — the IPND holds Australian service addresses only",
        )


def _read_state_and_postcode(draft: _Draft, state: str | None, zip_code: str | None) -> None:
    state_text = clean_text(state)
    draft.put("state", normalise_state(state_text) or state_text)
    zip_text = clean_text(zip_code)
    postcode = normalise_postcode(zip_text)
    if postcode is None and zip_text:
        rest, tail_state, tail_postcode = _peel_locality_tail(zip_text.split(" "))
        if not rest and tail_postcode:
            postcode = tail_postcode
            draft.put("state", tail_state or "")
    draft.put("postcode", postcode or zip_text)


def _peel_locality_tail(tokens: list[str]) -> tuple[list[str], str | None, str | None]:
    """Split "BONDI NSW 2026" into its locality words, state and postcode (each optional)."""
    tokens = [token for token in tokens if token]
    postcode = None
    if tokens and _POSTCODE_TOKEN.fullmatch(tokens[-1]):
        postcode = normalise_postcode(tokens.pop())
    state = None
    for width in (3, 2, 1):
        if len(tokens) >= width and (code := normalise_state(" ".join(tokens[-width:]))):
            state = code
            del tokens[-width:]
            break
    return tokens, state, postcode


def _read_locality(draft: _Draft, city: str | None) -> None:
    tokens = clean_text(city).split(" ")
    rest, state, postcode = _peel_locality_tail(tokens)
    if rest and _consistent(draft, state, postcode):
        draft.put("state", state or "")
        draft.put("postcode", postcode or "")
        tokens = rest
    draft.put("locality", " ".join(token for token in tokens if token).strip(" ,"))


def _consistent(draft: _Draft, state: str | None, postcode: str | None) -> bool:
    """Whether a state and postcode found in free text agree with those already read."""
    known_state, known_postcode = draft.fields.get("state", ""), draft.fields.get("postcode", "")
    return (not state or known_state in ("", state)) and (
        not postcode or known_postcode in ("", postcode)
    )


def _read_street_lines(draft: _Draft, address1: str | None, address2: str | None) -> None:
    raw = ", ".join(text[: MAX_INPUT_CHARS * 2] for text in (address1, address2) if text)
    segments: list[str] = []
    for piece in _SEGMENT_BREAK.split(raw):
        text = clean_text(piece).strip(" .")
        if not text:
            continue
        if _PO_BOX.search(text):
            draft.note(
                FindingCode.PO_BOX,
                "street_name",
                f"'{_show(text)}' is a postal address — the IPND needs the street address "
                "where the service is used",
            )
            continue
        if segments and _BARE_NUMBER.fullmatch(segments[-1]):
            text = f"{segments.pop()} {text}"
        segments.append(text)
    parsed = [_parse_segment(text, draft.fields.get("locality", "")) for text in segments]
    street_at = next((i for i, seg in enumerate(parsed) if seg.street and seg.street.numbers), None)
    if street_at is None:
        street_at = next((i for i, seg in enumerate(parsed) if seg.street), None)
    for i, segment in enumerate(parsed):
        _apply_segment(
            draft,
            segment,
            is_street=i == street_at,
            before_street=(street_at is None or i < street_at),
        )


def _apply_segment(
    draft: _Draft, segment: _Segment, *, is_street: bool, before_street: bool
) -> None:
    leftovers: list[str] = []
    clashes = [name for name, value in segment.parts.items() if not draft.put(name, value)]
    if clashes:
        leftovers.append(segment.source)
    if segment.lot:
        lot = f"LOT {segment.lot}"
        if draft.put("property_name", lot):
            draft.note(
                FindingCode.LOT_NUMBER,
                "property_name",
                f"{lot} is a lot number, not a street number — it is kept as the property name; "
                "add the street number if the lot has one",
            )
        else:
            leftovers.append(lot)
    street = segment.street
    if street is not None and is_street:
        draft.put("street_name", street.name)
        draft.put("street_type", street.street_type)
        draft.put("street_suffix", street.suffix)
        for name, value in street.numbers.items():
            draft.put(name, value)
        if street.trailing:
            _place_after_street(draft, " ".join(street.trailing), leftovers)
    else:
        text = segment.text
        if text and not before_street:
            _place_after_street(draft, text, leftovers)
        elif text and not draft.put("property_name", text):
            leftovers.append(text)
    for text in leftovers:
        draft.note(
            FindingCode.UNPARSED,
            "street_name",
            f"Could not place '{_show(text)}' in the address — add it where it belongs by hand",
        )


def _place_after_street(draft: _Draft, text: str, leftovers: list[str]) -> None:
    """Text after the street line: a locality (with state and postcode) or something unknown."""
    rest, state, postcode = _peel_locality_tail(text.split(" "))
    locality = " ".join(rest)
    if not _consistent(draft, state, postcode):
        leftovers.append(text)
        return
    draft.put("state", state or "")
    draft.put("postcode", postcode or "")
    if locality and not draft.put("locality", locality):
        leftovers.append(locality)


def _parse_segment(text: str, locality: str) -> _Segment:
    segment = _Segment(source=text, text=text)
    rest = text
    for _ in range(6):
        rest = rest.lstrip(" ,/")
        stripped = _strip_prefix(segment, rest)
        if stripped == rest:
            break
        rest = stripped
    if not segment.parts.get("unit_number") and (slash := _SLASH.match(rest)):
        segment.parts.setdefault("unit_type", "UNIT")
        segment.parts["unit_number"] = slash["unit"]
        rest = slash["rest"]
    segment.text = rest
    if rest:
        segment.street = _parse_street(rest, locality)
    return segment


def _strip_prefix(segment: _Segment, text: str) -> str:
    """Take one unit, floor or lot from the front of ``text``; the text that is left."""
    if (match := _UNIT.match(text)) and "unit_number" not in segment.parts:
        code = normalise_unit_type(match["word"]) or "UNIT"
        number = match["number"]
        if code in BUILDING_TYPES:
            if "building_type" in segment.parts or not number[0].isdigit():
                return text
            segment.parts["building_type"] = code
            digits = number.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            segment.parts["building_number"] = digits
            if number[len(digits) :]:
                segment.parts["building_suffix"] = number[len(digits) :]
        else:
            segment.parts["unit_type"] = code
            segment.parts["unit_number"] = number
        return text[match.end() :]
    for pattern in (_FLOOR_NUMBERED, _FLOOR_ORDINAL, _FLOOR_WORD):
        if (match := pattern.match(text)) and "floor_type" not in segment.parts:
            word = re.sub(r"\s+", " ", match["word"])
            floor_code = normalise_floor_type(word)
            if floor_code is None:
                return text
            segment.parts["floor_type"] = floor_code
            if match["number"]:
                segment.parts["floor_number"] = match["number"]
            suffix = match.groupdict().get("suffix")
            if suffix:
                segment.parts["floor_suffix"] = suffix
            return text[match.end() :]
    if (match := _LOT.match(text)) and not segment.lot:
        segment.lot = match["number"]
        return text[match.end() :]
    return text


def _parse_street(text: str, locality: str) -> _Street | None:
    """A street line: "12A-14 SMITH ST N" or, without a number, "SMITH STREET"."""
    numbers: dict[AddressField, str] = {}
    match = _STREET.match(text)
    if match:
        numbers["house_number"] = match["n1"]
        numbers["house_suffix"] = match["s1"] or ""
        numbers["house_number_2"] = match["n2"] or ""
        numbers["house_suffix_2"] = match["s2"] or ""
        words = match["rest"]
    else:
        words = text
    tokens = [token.strip(".") for token in words.split(" ")]
    tokens = [token for token in tokens if token]
    split = _split_street_words(tokens, locality)
    if split is None:
        if not match:
            return None
        return _Street(" ".join(tokens), "", "", [], {k: v for k, v in numbers.items() if v})
    name, street_type, suffix, trailing = split
    return _Street(name, street_type, suffix, trailing, {k: v for k, v in numbers.items() if v})


def _type_ending_at(tokens: list[str], end: int) -> tuple[str, int] | None:
    """The street type whose words end just before ``end``, and where it starts."""
    for width in (3, 2, 1):
        start = end - width
        if start >= 1 and (code := normalise_street_type(" ".join(tokens[start:end]))):
            return code, start
    return None


def _suffix_at(tokens: list[str], start: int) -> tuple[str, int]:
    """A street suffix beginning at ``start`` and where it ends (start when there is none)."""
    for width in (2, 1):
        end = start + width
        if end <= len(tokens) and (code := normalise_street_suffix(" ".join(tokens[start:end]))):
            return code, end
    return "", start


def _split_street_words(tokens: list[str], locality: str) -> tuple[str, str, str, list[str]] | None:
    """(name, type, suffix, words after) — the type is the last word before a suffix, or the
    last word; failing that, the first type word after the name, with the rest trailing."""
    if len(tokens) < 2:
        return None
    locality_words = locality.split(" ") if locality else []
    if locality_words and tokens[-len(locality_words) :] == locality_words:
        body, tail = tokens[: -len(locality_words)], locality_words
    else:
        body, tail = tokens, []
    # A suffix is tried first: in "SMITH ST EXTENSION" the last word is a suffix, not the type.
    for suffix_width in (1, 2, 0):
        end = len(body) - suffix_width
        suffix = ""
        if suffix_width:
            suffix, suffix_end = _suffix_at(body, end)
            if suffix_end != len(body):
                continue
        found = _type_ending_at(body, end)
        if found:
            code, start = found
            return " ".join(body[:start]), code, suffix, tail
    for end in range(2, len(tokens) + 1):
        found = _type_ending_at(tokens, end)
        if found:
            code, start = found
            suffix, after = _suffix_at(tokens, end)
            if after != len(tokens) and suffix:
                suffix, after = "", end
            return " ".join(tokens[:start]), code, suffix, tokens[after:]
    return None


def _fill_state_from_postcode(draft: _Draft) -> None:
    if draft.fields.get("state"):
        return
    states = street_postcode_states(draft.fields.get("postcode", ""))
    if len(states) == 1:
        (state,) = states
        draft.fields["state"] = state
        draft.note(
            FindingCode.STATE_FROM_POSTCODE,
            "state",
            f"State was empty — taken as {state} from postcode {draft.fields['postcode']}",
        )


def same_as_sold_to(record: ServiceAddress, contact: ZuoraContact) -> bool:
    """Whether the platform's emergency address is what Zuora's Sold To contact reads as."""
    parsed = parse_sold_to(
        address1=contact.address1,
        address2=contact.address2,
        city=contact.city,
        state=contact.state,
        zip_code=contact.zip_code,
        country=contact.country,
    )
    return parsed.address == record
