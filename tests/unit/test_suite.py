"""The test suite itself: a test that returns a value instead of asserting checks nothing.

pytest warns about a synchronous test that returns a value, but an async one (run by
pytest-asyncio) returns its value unseen: one did, and checked nothing from 2026-12-07 to 12-08.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _returns_of(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.Return]:
    """The ``return <value>`` statements of ``function`` itself (not of functions inside it)."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(node, ast.Return) and node.value is not None:
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _tests_of(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in tree.body:
        members = node.body if isinstance(node, ast.ClassDef) else [node]
        for member in members:
            if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and member.name.startswith("test_"):
                yield member


def test_no_test_returns_a_value() -> None:
    found = [
        f"{path.relative_to(TESTS)}:{ret.lineno} {test.name}"
        for path in sorted(TESTS.rglob("test_*.py"))
        for test in _tests_of(ast.parse(path.read_text(encoding="utf-8")))
        for ret in _returns_of(test)
    ]
    assert not found, "tests that return a value instead of asserting:\n" + "\n".join(found)


def test_a_returned_value_is_found() -> None:
    tree = ast.parse("async def test_x():\n    def helper():\n        return 1\n    return await helper()\n")
    assert [ret.lineno for test in _tests_of(tree) for ret in _returns_of(test)] == [4]
