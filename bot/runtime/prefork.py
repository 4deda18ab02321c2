"""``jethub serve --processes N``: N web processes sharing one listening socket (pre-fork).

Each process has its own GIL, work pool and ledger connections, so the acks and the work after
them in one process do not hold up the others; the kernel hands each new connection to whichever
process accepts it first. The parent binds the socket, forks before anything else starts
(no threads, no connections yet), then only waits: SIGTERM or SIGINT is passed on to the
children, and a child that dies unasked stops the whole group (the platform restarts it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
from collections.abc import Callable
from types import FrameType

log = logging.getLogger(__name__)

Child = Callable[[socket.socket, int], int]


def listen(host: str, port: int, *, backlog: int = 2048) -> socket.socket:
    sock = socket.create_server((host, port), backlog=backlog)
    sock.set_inheritable(True)
    return sock


def serve_forked(processes: int, sock: socket.socket, child: Child) -> int:
    """Run ``child(sock, index)`` in ``processes`` forked processes; the group's exit code."""
    children: dict[int, int] = {}
    for index in range(processes):
        pid = os.fork()
        if pid == 0:  # the child: serve, then leave without running the parent's clean-up
            code = 1
            try:
                code = child(sock, index)
            except KeyboardInterrupt:
                code = 0
            except BaseException:
                log.exception("web process %d failed", index)
            finally:
                logging.shutdown()
                os._exit(code)
        children[pid] = index
    sock.close()
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            _signal(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    code = 0
    try:
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            if pid not in children:
                continue
            index = children.pop(pid)
            exit_code = os.waitstatus_to_exitcode(status)
            if not stopping:
                log.error("web process %d exited (%d); stopping the others", index, exit_code)
                code = code or (exit_code if exit_code > 0 else 1)
                stop(signal.SIGTERM, None)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
