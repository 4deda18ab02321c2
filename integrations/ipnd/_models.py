"""The IPND service address, and the findings a check or a parse reports about it."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, field_validator

AddressField = Literal[
    "building_type",
    "building_number",
    "building_suffix",
    "floor_type",
    "floor_number",
    "floor_suffix",
    "unit_type",
    "unit_number",
    "property_name",
    "house_number",
    "house_suffix",
    "house_number_2",
    "house_suffix_2",
    "street_name",
    "street_type",
    "street_suffix",
    "locality",
    "state",
    "postcode",
]

ADDRESS_FIELDS: tuple[AddressField, ...] = get_args(AddressField)

FIELD_LABELS: dict[AddressField, str] = {
    "building_type": "Building type",
    "building_number": "Building number",
    "building_suffix": "Building number suffix",
    "floor_type": "Floor type",
    "floor_number": "Floor number",
    "floor_suffix": "Floor number suffix",
    "unit_type": "Unit type",
    "unit_number": "Unit number",
    "property_name": "Property name",
    "house_number": "House number",
    "house_suffix": "House number suffix",
    "house_number_2": "Second house number",
    "house_suffix_2": "Second house number suffix",
    "street_name": "Street name",
    "street_type": "Street type",
    "street_suffix": "Street suffix",
    "locality": "Locality",
    "state": "State",
    "postcode": "Postcode",
}


class ServiceAddress(BaseModel):
    """An emergency service address in IPND's fields (the platform's ``emergency.address``).

    Every field is a string and ``""`` means absent; ``None`` and numbers are accepted on the way
    in (``None`` → ``""``, ``2000`` → ``"2000"``). The model holds whatever it is given:
    ``validate()`` says what is wrong with it.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    building_type: str = ""
    building_number: str = ""
    building_suffix: str = ""
    floor_type: str = ""
    floor_number: str = ""
    floor_suffix: str = ""
    unit_type: str = ""
    unit_number: str = ""
    property_name: str = ""
    house_number: str = ""
    house_suffix: str = ""
    house_number_2: str = ""
    house_suffix_2: str = ""
    street_name: str = ""
    street_type: str = ""
    street_suffix: str = ""
    locality: str = ""
    state: str = ""
    postcode: str = ""

    @field_validator("*", mode="before")
    @classmethod
    def _absent_is_empty(cls, value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value


class Severity(StrEnum):
    """IPND's record-level categories: a hard error rejects the record, a soft error is
    accepted but flagged, a warning is advice."""

    HARD = "hard"
    SOFT = "soft"
    WARNING = "warning"


class FindingCode(StrEnum):
    """The project's own stable codes (IPND's own error numbers are not public).

    The middle word is the severity, so a code always means the same severity.
    """

    # hard: the record would be rejected
    REQUIRED = "IPND-HARD-REQUIRED"
    NO_NUMBER = "IPND-HARD-NO-NUMBER"
    CHARACTERS = "IPND-HARD-CHARACTERS"
    LENGTH = "IPND-HARD-LENGTH"
    STATE = "IPND-HARD-STATE"
    POSTCODE_FORMAT = "IPND-HARD-POSTCODE-FORMAT"
    POSTCODE_STATE = "IPND-HARD-POSTCODE-STATE"
    POSTCODE_PO_BOX = "IPND-HARD-POSTCODE-PO-BOX"
    POSTCODE_UNKNOWN = "IPND-HARD-POSTCODE-UNKNOWN"
    STREET_TYPE = "IPND-HARD-STREET-TYPE"
    STREET_SUFFIX = "IPND-HARD-STREET-SUFFIX"
    HOUSE_NUMBER = "IPND-HARD-HOUSE-NUMBER"
    SUFFIX = "IPND-HARD-SUFFIX"
    FLOOR_TYPE = "IPND-HARD-FLOOR-TYPE"
    FLOOR_NUMBER = "IPND-HARD-FLOOR-NUMBER"
    UNIT_TYPE = "IPND-HARD-UNIT-TYPE"
    UNIT_NUMBER = "IPND-HARD-UNIT-NUMBER"
    BUILDING_TYPE = "IPND-HARD-BUILDING-TYPE"
    BUILDING_NUMBER = "IPND-HARD-BUILDING-NUMBER"
    PO_BOX = "IPND-HARD-PO-BOX"
    COUNTRY = "IPND-HARD-COUNTRY"
    # soft: accepted, but a person should look
    HOUSE_NUMBER_RANGE = "IPND-SOFT-HOUSE-NUMBER-RANGE"
    FLOOR_NUMBER_MISSING = "IPND-SOFT-FLOOR-NUMBER-MISSING"
    TYPE_MISSING = "IPND-SOFT-TYPE-MISSING"
    STREET_TYPE_MISSING = "IPND-SOFT-STREET-TYPE-MISSING"  # "1 Broadway", "The Esplanade"
    UNPARSED = "IPND-SOFT-UNPARSED"
    # warnings: advice, or a guess the parser made
    UPPER_CASE = "IPND-WARN-UPPER-CASE"
    NUMBER_MISSING = "IPND-WARN-NUMBER-MISSING"
    LOT_NUMBER = "IPND-WARN-LOT-NUMBER"
    COUNTRY_ASSUMED = "IPND-WARN-COUNTRY-ASSUMED"
    STATE_FROM_POSTCODE = "IPND-WARN-STATE-FROM-POSTCODE"

    @property
    def severity(self) -> Severity:
        word = self.value.split("-")[1]
        return {"HARD": Severity.HARD, "SOFT": Severity.SOFT, "WARN": Severity.WARNING}[word]


class Finding(BaseModel):
    """One problem with one field, in words a support person can act on."""

    model_config = ConfigDict(frozen=True)

    field: AddressField
    severity: Severity
    code: FindingCode
    message: str

    @classmethod
    def of(cls, code: FindingCode, field: AddressField, message: str) -> Finding:
        """A finding whose severity is the one its code carries."""
        return cls(field=field, severity=code.severity, code=code, message=message)


class ParsedAddress(BaseModel):
    """What ``parse_sold_to`` made of a Zuora Sold To contact, for a person to confirm."""

    model_config = ConfigDict(frozen=True)

    address: ServiceAddress
    findings: list[Finding]

    @property
    def has_hard_errors(self) -> bool:
        return has_hard_errors(self.findings)


def has_hard_errors(findings: Iterable[Finding]) -> bool:
    """True when any finding would get the record rejected."""
    return any(finding.severity is Severity.HARD for finding in findings)
