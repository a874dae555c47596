"""No import circle among the harness's modules.

Every import counts, a lazy one inside a function too: a circle closed by a lazy import still
ties two modules together both ways (the one this test was written for, cli ↔ merge/repro/soak,
was closed that way), and only hides it until the function runs. An import names the module it
imports, not the packages above it, so `from harness.engines.base import X` ties a module to
base.py and not to engines/__init__.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

from harness import paths

PACKAGE = paths.ROOT / "harness"


def module_names(root: Path = PACKAGE) -> dict[str, Path]:
    names = {}
    for f in root.rglob("*.py"):
        parts = list(f.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = f
    return names


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The harness modules `name` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from ..y import z
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for a in node.names:  # `from pkg import mod` imports the module, else pkg itself
                found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base)
    return {m for m in found if m in modules and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
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
    return found


def import_graph() -> dict[str, set[str]]:
    modules = module_names()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def test_no_import_circle() -> None:
    assert cycles(import_graph()) == []


def test_the_checker_sees_a_lazy_circle(tmp_path: Path) -> None:
    """The check can fail: a circle closed by an import inside a function is found."""
    pkg = tmp_path / "harness"
    (pkg / "commands").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "commands" / "__init__.py").write_text("")
    (pkg / "cli.py").write_text("from harness.commands import soak\n")
    (pkg / "commands" / "soak.py").write_text("def main():\n    from harness import cli\n")
    (pkg / "plain.py").write_text("from . import cli\n")
    modules = module_names(pkg)
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert graph["harness.plain"] == {"harness.cli"}
    assert cycles(graph) == [["harness.cli", "harness.commands.soak"]]


def test_commands_never_import_the_dispatcher() -> None:
    graph = import_graph()
    assert [m for m, deps in graph.items() if m.startswith("harness.commands") and "harness.cli" in deps] == []
