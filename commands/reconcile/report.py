"""The report: every account, page by page, compared across the platform, Zuora and the ledger.

The platform's full listing (``GET /v2/accounts?detail=full``, 495 a page: five whole Zuora
batches) drives it; the next page is fetched while this one is compared. Each page's Zuora
accounts (Sold To and subscriptions) are asked for by number, 99 a query, on a small pool — at
most ``zuora_workers`` calls at once,
well inside Zuora's concurrency limit — and its ledger record is one query. Zuora's overdue
invoices are one cursor scan at the start (the digest's query), held as one total per account
that owes. So only two pages of accounts are ever held, and the calls grow with pages, not with
accounts. Last, the ledger's stuck and failed actions.

A backend that fails (after the clients' own retries) ends the report there: ``end`` names it
and counts the accounts checked whole; nothing after the last whole page is reported, and
nothing unchecked is ever called consistent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from commands.accounts import resolve_account
from commands.reconcile import checks
from commands.reconcile.actions import action_findings
from commands.reconcile.checks import Owing
from commands.reconcile.ledger import AccountRecord, HeldOut, held_out, records
from commands.reconcile.models import BackendFailed, Finding, ReportEnd
from commands.runs.kinds import LedgerUnavailable
from integrations.errors import IntegrationError
from integrations.platform import AccountDetail
from integrations.zuora import QueriedAccount

if TYPE_CHECKING:
    from commands.deps import Deps

GRACE_DAYS = 3  # JETHUB_RECONCILE_GRACE_DAYS: days past the threshold before "fell through"
ZUORA_BATCH = 99  # Object Query's page: one query answers a batch
PAGE_SIZE = 5 * ZUORA_BATCH  # a platform page is whole Zuora batches (500 would leave one of 5)
OWING = Decimal("0.01")

T = TypeVar("T")


def _guard(backend: str, call: Callable[[], T]) -> T:
    """``call``'s answer, or ``BackendFailed`` naming the backend that failed."""
    try:
        return call()
    except IntegrationError as exc:
        raise BackendFailed("zuora" if exc.backend == "zuora" else "platform", str(exc)) from exc
    except (SQLAlchemyError, LedgerUnavailable) as exc:
        raise BackendFailed("ledger", type(exc).__name__) from exc


class Reconciliation:
    """One report. Iterate ``findings()``; then ``end`` says how it ended."""

    def __init__(
        self,
        deps: Deps,
        *,
        account: str | None = None,
        grace_days: int = GRACE_DAYS,
        page_size: int = PAGE_SIZE,
        zuora_workers: int = 4,
    ) -> None:
        self.deps = deps
        self.account = account
        self.grace_days = grace_days
        self.page_size = page_size
        self.zuora_workers = zuora_workers
        self.end: ReportEnd | None = None
        self._checked = 0
        self._found = 0

    def findings(self) -> Iterator[Finding]:
        try:
            for finding in self._all():
                self._found += 1
                yield finding
        except BackendFailed as exc:
            self.end = ReportEnd(
                checked=self._checked,
                findings=self._found,
                failed_backend=exc.backend,
                error=exc.error,
            )
            return
        self.end = ReportEnd(checked=self._checked, findings=self._found)

    # -- the accounts ------------------------------------------------------------------------

    def _all(self) -> Iterator[Finding]:
        with ThreadPoolExecutor(self.zuora_workers, thread_name_prefix="reconcile") as pool:
            if self.account is not None:
                page, owing = self._one(self.account)
                yield from self._check(page, self._ask_zuora(pool, page), owing)
            else:
                owing_future = pool.submit(_guard, "zuora", self._owing_all)
                pending: tuple[list[AccountDetail], list[Future[list[QueriedAccount]]]] | None
                pending = None
                for page in self._pages():
                    asked = self._ask_zuora(pool, page)
                    if pending is not None:
                        yield from self._check(*pending, owing_future.result())
                    pending = (page, asked)
                if pending is not None:
                    yield from self._check(*pending, owing_future.result())
        yield from _guard("ledger", lambda: list(action_findings(self.deps, self.account)))

    def _pages(self) -> Iterator[list[AccountDetail]]:
        pages = self.deps.platform.account_pages(self.page_size)
        while True:
            page = _guard("platform", lambda: next(pages, None))
            if page is None:
                return
            yield page

    def _one(self, query: str) -> tuple[list[AccountDetail], dict[str, Owing]]:
        platform = self.deps.platform

        def read() -> AccountDetail:
            account = resolve_account(self.deps, query)
            return AccountDetail(
                **account.model_dump(),
                allowances=platform.allowances(account.id),
                emergency=platform.emergency(account.id),
            )

        detail = _guard("platform", read)
        owing: dict[str, Owing] = {}
        if detail.zuora_account_number:
            number = detail.zuora_account_number
            invoices = _guard("zuora", lambda: self.deps.zuora.invoices_for_account(number))
            owing = _owed(
                ((detail.id, i.due_date, i.balance) for i in invoices if i.status == "Posted"),
                self._due_before(),
            )
        return [detail], owing

    def _ask_zuora(
        self, pool: ThreadPoolExecutor, page: list[AccountDetail]
    ) -> list[Future[list[QueriedAccount]]]:
        numbers = sorted({a.zuora_account_number for a in page if a.zuora_account_number})
        batches = [numbers[i : i + ZUORA_BATCH] for i in range(0, len(numbers), ZUORA_BATCH)]
        zuora = self.deps.zuora
        return [
            pool.submit(_guard, "zuora", lambda b=batch: zuora.accounts_by_number(b))
            for batch in batches
        ]

    def _check(
        self,
        page: list[AccountDetail],
        asked: list[Future[list[QueriedAccount]]],
        owing: dict[str, Owing],
    ) -> Iterator[Finding]:
        deps = self.deps
        ids = [a.id for a in page]
        known = _guard("ledger", lambda: records(deps, ids))
        held = _guard("ledger", lambda: held_out(deps, ids))
        zuora = {z.account_number: z for future in asked for z in future.result()}
        today = deps.today()  # once a page: the clock's zone conversion is not free
        found: list[Finding] = []
        for account in page:
            z = zuora.get(account.zuora_account_number or "")
            found.extend(self._account(account, z, known[account.id], owing, held, today))
        self._checked += len(page)
        yield from found

    def _account(
        self,
        p: AccountDetail,
        z: QueriedAccount | None,
        record: AccountRecord,
        owing: dict[str, Owing],
        held: HeldOut,
        today: date,
    ) -> list[Finding]:
        policy = self.deps.policy
        minimum = Decimal(str(policy.overdue_min_balance))
        owes = owing.get(p.id)
        return [
            *checks.suspension(p, record),
            *checks.billed_after_deactivation(p, z),
            *checks.allowances(p, z, record, today),
            *checks.emergency(p, z, record),
            *checks.paid_still_suspended(p, record, owes, minimum),
            *checks.overdue_unattended(
                p,
                owes,
                held,
                today=today,
                threshold_days=policy.threshold_days,
                grace_days=self.grace_days,
                minimum=minimum,
            ),
        ]

    # -- what Zuora says is overdue ----------------------------------------------------------

    def _due_before(self) -> date:
        return self.deps.today() - timedelta(days=self.deps.policy.threshold_days - 1)

    def _owing_all(self) -> dict[str, Owing]:
        bound = self._due_before()
        invoices = self.deps.zuora.overdue_invoices(due_before=bound, min_balance=OWING)
        return _owed(
            ((i.jethub_account, i.due_date, i.balance) for i in invoices if i.jethub_account),
            bound,
        )


def _owed(rows: Iterable[tuple[str | None, date, Decimal]], bound: date) -> dict[str, Owing]:
    """Per account, what is overdue (due before ``bound``, still owing) and since when."""
    found: dict[str, Owing] = {}
    for account, due, balance in rows:
        if account is None or balance <= 0 or due >= bound:
            continue
        before = found.get(account)
        if before is None:
            found[account] = Owing(total=balance, oldest_due=due)
        else:
            found[account] = Owing(before.total + balance, min(due, before.oldest_due))
    return found
