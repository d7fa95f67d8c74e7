"""The import graph of tfwatch read from the sources: every ``import`` counts, at module
level, inside functions and under ``if TYPE_CHECKING`` alike, so a cycle hidden by a lazy
import shows here even where Python (and import-linter's layers) would let it pass."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

#: Parsed before any other test leaves threads behind (see ``_parse``).
pytestmark = pytest.mark.single_threaded

PACKAGE = Path(__file__).resolve().parent.parent / "tfwatch"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imported(tree: ast.AST, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """The tfwatch modules that the module ``name`` imports anywhere in ``tree``."""
    here = name if is_package else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here
                base = f"{anchor}.{base}" if base else anchor
            # ``from package import module`` imports the module; a name imports its home.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        out.update(t for t in targets if t in modules and t != name)
    return out


def import_graph() -> dict[str, set[str]]:
    """Module -> the tfwatch modules it imports."""
    sources = _sources()
    modules = set(sources)
    return {
        name: _imported(_parse(path), name, path.name == "__init__.py", modules)
        for name, path in sources.items()
    }


def _parse(path: Path) -> ast.Module:
    # CPython 3.11 keeps the AST builder's recursion depth per interpreter, not per thread:
    # a thread left by an earlier test that parses at the same moment (an import under
    # pytest's assertion rewriting) makes ast.parse raise "recursion depth mismatch".
    # The source is fine; parsing it again succeeds.
    for attempt in range(5):
        try:
            return ast.parse(path.read_text())
        except SystemError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def _top(module: str) -> str:
    """``tfwatch.ingest.tailer`` -> ``tfwatch.ingest`` (a top-level module stays itself)."""
    return ".".join(module.split(".")[:2])


def test_the_graph_sees_lazy_and_type_checking_imports() -> None:
    graph = import_graph()
    assert "tfwatch.store.runs" in graph["tfwatch.loading"]
    # ``if TYPE_CHECKING`` and function-level imports are edges too.
    assert "tfwatch.system.sampler" in graph["tfwatch.live.session"]
    assert "tfwatch.system.sampler" in graph["tfwatch.live.factory"]


def test_cycles_are_found_however_long() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e", "d"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycle_between_modules() -> None:
    assert cycles(import_graph()) == []


def test_no_import_cycle_between_packages() -> None:
    packages: dict[str, set[str]] = {}
    for module, imported in import_graph().items():
        edges = packages.setdefault(_top(module), set())
        edges.update(_top(m) for m in imported if _top(m) != _top(module))
    assert cycles(packages) == []


def test_ui_imports_only_live_model_text_and_itself() -> None:
    """Live is the UI's door to the layers under it (import-linter holds the same for
    module-level imports; this counts the lazy ones too)."""
    allowed = {"tfwatch", "tfwatch.ui", "tfwatch.live", "tfwatch.model", "tfwatch.text"}
    allowed |= {"tfwatch.filtering"}  # pure functions over the live summaries
    wrong = {
        (module, target)
        for module, imported in import_graph().items()
        if module.startswith("tfwatch.ui")
        for target in imported
        if _top(target) not in allowed
    }
    assert wrong == set()
