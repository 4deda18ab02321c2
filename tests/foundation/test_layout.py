"""The shape the code keeps (issue 16): small modules, short listeners that read typed payloads
and leave error wording to the one renderer, and the import direction bot → commands →
integrations, audit. Read from the source, so a change that breaks the shape fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 400
MAX_LISTENER_LINES = 40


def _modules(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", _modules("bot", "commands"), ids=_name)
def test_no_module_in_bot_or_commands_is_over_400_lines(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{_name(path)} has {lines} lines"


LISTENERS = _modules("bot/listeners")


@pytest.mark.parametrize("path", LISTENERS, ids=_name)
def test_listeners_are_short_module_level_functions(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= MAX_LISTENER_LINES, f"{node.name} is {length} lines"
    nested = [
        inner.name
        for outer in tree.body
        if isinstance(outer, ast.FunctionDef)
        for inner in ast.walk(outer)
        if isinstance(inner, ast.FunctionDef) and inner is not outer
    ]
    assert not nested, f"functions defined inside functions: {nested}"


@pytest.mark.parametrize("path", LISTENERS, ids=_name)
def test_listeners_read_typed_payloads_and_leave_errors_to_the_renderer(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            assert node.value.id not in ("body", "action", "view", "event"), (
                f"line {node.lineno}: reads {node.value.id}[...] by hand"
            )
        if isinstance(node, ast.Attribute) and node.attr == "get":
            assert not (isinstance(node.value, ast.Name) and node.value.id == "body"), (
                f"line {node.lineno}: reads body.get(...) by hand"
            )
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = ast.unparse(node.type)
            for general in ("CommandError", "IntegrationError", "Exception"):
                assert general not in caught.replace("(", " ").replace(",", " ").split(), (
                    f"line {node.lineno}: catches {caught} (render_error words every error)"
                )


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("commands", {"bot"}), ("integrations", {"bot", "commands"}), ("audit", {"bot", "commands"})],
)
def test_imports_point_one_way(package: str, forbidden: set[str]) -> None:
    wrong = {
        _name(path): sorted(_imports(path) & forbidden)
        for path in _modules(package)
        if _imports(path) & forbidden
    }
    assert not wrong
