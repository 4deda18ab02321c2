"""What stops a deactivation, checked on the blast radius before the request (the modal, the
request itself) and again by the run's first step, before anything is removed: a number with a
port-out under way, and active child accounts the request does not say what to do with. (An
action already under way on the account is the request's lock: ``active_action``.) Each refusal
says what to do."""

from __future__ import annotations

from commands.deactivation.radius import BlastRadius, ChildrenPlan, PortOut
from commands.errors import CommandError, Conflict, InvalidInput
from integrations.phone import format_au_number

CHILDREN_FIELD = "children"


def _ports_text(ports: list[PortOut]) -> str:
    parts = []
    for port in ports:
        numbers = ", ".join(format_au_number(n) for n in port.numbers)
        carrier = f" to {port.carrier}" if port.carrier else ""
        parts.append(f"{numbers} (port request {port.id}{carrier}, {port.state})")
    return "; ".join(parts)


class PortOutPending(Conflict):
    """Numbers of the account are being ported out: deactivating would quarantine them."""

    def __init__(self, account: str, ports: list[PortOut], *, since: bool = False) -> None:
        self.numbers = sorted({n for port in ports for n in port.numbers})
        when = " since the request was approved" if since else ""
        done = "nothing was removed" if since else "nothing was requested"
        super().__init__(
            f"Account {account} has a port-out under way{when}: {_ports_text(ports)}. "
            f"Deactivating it would quarantine numbers that are leaving, so {done}. Wait until "
            "the port completes (the numbers then leave the account) or is cancelled, then ask "
            "for the deactivation again."
        )


class ChildrenUndecided(InvalidInput):
    """Active child accounts, and the request does not say what becomes of them."""

    def __init__(self, account: str, count: int, *, since: bool = False) -> None:
        which = "child account" if count == 1 else "child accounts"
        if since:
            text = (
                f"Account {account} gained {count} active {which} since the request, which does "
                "not say what becomes of them, so nothing was removed. Ask for the deactivation "
                "again and choose whether to detach them or keep them."
            )
        else:
            text = (
                f"Account {account} has {count} active {which}: say whether to detach them "
                "(they become accounts of their own) or keep them (they stay active under the "
                "deactivated parent). Nothing was requested."
            )
        super().__init__(CHILDREN_FIELD, text)


def refusal(
    radius: BlastRadius, plan: ChildrenPlan | None, *, since: bool = False
) -> CommandError | None:
    """Why this deactivation must not go ahead (or be asked for), or None. ``since``: the run
    re-checking, after the request."""
    if radius.port_outs:
        return PortOutPending(radius.account, radius.port_outs, since=since)
    if radius.active_children and plan is None:
        return ChildrenUndecided(radius.account, len(radius.active_children), since=since)
    return None
