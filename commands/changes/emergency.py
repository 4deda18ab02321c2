"""Emergency (IPND) details: pulled from Zuora's Sold To contact, checked, and saved to the
platform once a person has looked at them and no hard error remains."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from commands.accounts import find_account, live_account
from commands.actor import Actor, Role
from commands.changes.common import unchanged_if_it_fails, zuora_key
from commands.errors import Conflict, InvalidInput, NothingToDo
from commands.runs.one_system import Change, carry_out
from commands.runs.records import ActionFailed
from commands.trail import audited, authorize
from integrations.errors import IntegrationError
from integrations.ipnd import (
    ADDRESS_FIELDS,
    FLOOR_TYPES,
    UNIT_TYPES,
    Finding,
    ServiceAddress,
    Severity,
    parse_sold_to,
    validate,
)
from integrations.zuora import ContactUpdate

if TYPE_CHECKING:
    from commands.deps import Deps
    from commands.runs.kinds import RunView
    from integrations.platform import Account, EmergencyRecord

# The runs' kinds (their steps are at the end of the module).
KIND = "emergency.save"
SOLD_TO_KIND = "emergency.sold_to"

MAX_FIELD = 100  # longer than any IPND field; validate() says the real limits


class SoldTo(BaseModel):
    """The Zuora Sold To contact's address, as it was read."""

    model_config = ConfigDict(frozen=True)

    contact_id: str | None
    name: str
    address1: str | None
    address2: str | None
    city: str | None
    state: str | None
    zip_code: str | None
    country: str | None


class EmergencyDraft(BaseModel):
    """What "Pull from Zuora" found: the parsed address and what is wrong with it."""

    model_config = ConfigDict(frozen=True)

    account: str
    account_name: str
    zuora_account: str
    sold_to: SoldTo
    address: ServiceAddress
    findings: list[Finding]
    current: ServiceAddress | None


class SaveEmergency(BaseModel):
    """Store ``address`` as the account's IPND service address; with ``update_sold_to``, write
    it to Zuora's Sold To contact as well, so the two stay the same."""

    model_config = ConfigDict(frozen=True)

    account: str
    address: ServiceAddress
    update_sold_to: bool = False


class AddressRejected(InvalidInput):
    """The address has hard errors: IPND would reject it. ``errors`` maps field → message."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        self.errors: dict[str, str] = {}
        for finding in findings:
            if finding.severity is Severity.HARD and finding.field not in self.errors:
                self.errors[finding.field] = finding.message
        first = next(iter(self.errors))
        super().__init__(
            first, "IPND would reject this address: " + "; ".join(self.errors.values())
        )

    @property
    def audit_details(self) -> Mapping[str, Any]:
        return {"errors": self.errors}


class SoldToUpdate(BaseModel):
    """What became of the request to update Zuora's Sold To with the saved address."""

    model_config = ConfigDict(frozen=True)

    contact_id: str
    address1: str
    error: str | None = None  # Zuora's failure; the platform is saved regardless


class EmergencySaved(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    before: ServiceAddress | None
    after: ServiceAddress
    findings: list[Finding]  # soft errors and warnings that remain
    sold_to: SoldToUpdate | None = None  # Zuora's Sold To, when it was asked to follow
    run_id: str | None = None  # the run that made it (what its Share button names)


def address_digest(address: ServiceAddress) -> str:
    """A short fingerprint of ``address``: a modal carries the pulled one's, so the submission
    can tell whether the person edited it (and the platform would then differ from Zuora)."""
    wire = json.dumps(_wire(address) or {}, sort_keys=True)
    return hashlib.sha256(wire.encode()).hexdigest()[:16]


def sold_to_fields(address: ServiceAddress) -> ContactUpdate:
    """``address`` written the way a Sold To contact holds it ("Level 3, 45 CLARENCE ST",
    city, state, postcode): :func:`parse_sold_to` reads it back to the same fields."""
    a = address
    # Unit and floor types as words ("Suite 4", "Level 3"): the parser reads those back.
    unit = UNIT_TYPES.get(a.unit_type, a.unit_type)
    floor = FLOOR_TYPES.get(a.floor_type, a.floor_type)
    parts = [
        " ".join(p for p in (unit, a.unit_number) if p),
        " ".join(p for p in (floor, a.floor_number + a.floor_suffix) if p),
        a.property_name,
    ]
    number = a.house_number + a.house_suffix
    if a.house_number_2:
        number += f"-{a.house_number_2}{a.house_suffix_2}"
    street = " ".join(p for p in (number, a.street_name, a.street_type, a.street_suffix) if p)
    line = ", ".join(p for p in (*parts, street) if p)
    return ContactUpdate(
        address1=line,
        address2="",
        city=a.locality,
        state=a.state,
        zip_code=a.postcode,
        country="Australia",
    )


def address_from_form(values: Mapping[str, str | None]) -> ServiceAddress:
    """An address from the modal's fields: trimmed, nothing beyond the IPND field names."""
    fields: dict[str, str] = {}
    for name in ADDRESS_FIELDS:
        text = " ".join((values.get(name) or "").split())
        if len(text) > MAX_FIELD:
            raise InvalidInput(name, f"At most {MAX_FIELD} characters.")
        fields[name] = text
    return ServiceAddress(**fields)


def pull_from_zuora(query: str, actor: Actor, deps: Deps) -> EmergencyDraft:
    """Read the Sold To contact and turn it into an IPND address with its findings."""
    authorize(
        deps, actor, Role.OPERATOR, action="emergency", to="update emergency details", account=query
    )
    account = find_account(deps, query)
    zuora = deps.zuora.get_account(zuora_key(account))
    contact = zuora.sold_to_contact
    if contact is None:
        raise Conflict(f"Zuora account {zuora.account_number} has no Sold To contact.")
    parsed = parse_sold_to(
        address1=contact.address1,
        address2=contact.address2,
        city=contact.city,
        state=contact.state,
        zip_code=contact.zip_code,
        country=contact.country,
    )
    return EmergencyDraft(
        account=account.id,
        account_name=account.name,
        zuora_account=zuora.account_number,
        sold_to=SoldTo(
            contact_id=contact.id,
            name=contact.full_name,
            address1=contact.address1,
            address2=contact.address2,
            city=contact.city,
            state=contact.state,
            zip_code=contact.zip_code,
            country=contact.country,
        ),
        address=parsed.address,
        findings=parsed.findings,
        current=_address(deps.platform.emergency(account.id)),
    )


def check_address(address: ServiceAddress) -> list[Finding]:
    """The findings that remain, or ``AddressRejected`` while any is a hard error."""
    findings = validate(address)
    if any(finding.severity is Severity.HARD for finding in findings):
        raise AddressRejected(findings)
    return findings


@unchanged_if_it_fails(KIND)
def save_emergency(cmd: SaveEmergency, actor: Actor, deps: Deps) -> EmergencySaved:
    """Validate again and store the address on the platform, audited before → after."""
    with audited(deps, actor, KIND, cmd.account) as trail:
        trail.require(Role.OPERATOR, to="update emergency details")
        account = live_account(deps, cmd.account)
        findings = check_address(cmd.address)
        before = _address(deps.platform.emergency(account.id))
        if before == cmd.address:
            raise NothingToDo(f"Account {account.id}'s emergency address is already this one.")
        run_id = carry_out(
            trail,
            kind=KIND,
            details={
                "before": _wire(before),
                "after": _wire(cmd.address),
                "findings": [f.code.value for f in findings],
                "update_sold_to": cmd.update_sold_to,
            },
            params={"address": cmd.address.model_dump(mode="json"), "by": actor.user_id},
        )
    sold_to = _update_sold_to(deps, actor, account, cmd.address) if cmd.update_sold_to else None
    return EmergencySaved(
        account=account.id,
        before=before,
        after=cmd.address,
        findings=findings,
        sold_to=sold_to,
        run_id=run_id,
    )


def _update_sold_to(
    deps: Deps, actor: Actor, account: Account, address: ServiceAddress
) -> SoldToUpdate:
    """Write the saved address to Zuora's Sold To contact (audited ``emergency.sold_to``). A
    Zuora failure is reported in the result: the platform's record is already saved."""
    fields = sold_to_fields(address)
    try:
        with audited(deps, actor, SOLD_TO_KIND, account.id) as trail:
            contact = deps.zuora.get_account(zuora_key(account)).sold_to_contact
            if contact is None or contact.id is None:
                raise Conflict(
                    f"Zuora account {account.zuora_account_number} has no Sold To contact."
                )
            contact_id = contact.id
            before = {
                "address1": contact.address1,
                "address2": contact.address2,
                "city": contact.city,
                "state": contact.state,
                "zip_code": contact.zip_code,
            }
            carry_out(
                trail,
                kind=SOLD_TO_KIND,
                details={
                    "contact_id": contact_id,
                    "before": before,
                    "after": fields.model_dump(exclude_none=True),
                },
                params={
                    "zuora_account": zuora_key(account),
                    "contact_id": contact_id,
                    "fields": fields.model_dump(mode="json", exclude_none=True),
                },
            )
    except ActionFailed as exc:
        return SoldToUpdate(contact_id="", address1=fields.address1 or "", error=str(exc.error))
    except (IntegrationError, Conflict) as exc:
        return SoldToUpdate(contact_id="", address1=fields.address1 or "", error=str(exc))
    return SoldToUpdate(contact_id=contact_id, address1=fields.address1 or "")


def _address(found: EmergencyRecord | None) -> ServiceAddress | None:
    return None if found is None else found.address


def _wire(address: ServiceAddress | None) -> dict[str, str] | None:
    if address is None:
        return None
    return {key: value for key, value in address.model_dump().items() if value}


# -- the runs -----------------------------------------------------------------------------------


def _wanted(run: RunView) -> ServiceAddress:
    return ServiceAddress.model_validate(run.p["address"])


EMERGENCY = Change(
    name=KIND,
    label="emergency address change",
    step_label="store the IPND service address on the platform",
    apply=lambda deps, run: deps.platform.store_emergency(
        run.account, _wanted(run), by=str(run.p["by"])
    ),
    holds=lambda deps, run: _address(deps.platform.emergency(run.account)) == _wanted(run),
)


def _sold_to_holds(deps: Deps, run: RunView) -> bool:
    contact = deps.zuora.get_account(str(run.p["zuora_account"])).sold_to_contact
    if contact is None:
        return False
    wanted = dict(run.p["fields"])
    held = contact.model_dump()
    return all((held.get(key) or "") == (value or "") for key, value in wanted.items())


EMERGENCY_SOLD_TO = Change(
    name=SOLD_TO_KIND,
    label="Sold To address update",
    step_label="write the address to Zuora's Sold To contact",
    apply=lambda deps, run: deps.zuora.update_contact(
        str(run.p["contact_id"]), ContactUpdate.model_validate(run.p["fields"])
    ),
    holds=_sold_to_holds,
)
