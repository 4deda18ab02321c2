"""The shape the code keeps (issues 16 and 25): small modules, short listeners that read typed
payloads and leave error wording to the one renderer, the import direction bot → commands →
integrations, audit, one folder per feature, a kernel that names no feature, no import circles
and no fakes in the product (docs/architecture.md). Read from the source, so a change that
breaks the shape fails here."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

from tests.foundation import imports

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


# The catalogue's tables and every feature's listener modules (verbs, clicks, submissions, events).
LISTENER_STEMS = ("verbs", "actions", "submissions", "home", "share")
LISTENERS = sorted(
    set(_modules("bot/listeners"))
    | {
        path
        for path in (ROOT / "bot").rglob("*.py")
        if path.stem in LISTENER_STEMS and path.parent.name not in ("edge", "views", "runs")
    }
    | {ROOT / "bot" / "runs" / "actions.py"}
)


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


# -- one folder per feature, a kernel that names none (issue 25) ---------------------------------

FEATURES = ("suspension", "deactivation", "changes", "digest", "reading", "reconcile")
# may read another feature's models and facade (reconciliation reports on every feature)
READERS = ("digest", "reading", "reconcile")
CATALOGUES = ("commands.catalogue", "bot.catalogue", "bot.jobs.catalogue", "bot.listeners")
COMPOSITION = ("bot.compose", "bot.cli")  # wires features; the command line starts the fakes
KNOWN = imports.modules((*imports.PRODUCT, "devkit"))


@functools.cache
def all_edges() -> list[imports.Edge]:
    """Every import between known modules: parsed when a test first asks (about a second), not
    as each worker collects the suite."""
    return imports.edges(KNOWN)


def feature(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] in ("bot", "commands") and len(parts) > 1 and parts[1] in FEATURES:
        return parts[1]
    return None


def _under(module: str, roots: tuple[str, ...]) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


def is_kernel(module: str) -> bool:
    return (
        module.split(".")[0] in ("bot", "commands")
        and feature(module) is None
        and not _under(module, CATALOGUES + COMPOSITION)
    )


def _shown(edges: list[imports.Edge]) -> list[str]:
    return [f"{e.source}:{e.line} imports {e.target} ({e.when})" for e in edges]


def _circles(kinds: set[str]) -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for edge in all_edges():
        if edge.when in kinds:
            graph.setdefault(edge.source, set()).add(edge.target)
    return imports.circles(graph)


@pytest.mark.parametrize("name", FEATURES)
def test_a_feature_is_a_folder_of_the_same_name_in_each_layer(name: str) -> None:
    for folder in (f"commands/{name}", f"bot/{name}", f"tests/{name}"):
        assert (ROOT / folder / "__init__.py").is_file(), f"{folder}/ is missing"
    for facade in (f"commands/{name}", f"bot/{name}"):
        doc = ast.get_docstring(ast.parse((ROOT / facade / "__init__.py").read_text()))
        assert doc, f"{facade}/__init__.py names nothing the feature offers"
    assert (ROOT / "docs" / f"{name}.md").is_file(), f"docs/{name}.md is missing"


def test_no_runtime_import_circle_of_more_than_two_modules() -> None:
    wide = [circle for circle in _circles({"runtime"}) if len(circle) > 2]
    assert not wide


def test_counting_every_import_no_circle_crosses_a_feature_or_exceeds_eight_modules() -> None:
    for circle in _circles({"runtime", "lazy", "typing"}):
        homes = {feature(module) for module in circle}
        assert len(homes) == 1, f"a circle across feature folders: {circle}"
        assert len(circle) <= 8, f"a circle of {len(circle)} modules: {circle}"


def test_the_kernel_imports_no_feature() -> None:
    wrong = [e for e in all_edges() if is_kernel(e.source) and feature(e.target) is not None]
    assert not wrong, _shown(wrong)


def _may_read(source: str, target: str) -> bool:
    """The digest and reading may read another feature's models and its facade."""
    home, other = feature(source), feature(target)
    parts = target.split(".")
    return home in READERS and (parts[-1] == "models" or parts[1:] == [str(other)])


def test_a_feature_imports_no_other_feature() -> None:
    wrong = [
        e
        for e in all_edges()
        if feature(e.source) is not None
        and feature(e.target) not in (None, feature(e.source))
        and not _may_read(e.source, e.target)
    ]
    assert not wrong, _shown(wrong)


def _kind_branches(path: Path) -> list[str]:
    """Comparisons of a run's or request's kind (``x.kind == …``, ``… != SOME_KIND``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(
                (isinstance(o, ast.Attribute) and o.attr == "kind")
                or (isinstance(o, ast.Name) and o.id.endswith("KIND"))
                for o in operands
            ):
                found.append(f"{_name(path)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_kind_branch_outside_the_feature_that_owns_the_kind() -> None:
    wrong = [
        branch
        for module, path in KNOWN.items()
        if is_kernel(module)
        for branch in _kind_branches(path)
    ]
    assert not wrong


def test_the_product_imports_no_fake() -> None:
    """Only the command line starts a fake (``jethub console|sandbox``, the built-in sandbox),
    and only inside the command that needs it."""
    wrong = [
        e
        for e in all_edges()
        if e.target.split(".")[0] == "devkit"
        and e.source.split(".")[0] in imports.PRODUCT
        and not (_under(e.source, ("bot.cli",)) and e.when == "lazy")
    ]
    assert not wrong, _shown(wrong)
