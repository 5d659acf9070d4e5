"""The house plan, read from the code: which way imports run, no import circles, pure counting
rules, and the size check that ``make lint`` runs."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("giving", "voting", "funds")


def _check_house():
    spec = importlib.util.spec_from_file_location("check_house", ROOT / "scripts/check_house.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_house"] = module
    spec.loader.exec_module(module)
    return module


def _modules() -> dict[str, Path]:
    found = {"config": ROOT / "config.py", "wsgi": ROOT / "wsgi.py"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _imports(tree: ast.Module, name: str, is_package: bool, top_only: bool) -> Iterator[str]:
    """The modules ``name`` imports: all of them, or only those run when it is imported
    (not inside functions, not only for type checking)."""
    nodes: list[ast.AST] = list(tree.body) if top_only else list(ast.walk(tree))
    while nodes:
        node = nodes.pop()
        if top_only and isinstance(node, ast.If):
            test = ast.unparse(node.test)
            if "TYPE_CHECKING" not in test:
                nodes.extend(node.body + node.orelse)
            continue
        if top_only and isinstance(node, ast.Try):
            nodes.extend(node.body + node.orelse + node.finalbody)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def _graph(top_only: bool) -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        graph[name] = {
            target
            for target in _imports(tree, name, is_package, top_only)
            if target in modules and target != name
        }
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _importers(graph: dict[str, set[str]], source: str, target: str) -> list[str]:
    return sorted(
        f"{name} -> {imported}"
        for name, imported_set in graph.items()
        if name == source or name.startswith(source + ".")
        for imported in imported_set
        if imported == target or imported.startswith(target + ".")
    )


def test_no_module_imports_itself_round_a_circle():
    assert _cycles(_graph(top_only=True)) == []


def test_imports_run_one_way():
    graph = _graph(top_only=False)
    assert _importers(graph, "giving", "voting") == []
    assert _importers(graph, "giving", "funds") == []
    assert _importers(graph, "voting", "funds") == []
    assert _importers(graph, "funds", "voting") == []


def test_the_counting_rules_are_plain_python():
    rules = ROOT / "voting" / "rules"
    used: set[str] = set()
    for path in rules.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                used |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                used.add(node.module or "")
    roots = {name.split(".")[0] for name in used}
    assert roots & {"flask", "flask_babel", "sqlalchemy", "giving", "funds"} == set()
    outside = sorted(n for n in used if n.startswith("voting") and not n.startswith("voting.rules"))
    assert outside == [], "the rules import nothing else of voting"


def test_importing_the_counting_rules_loads_no_web_or_database_library():
    probe = "import sys, voting.rules; print(sorted({'flask', 'sqlalchemy'} & set(sys.modules)))"
    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"


def test_the_size_check_passes_and_catches_a_long_file(tmp_path):
    check = _check_house()
    assert check.breaches() == []
    package = tmp_path / "giving"
    package.mkdir()
    (package / "short.py").write_text("x = 1\n" * 600)
    assert check.breaches(tmp_path) == []
    (package / "long.py").write_text("x = 1\n" * 601)
    assert check.breaches(tmp_path) == ["giving/long.py: 601 lines (at most 600)"]


def test_the_size_check_catches_a_long_function_unless_it_says_why(tmp_path):
    check = _check_house()
    package = tmp_path / "voting"
    package.mkdir()
    body = "    x = 1\n" * 80
    (package / "steps.py").write_text(f"def short():\n{body[:-10]}\n")
    assert check.breaches(tmp_path) == []
    (package / "steps.py").write_text(f"def long():\n{body}")
    assert check.breaches(tmp_path) == [
        "voting/steps.py:1: long is 81 lines (at most 80, or say in a comment above it why "
        "it reads better whole)"
    ]
    (package / "steps.py").write_text(
        f"# One pass over the ballots reads best whole.\ndef long():\n{body}"
    )
    assert check.breaches(tmp_path) == []
