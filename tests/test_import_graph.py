"""The package's layering, read from the source: no import cycle, private Keras access in one module.

Every module under ``src/rnnlens`` is parsed with ``ast`` (nothing is imported). An import counts wherever it
sits, at module level or inside a function, since a lazy import still ties the two modules together; imports
under ``if TYPE_CHECKING:`` do not run and do not count.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "src" / "rnnlens"
KERAS_MODULE = PACKAGE_ROOT / "_keras.py"
PRIVATE_KERAS = re.compile(
    r"keras\.src\b|_nodes_by_depth|_inbound_nodes|\bnode\.arguments\b|_call_has_training_arg"
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE_ROOT.rglob("*.py"))}


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, except those under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The rnnlens modules that ``name`` imports (a package's ``__init__`` counts as the package)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")[: len(name.split(".")) - node.level + is_package]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [base]
            # `from package import submodule` imports the submodule too.
            targets += [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            if target in modules and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of several modules (Tarjan), as a path: its last
    edge is the import that closes the cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_one_cycle(graph, component) for component in components]


def _one_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle through the component's first module, found breadth-first."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for successor in sorted(graph[node] & component):
            if successor == start:
                return [*paths[node], start]
            if successor not in paths:
                paths[successor] = [*paths[node], successor]
                queue.append(successor)
    return sorted(component)


def test_the_graph_sees_lazy_imports() -> None:
    graph = _graph()
    assert "rnnlens.errors" in graph["rnnlens.units.concepts"]
    # check_trace imports the Trace class inside the function: still an edge.
    assert "rnnlens.tracing.result" in graph["rnnlens.units._select"]
    # Imports only for type checkers are not edges.
    assert "rnnlens.tracing.result" not in graph["rnnlens.units.concepts"]


def test_no_import_cycle() -> None:
    graph = _graph()
    cycles = _cycles(graph)
    message = "\n".join(" -> ".join(cycle) for cycle in cycles)
    assert not cycles, f"Import cycles inside src/rnnlens:\n{message}"


def test_private_keras_access_only_in_the_keras_module() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE_ROOT.parent)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE_ROOT.rglob("*.py"))
        if path != KERAS_MODULE
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if PRIVATE_KERAS.search(line.split("#")[0]) and not _is_prose(line)
    ]
    assert not offenders, "Private Keras access outside src/rnnlens/_keras.py:\n" + "\n".join(
        offenders
    )


def _is_prose(line: str) -> bool:
    """Docstring prose that cites Keras's source (``keras/src/layers/rnn/gru.py``) is not access."""
    return "keras/src/" in line and "keras.src" not in line
