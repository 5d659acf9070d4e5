"""The house's size rules, for ``make lint``: no Python file in giving/, voting/ or funds/ over
600 lines, and no function there over 80 lines unless a comment right above it says why it
reads better whole. Prints each breach and exits 1 when there is any."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("giving", "voting", "funds")
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80


def _explained(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True when the line above the function (and its decorators) is a comment."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return first >= 2 and lines[first - 2].strip().startswith("#")


def _own_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The function's lines, less those of functions defined inside it (a command group's
    commands, an app's handlers), which are measured on their own."""
    length = (node.end_lineno or node.lineno) - node.lineno + 1
    for inner in _inner_functions(node):
        length -= (inner.end_lineno or inner.lineno) - inner.lineno + 1
    return length


def _inner_functions(node: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Functions defined inside ``node``, but not inside another function in it."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield child
        else:
            yield from _inner_functions(child)


def breaches(root: Path = ROOT) -> list[str]:
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            lines = text.splitlines()
            name = path.relative_to(root)
            if len(lines) > MAX_FILE_LINES:
                found.append(f"{name}: {len(lines)} lines (at most {MAX_FILE_LINES})")
            for node in ast.walk(ast.parse(text, filename=str(path))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                length = _own_lines(node)
                if length > MAX_FUNCTION_LINES and not _explained(lines, node):
                    found.append(
                        f"{name}:{node.lineno}: {node.name} is {length} lines (at most "
                        f"{MAX_FUNCTION_LINES}, or say in a comment above it why it reads "
                        "better whole)"
                    )
    return found


def main() -> int:
    found = breaches()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
