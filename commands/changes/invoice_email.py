"""Where invoices are emailed: the Zuora Bill To contact's email.

Only that contact's work email changes. The invoice-copy addresses (``additionalEmailAddresses``)
stay as they are and must be edited in Zuora; when Bill To and Sold To are one contact, the Sold
To email changes with it — both are said before anything changes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, field_validator

from commands.accounts import find_account, live_account
from commands.actor import Actor, Role
from commands.changes.common import unchanged_if_it_fails, zuora_key
from commands.errors import Conflict, NothingToDo
from commands.runs.one_system import Change, carry_out
from commands.trail import audited, authorize

if TYPE_CHECKING:
    from commands.deps import Deps
    from commands.runs.kinds import RunView
    from integrations.zuora import ZuoraAccount, ZuoraContact

# The runs' kinds (their steps are at the end of the module).
KIND = "invoice_email.update"

MAX_EMAIL = 80  # Zuora's limit on workEmail / personalEmail

# One address, as Zuora and mail servers accept it: a local part of the usual characters
# (dots not leading, trailing or doubled), "@", and a domain of dot-separated labels with a
# top-level label of letters.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = re.compile(rf"^{_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$")


def email_problem(text: str) -> str | None:
    """Why ``text`` is not an email address invoices can go to, or None when it is."""
    if not text:
        return "Enter the email address invoices should go to."
    if len(text) > MAX_EMAIL:
        return f"An email address can be at most {MAX_EMAIL} characters ({len(text)} given)."
    if any(ch.isspace() for ch in text):
        return "An email address cannot contain spaces."
    if text.count("@") != 1:
        return "An email address has exactly one @, like accounts@example.com.au."
    if not EMAIL.match(text):
        local, _, domain = text.partition("@")
        if not local:
            return "Put the mailbox name before the @, like accounts@example.com.au."
        if "." not in domain:
            return f"“{domain}” is not a full domain: it needs a dot, like example.com.au."
        return f"“{text}” is not a valid email address."
    return None


class ChangeInvoiceEmail(BaseModel):
    """Send the account's invoices to ``email`` (the Bill To contact's work email)."""

    model_config = ConfigDict(frozen=True)

    account: str
    email: str

    @field_validator("email")
    @classmethod
    def _an_address(cls, value: str) -> str:
        value = value.strip()
        problem = email_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class Contact(BaseModel):
    """A Zuora contact as the modal shows it."""

    model_config = ConfigDict(frozen=True)

    id: str | None
    name: str
    email: str | None

    @classmethod
    def of(cls, contact: ZuoraContact | None) -> Contact | None:
        if contact is None:
            return None
        return cls(id=contact.id, name=contact.full_name, email=contact.email)


class InvoiceContacts(BaseModel):
    """What the invoice-email modal shows before anything changes."""

    model_config = ConfigDict(frozen=True)

    account: str
    account_name: str
    zuora_account: str
    bill_to: Contact | None
    sold_to: Contact | None
    shared: bool  # Bill To and Sold To are one contact: changing one changes both
    additional_emails: list[str]


class InvoiceEmailChanged(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    zuora_account: str
    contact_id: str
    before: str | None
    after: str
    shared: bool
    additional_emails: list[str]
    run_id: str | None = None  # the run that made it (what its Share button names)


def load_invoice_contacts(query: str, actor: Actor, deps: Deps) -> InvoiceContacts:
    authorize(
        deps,
        actor,
        Role.OPERATOR,
        action="invoice_email",
        to="change the invoice email",
        account=query,
    )
    account = find_account(deps, query)
    return _contacts(account.id, account.name, deps.zuora.get_account(zuora_key(account)))


def _contacts(account: str, name: str, zuora: ZuoraAccount) -> InvoiceContacts:
    billing = zuora.billing_and_payment
    return InvoiceContacts(
        account=account,
        account_name=name,
        zuora_account=zuora.account_number,
        bill_to=Contact.of(zuora.bill_to_contact),
        sold_to=Contact.of(zuora.sold_to_contact),
        shared=zuora.contacts_shared,
        additional_emails=list(billing.additional_email_addresses) if billing else [],
    )


@unchanged_if_it_fails(KIND)
def change_invoice_email(cmd: ChangeInvoiceEmail, actor: Actor, deps: Deps) -> InvoiceEmailChanged:
    """Update the Bill To contact's work email; nothing else on the Zuora account."""
    with audited(deps, actor, KIND, cmd.account) as trail:
        trail.require(Role.OPERATOR, to="change the invoice email")
        account = live_account(deps, cmd.account)
        zuora = deps.zuora.get_account(zuora_key(account))
        seen = _contacts(account.id, account.name, zuora)
        if seen.bill_to is None or not seen.bill_to.id:
            raise Conflict(f"Zuora account {zuora.account_number} has no Bill To contact.")
        contact_id = seen.bill_to.id
        if seen.bill_to.email == cmd.email:
            raise NothingToDo(f"Invoices for account {account.id} already go to {cmd.email}.")
        run_id = carry_out(
            trail,
            kind=KIND,
            details={
                "zuora_account": zuora.account_number,
                "contact_id": contact_id,
                "before": seen.bill_to.email,
                "after": cmd.email,
                "shared_with_sold_to": seen.shared,
                "additional_emails_unchanged": seen.additional_emails,
            },
            params={
                "zuora_account": zuora.account_number,
                "contact_id": contact_id,
                "email": cmd.email,
            },
        )
    return InvoiceEmailChanged(
        account=account.id,
        zuora_account=zuora.account_number,
        contact_id=contact_id,
        before=seen.bill_to.email,
        after=cmd.email,
        shared=seen.shared,
        additional_emails=seen.additional_emails,
        run_id=run_id,
    )


# -- the run ------------------------------------------------------------------------------------


def _bill_to_email(deps: Deps, run: RunView) -> str | None:
    contact = deps.zuora.get_account(str(run.p["zuora_account"])).bill_to_contact
    return contact.email if contact else None


INVOICE_EMAIL = Change(
    name=KIND,
    label="invoice email change",
    step_label="update the Bill To email in Zuora",
    apply=lambda deps, run: deps.zuora.update_contact_email(
        str(run.p["contact_id"]), str(run.p["email"])
    ),
    holds=lambda deps, run: _bill_to_email(deps, run) == run.p["email"],
)
