"""Allowances from subscriptions: the counting rules, by example and by property."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from integrations.allowances import AllowanceItem, describe_allowances
from integrations.zuora import RatePlan, RatePlanCharge, Subscription, compute_allowances

TODAY = date(2026, 11, 24)


def _charge(
    quantity: int | None, *, type_: str = "Recurring", start: int = -30, end: int | None = 30
):
    return RatePlanCharge(
        quantity=quantity,
        type=type_,
        effective_start_date=TODAY + timedelta(days=start),
        effective_end_date=None if end is None else TODAY + timedelta(days=end),
    )


def _sub(number: str, status: str, *plans: RatePlan) -> Subscription:
    return Subscription(subscription_number=number, status=status, rate_plans=list(plans))


def _plan(product: str, *charges: RatePlanCharge) -> RatePlan:
    return RatePlan(product_name=product, rate_plan_charges=list(charges))


def test_effective_dates_are_start_inclusive_end_exclusive() -> None:
    starts_today = _charge(1, start=0, end=None)
    ends_today = _charge(1, start=-10, end=0)
    assert starts_today.in_effect(TODAY)
    assert not ends_today.in_effect(TODAY)


def test_largest_quantity_per_plan_summed_per_product() -> None:
    subs = [
        _sub("S1", "Active", _plan("Cloud Mobile", _charge(4), _charge(5), _charge(None))),
        _sub("S2", "Active", _plan("Cloud Mobile", _charge(2)), _plan("1300 Number", _charge(1))),
        _sub("S3", "Suspended", _plan("Cloud Mobile", _charge(100))),
        _sub("S4", "Active", _plan("Mobile Number", _charge(9, type_="OneTime"))),
    ]
    result = compute_allowances(subs, TODAY)
    assert result.describe() == "7 × Cloud Mobile, 1 × 1300 Number"  # noqa: RUF001
    assert result.subscription_numbers == ["S1", "S2", "S4"]


def test_describe_empty_and_fractional() -> None:
    assert describe_allowances([]) == "none"
    assert str(AllowanceItem(name="Data GB", quantity=2.5)) == "2.5 × Data GB"  # noqa: RUF001
    assert str(AllowanceItem(name="Seats", quantity=1234567)) == "1234567 × Seats"  # noqa: RUF001


charges = st.builds(
    _charge,
    st.one_of(st.none(), st.integers(min_value=0, max_value=50)),
    type_=st.sampled_from(["Recurring", "OneTime", "Usage"]),
    start=st.integers(min_value=-60, max_value=60),
    end=st.one_of(st.none(), st.integers(min_value=-60, max_value=120)),
)
plans = st.builds(
    _plan, st.sampled_from(["Cloud Mobile", "Mobile Number", "1300 Number"]),
    *[charges] * 3,
)  # fmt: skip
subscriptions = st.builds(
    _sub,
    st.uuids().map(str),
    st.sampled_from(["Active", "Cancelled", "Suspended", "Pending Activation", "Expired"]),
    plans,
    plans,
)


@given(st.lists(subscriptions, max_size=6))
def test_only_active_subscriptions_and_in_effect_recurring_charges_count(subs) -> None:
    result = compute_allowances(subs, TODAY)
    expected: dict[str, int] = {}
    for sub in subs:
        if sub.status != "Active":
            continue
        for plan in sub.rate_plans:
            quantities = [
                int(c.quantity)
                for c in plan.rate_plan_charges
                if c.type == "Recurring" and c.quantity is not None and c.in_effect(TODAY)
            ]
            if quantities:
                expected[plan.product_name] = expected.get(plan.product_name, 0) + max(quantities)
    assert {i.name: i.quantity for i in result.items} == {k: v for k, v in expected.items() if v}
    assert result.subscription_numbers == [
        s.subscription_number for s in subs if s.status == "Active"
    ]


@given(st.lists(subscriptions, max_size=6))
def test_cancelled_subscriptions_never_change_the_result(subs) -> None:
    active_only = [s for s in subs if s.status == "Active"]
    assert compute_allowances(subs, TODAY) == compute_allowances(active_only, TODAY)
