"""IPND emergency service addresses: the fields, their rules, and reading Zuora's free text.

``validate(address)`` lists every rule a :class:`ServiceAddress` breaks as :class:`Finding`\\ s
(hard errors reject the record, soft errors and warnings are for a person to look at);
``parse_sold_to(...)`` reads a Zuora Sold To contact into a ``ServiceAddress`` and reports what it
could not read plus what ``validate`` says. Nothing here talks to a network.
"""

from integrations.ipnd._models import (
    ADDRESS_FIELDS,
    FIELD_LABELS,
    AddressField,
    Finding,
    FindingCode,
    ParsedAddress,
    ServiceAddress,
    Severity,
    has_hard_errors,
)
from integrations.ipnd._normalise import (
    normalise_floor_type,
    normalise_postcode,
    normalise_state,
    normalise_street_suffix,
    normalise_street_type,
    normalise_unit_type,
)
from integrations.ipnd._parse import parse_sold_to, same_as_sold_to
from integrations.ipnd._postcodes import (
    BORDER_POSTCODES,
    PO_BOX_POSTCODE_RANGES,
    STREET_POSTCODE_RANGES,
    po_box_postcode_state,
    street_postcode_states,
)
from integrations.ipnd._tables import (
    FLOOR_TYPES,
    FLOOR_TYPES_BY_WORD,
    STATES,
    STATES_BY_WORD,
    STREET_SUFFIXES,
    STREET_SUFFIXES_BY_WORD,
    STREET_TYPES,
    STREET_TYPES_BY_WORD,
    UNIT_TYPES,
    UNIT_TYPES_BY_WORD,
)
from integrations.ipnd._validate import validate

__all__ = [
    "ADDRESS_FIELDS",
    "BORDER_POSTCODES",
    "FIELD_LABELS",
    "FLOOR_TYPES",
    "FLOOR_TYPES_BY_WORD",
    "PO_BOX_POSTCODE_RANGES",
    "STATES",
    "STATES_BY_WORD",
    "STREET_POSTCODE_RANGES",
    "STREET_SUFFIXES",
    "STREET_SUFFIXES_BY_WORD",
    "STREET_TYPES",
    "STREET_TYPES_BY_WORD",
    "UNIT_TYPES",
    "UNIT_TYPES_BY_WORD",
    "AddressField",
    "Finding",
    "FindingCode",
    "ParsedAddress",
    "ServiceAddress",
    "Severity",
    "has_hard_errors",
    "normalise_floor_type",
    "normalise_postcode",
    "normalise_state",
    "normalise_street_suffix",
    "normalise_street_type",
    "normalise_unit_type",
    "parse_sold_to",
    "po_box_postcode_state",
    "same_as_sold_to",
    "street_postcode_states",
    "validate",
]
