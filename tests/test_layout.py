"""The package's layout (CONTRIBUTING.md): a generic library, one companion per chapter.

Read from the source with ``ast``, so that a rule broken anywhere fails here, not in review:
modules stay small, the import graph has no cycle, companions import only the library, the
library never imports a companion, and no module grows by chapter sections.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "code" / "gdlab"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 400
ONE_FILE_ON_PURPOSE = {"optimizers"}   # every optimizer, one screen each, stays one file


def module_name(path: Path) -> str:
    parts = ("gdlab",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_companion(name: str) -> bool:
    return name.startswith("gdlab.chapters.")


def imported_modules(path: Path) -> set[str]:
    """The gdlab modules ``path`` imports (``from . import x`` resolved to gdlab.x)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("gdlab")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("gdlab"):
                continue
            for alias in node.names:   # `from . import plots` imports a module
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in NAMES else target)
    return found - {name}


NAMES = {module_name(p) for p in MODULES}
GRAPH = {module_name(p): imported_modules(p) & NAMES for p in MODULES}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_module_is_over_the_size_limit(path):
    if path.stem in ONE_FILE_ON_PURPOSE:
        return
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module_name(path)} has {lines} lines (limit {MAX_LINES})"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_chapter_sections_and_no_growing_all(path):
    text = path.read_text(encoding="utf-8")
    assert "__all__ +=" not in text
    if not is_companion(module_name(path)):
        assert "# -- chapter" not in text, "topic sections, not chapter sections"


def test_companions_import_only_the_library_and_the_library_no_companion():
    for name, imports in GRAPH.items():
        companions = {m for m in imports if is_companion(m)}
        if is_companion(name):
            assert not companions, f"{name} imports another companion: {companions}"
        else:
            assert not companions, f"library module {name} imports a companion: {companions}"


def test_the_import_graph_has_no_cycle():
    done, active = set(), []

    def visit(name):
        if name in active:
            cycle = active[active.index(name):] + [name]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        active.append(name)
        for imported in sorted(GRAPH[name]):
            if not (imported == "gdlab" and is_companion(name)):   # gdlab never loads them
                visit(imported)
        active.pop()
        done.add(name)

    for name in sorted(GRAPH):
        visit(name)


def test_the_graph_is_read_correctly():
    """The checks above would pass on an empty graph: make sure they see real edges."""
    assert "gdlab.validation" in GRAPH["gdlab.optimizers"]
    assert "gdlab.frames" in GRAPH["gdlab.explorer"] and "gdlab.plots" in GRAPH["gdlab.panels"]
    assert "gdlab.theory.quadratics" in GRAPH["gdlab.theory"]
    assert not GRAPH["gdlab.validation"]


def public_names(path: Path) -> list[str]:
    """A module's ``__all__`` if it has one, else its top-level public functions and classes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__"
                                                for t in node.targets):
            if isinstance(node.value, ast.List):
                return [ast.literal_eval(item) for item in node.value.elts]
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")]


LIBRARY = [p for p in MODULES if not is_companion(module_name(p)) and p.name != "__init__.py"]


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: module_name(p))
def test_every_public_name_of_the_library_is_listed_in_the_readme(path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## The library at a glance"):]
    names = public_names(path)
    assert names, f"{module_name(path)} has no public names?"
    missing = [name for name in names if f"`{name}`" not in table]
    assert not missing, f"{module_name(path)}: list {missing} in README's library table"
