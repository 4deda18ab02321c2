"""Run one ledger operation in several threads or processes at once and collect what each got.

Children are forked (cheap: no re-import) and open their own engine from the URL; they never
touch a connection inherited from the parent.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from typing import Any

from audit import Ledger, append, claim_period, confirmations, decide
from tests.fixtures.ledger import AUDIT_KEY

START_TIMEOUT = 60.0


def _operate(session: Any, op: str, kwargs: dict[str, Any]) -> Any:
    if op == "decide":
        return decide(session=session, **kwargs)
    if op == "confirm_confirmation":
        return confirmations.confirm(session=session, **kwargs)
    if op == "claim_period":
        return claim_period(session=session, **kwargs)
    if op == "append":
        for i in range(kwargs["count"]):
            append(
                session=session,
                actor=kwargs["actor"],
                action="race",
                account=None,
                outcome="ok",
                details={"i": i},
                correlation_id=None,
            )
        return kwargs["count"]
    raise ValueError(op)


def _worker(url: str, op: str, kwargs: dict[str, Any], barrier: Any, queue: Any) -> None:
    ledger = Ledger.from_url(url, key=AUDIT_KEY)
    try:
        with ledger.session() as session:  # connect before the start line, not after it
            session.connection()
        barrier.wait(START_TIMEOUT)
        if op == "append":
            for _ in range(kwargs["batches"]):
                with ledger.session() as session:
                    _operate(session, op, kwargs)
            queue.put(("ok", kwargs["batches"] * kwargs["count"]))
        else:
            with ledger.session() as session:
                queue.put(("ok", _operate(session, op, kwargs)))
    except BaseException as exc:
        queue.put(("error", repr(exc)))
    finally:
        ledger.dispose()


def in_processes(url: str, op: str, calls: list[dict[str, Any]]) -> list[Any]:
    """What each of ``len(calls)`` processes got from ``op``; raises if any of them failed."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(calls))
    queue = context.Queue()
    processes = [
        context.Process(target=_worker, args=(url, op, kwargs, barrier, queue)) for kwargs in calls
    ]
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    errors = [detail for status, detail in outcomes if status == "error"]
    assert errors == [], errors
    return [detail for _, detail in outcomes]


def in_threads(ledger: Ledger, n: int, action: Callable[[Any, int], bool]) -> list[bool]:
    """What each of ``n`` threads got from ``action(session, i)``, started together, each in
    its own ledger session; raises if any of them failed."""
    start = threading.Barrier(n)
    results: list[bool] = []
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            start.wait()
            with ledger.session() as session:
                results.append(action(session, i))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results
