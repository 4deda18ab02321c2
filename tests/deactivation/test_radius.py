"""A safer blast radius: the modal, the request and so the approver see the account's children
(and that they are not deactivated), the Zuora balance still owing, and that the bot does not
cancel the Zuora account."""

from __future__ import annotations

import json
from decimal import Decimal

from bot.deactivation import views
from commands.deactivation.radius import BlastRadius, Child, ZuoraLeft
from commands.deactivation.request import DeactivationPreview
from integrations.platform import Account
from tests.deactivation.test_e2e import KEEP_CHILDREN, check_blocks, text_of
from tests.deactivation.test_views import NASTY, radius
from tests.fixtures.bot import ALICE, APPROVALS_CHANNEL, BotHarness

CHILDREN = (
    "Bean Republic Surry Hills (1002)",
    "Bean Republic Fitzroy (1003)",
    "Bean Republic Fortitude Valley (1004)",
)


def assert_leaves_shown(text: str, *, kept: bool) -> None:
    """The children and Zuora, as the modal asks (``kept`` False) or the request says (the
    requester chose to keep the children)."""
    assert "Child accounts (3):" in text
    for child in CHILDREN:
        assert child in text
    assert "*not* deactivated" in text
    if kept:
        assert "point at a deactivated parent" in text and "choose below" not in text
    else:
        assert "choose below whether the deactivation detaches them" in text
    assert "Balance still owing: *$612.40 AUD*" in text  # 1001's open invoice
    assert "does *not* cancel the Zuora account" in text and "stays Active in Zuora" in text
    assert "billing team" in text


def test_1001_shows_its_children_and_zuora_in_the_modal_and_the_request(bot: BotHarness) -> None:
    bot.command(ALICE, "deactivate 1001")
    modal = bot.slack.open_view(ALICE)
    assert modal is not None and modal["callback_id"] == views.REQUEST_MODAL
    check_blocks(modal, limit=100)
    assert_leaves_shown(json.dumps(modal["blocks"], ensure_ascii=False), kept=False)
    choice = next(b for b in modal["blocks"] if b.get("block_id") == "children")
    assert [o["value"] for o in choice["element"]["options"]] == ["detach", "keep"]

    bot.send.view_submission(
        ALICE,
        values={
            "reason": {"value": "franchise closed"},
            "confirm": {"value": "1001"},
            **KEEP_CHILDREN,
        },
    )
    bot.wait_idle()
    (posted,) = bot.slack.messages(APPROVALS_CHANNEL)
    check_blocks(posted)
    assert_leaves_shown(text_of(posted), kept=True)


def test_a_childless_account_says_none(bot: BotHarness) -> None:
    bot.command(ALICE, "deactivate 1010")
    modal = bot.slack.open_view(ALICE)
    assert modal is not None
    text = json.dumps(modal["blocks"], ensure_ascii=False)
    assert "*Child accounts:* none." in text
    assert "stays Active in Zuora" in text


def leaving(children: int, zuora: ZuoraLeft | None) -> BlastRadius:
    base = radius(600)
    kids = [
        Child(id=str(2000 + i), name=NASTY if i == 0 else f"Child {i}") for i in range(children)
    ]
    return base.model_copy(update={"children": kids, "zuora": zuora})


def test_many_children_are_cut_at_ten_escaped_and_the_modal_fits() -> None:
    owing = ZuoraLeft(account_number="A00000042", balance=Decimal("1234.5"), currency="AUD")
    preview = DeactivationPreview(
        account=Account(id="1001", name=NASTY, status="active"), radius=leaving(23, owing)
    )
    payload = views.request_modal(preview).to_dict()
    assert len(payload["blocks"]) <= 100
    text = json.dumps(payload, ensure_ascii=False)
    assert "Child accounts (23):" in text and "… and 13 more" in text
    assert "Child 9 (2009)" in text and "Child 10 (2010)" not in text
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; &lt;@U123&gt; (2000)" in text
    assert "Balance still owing: *$1,234.50 AUD*" in text and "A00000042" in text
    for block in payload["blocks"]:
        check_blocks({"blocks": [block]})


def test_zuora_unreadable_or_paid_up_is_said() -> None:
    broken = views.zuora_text(leaving(0, ZuoraLeft(account_number="A1", problem="Zuora <down>")))
    assert "Zuora &lt;down&gt;" in broken and "stays Active in Zuora" in broken
    paid = views.zuora_text(leaving(0, ZuoraLeft(account_number="A1", balance=Decimal("0"))))
    assert "nothing owing" in paid
    stored_before = BlastRadius.model_validate(radius().model_dump(mode="json"))
    assert stored_before.children == [] and stored_before.zuora is None
    assert "does not cancel the Zuora account" in views.zuora_text(stored_before)
    one = views.children_text(leaving(1, None).model_copy(update={"children_plan": "keep"}))
    assert "It is *not* deactivated: it stays active" in one
