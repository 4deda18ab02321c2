"""Which state a postcode belongs to: street ranges, PO-box-only ranges, border postcodes."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# Inclusive ranges of postcodes used for street (delivery) addresses.
STREET_POSTCODE_RANGES: Mapping[str, tuple[tuple[int, int], ...]] = MappingProxyType(
    {
        "NSW": ((2000, 2599), (2619, 2899), (2921, 2999)),
        "ACT": ((2600, 2618), (2900, 2920)),
        "VIC": ((3000, 3999),),
        "QLD": ((4000, 4999),),
        "SA": ((5000, 5799),),
        "WA": ((6000, 6797),),
        "TAS": ((7000, 7799),),
        "NT": ((800, 899),),
    }
)

# Ranges reserved for PO boxes and large users: never a service address.
PO_BOX_POSTCODE_RANGES: Mapping[str, tuple[tuple[int, int], ...]] = MappingProxyType(
    {
        "NSW": ((1000, 1999),),
        "ACT": ((200, 299),),
        "VIC": ((8000, 8999),),
        "QLD": ((9000, 9999),),
        "SA": ((5800, 5999),),
        "WA": ((6800, 6999),),
        "TAS": ((7800, 7999),),
        "NT": ((900, 999),),
    }
)

# Postcodes whose area straddles a border: every state listed is accepted.
BORDER_POSTCODES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "0872": frozenset({"NT", "SA", "WA"}),
        "2406": frozenset({"NSW", "QLD"}),
        "2540": frozenset({"NSW", "ACT"}),
        "2611": frozenset({"ACT", "NSW"}),
        "2620": frozenset({"NSW", "ACT"}),
        "3500": frozenset({"VIC", "NSW"}),
        "3585": frozenset({"VIC", "NSW"}),
        "3586": frozenset({"VIC", "NSW"}),
        "3644": frozenset({"VIC", "NSW"}),
        "3691": frozenset({"VIC", "NSW"}),
        "3707": frozenset({"VIC", "NSW"}),
        "4377": frozenset({"QLD", "NSW"}),
        "4380": frozenset({"QLD", "NSW"}),
    }
)


def _states_in(ranges: Mapping[str, tuple[tuple[int, int], ...]], number: int) -> frozenset[str]:
    return frozenset(
        state for state, spans in ranges.items() if any(lo <= number <= hi for lo, hi in spans)
    )


def street_postcode_states(postcode: str) -> frozenset[str]:
    """The states a 4-digit street postcode may be in; empty if it is not a street postcode."""
    if len(postcode) != 4 or not postcode.isascii() or not postcode.isdigit():
        return frozenset()
    return _states_in(STREET_POSTCODE_RANGES, int(postcode)) | BORDER_POSTCODES.get(
        postcode, frozenset()
    )


def po_box_postcode_state(postcode: str) -> str | None:
    """The state whose PO-box-only range holds this 4-digit postcode, if any."""
    if len(postcode) != 4 or not postcode.isascii() or not postcode.isdigit():
        return None
    states = _states_in(PO_BOX_POSTCODE_RANGES, int(postcode))
    return next(iter(states), None)
