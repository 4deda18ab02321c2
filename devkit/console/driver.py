"""The two ways to drive a session: a person at a terminal, or a transcript played back.

A transcript (`*.jethub`): lines starting with `>` are typed (at the prompt, or as answers to a
modal's questions); `#` and `# …` lines are comments; every other non-blank line must appear in
the output, in order, each as part of one output line (questions count, typed answers do not).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from devkit.console.render import plain
from devkit.console.session import Session

RECENT_LINES = 30


class ScriptFailed(Exception):
    """An expected line did not appear; the message names it and shows the recent output."""


@dataclass(frozen=True)
class Step:
    line: int  # 1-based, in the file
    typed: bool  # `>` input, else an expected line
    text: str


def parse_script(text: str) -> list[Step]:
    steps = []
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped == "#" or stripped.startswith("# "):
            continue
        if stripped.startswith(">"):
            steps.append(Step(number, True, stripped[1:].strip()))
        else:
            steps.append(Step(number, False, stripped))
    return steps


class ScriptTerminal:
    """Answers the session's questions from the script, and checks what it shows against it."""

    def __init__(self, steps: list[Step], *, name: str, echo: Callable[[str], None]) -> None:
        self._steps = steps
        self._name = name
        self._echo = echo
        self._next = 0
        self.output: list[tuple[str, bool]] = []  # (line, typed)
        self._at = (0, 0)  # where the next expectation is looked for: output line, column
        self.met = 0

    def show(self, lines: Iterable[str]) -> None:
        for line in lines:
            line = plain(line)  # a transcript is text: bold and code without their styles
            self.output.append((line, False))
            self._echo(line)

    def ask(self, prompt: str) -> str | None:
        # The question is output (an expectation may name it); the answer typed is not.
        prompt = plain(prompt)
        self.output.append((prompt, False))
        self._check_expectations()
        if self._next == len(self._steps):
            return None
        step = self._steps[self._next]
        self._next += 1
        self.output.append((step.text, True))
        self._echo(prompt + step.text)
        return step.text

    def finish(self) -> None:
        """Every expectation after the last input must have appeared too."""
        self._check_expectations()

    def _check_expectations(self) -> None:
        while self._next < len(self._steps) and not self._steps[self._next].typed:
            self._expect(self._steps[self._next])
            self._next += 1

    def _expect(self, step: Step) -> None:
        row, column = self._at
        for index in range(row, len(self.output)):
            line, typed = self.output[index]
            if typed:
                continue
            found = line.find(step.text, column if index == row else 0)
            if found >= 0:
                self._at = (index, found + len(step.text))
                self.met += 1
                return
        recent: list[str] = []
        for line, typed in self.output[max(row, len(self.output) - RECENT_LINES) :]:
            if typed and recent:
                recent[-1] = recent[-1].replace("  | ", "  > ", 1) + line
            else:
                recent.append("  | " + line)
        raise ScriptFailed(
            f"{self._name}:{step.line}: expected this line in the output, but it did not appear:\n"
            f"    {step.text}\n"
            f"the output since the last expectation met (> typed, | shown):\n" + "\n".join(recent)
        )


def play(session: Session, steps: list[Step], *, name: str, echo: Callable[[str], None]) -> int:
    """Play `steps` in `session`; the number of expectations met. Raises `ScriptFailed`."""
    terminal = ScriptTerminal(steps, name=name, echo=echo)
    previous, session.io = session.io, terminal
    try:
        while (line := terminal.ask(session.prompt())) is not None:
            if not _handle(session, line, echo):
                break
        terminal.finish()
    finally:
        session.io = previous
    return terminal.met


def play_file(session: Session, path: Path, *, echo: Callable[[str], None]) -> int:
    return play(session, parse_script(path.read_text(encoding="utf-8")), name=str(path), echo=echo)


def _handle(session: Session, line: str, echo: Callable[[str], None]) -> bool:
    """The session's own commands, plus `/play FILE` (which needs a driver)."""
    word, _, rest = line.strip().partition(" ")
    if word != "/play":
        return session.handle(line)
    path = Path(rest.strip())
    if not rest.strip() or not path.is_file():
        session.io.show(["/play needs a transcript file, e.g. /play examples/demo.jethub"])
        return True
    met = play_file(session, path, echo=echo)
    session.io.show([f"played {path}: {met} expected line(s) seen"])
    return True


class ReplTerminal:
    """A person at a terminal: bold and code in ANSI styles on a TTY, as plain text otherwise
    (output piped to a file or another program)."""

    def __init__(self, *, styled: bool | None = None) -> None:
        with contextlib.suppress(ImportError):  # not on every platform
            import readline  # noqa: F401 — line editing and history for input()
        self.styled = sys.stdout.isatty() if styled is None else styled

    def _look(self, text: str) -> str:
        return text if self.styled else plain(text)

    def show(self, lines: Iterable[str]) -> None:
        for line in lines:
            print(self._look(line), flush=True)

    def ask(self, prompt: str) -> str | None:
        while True:
            try:
                return input(self._look(prompt))
            except EOFError:
                print()
                return None
            except KeyboardInterrupt:
                print("\n(/quit leaves)")


def run_repl(session: Session) -> int:
    session.io.show(session.banner())
    while (line := session.io.ask(session.prompt())) is not None:
        try:
            if not _handle(session, line, print):
                break
        except ScriptFailed as exc:
            session.io.show([str(exc)])
    return 0
