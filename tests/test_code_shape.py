"""The engine's shape holds (issue 10): no import cycles, no imports hidden in functions, no SQL outside store/,
no function too long to read at once. Read from the source with `ast`, so it cannot drift from the code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "processors"
MAX_LINES = 60
#: imports deliberately made inside a function, and why
DEFERRED = {
    "weasyprint": "WeasyPrint takes ~0.5 s to import; only a document needs it",
    "processors.documents.pdf": "imports WeasyPrint (see above)",
    "openpyxl": "only `init` authors workbooks; `status` and `run` start without it",
    "processors.sheets.google.client": "gspread and google-auth: only a Google workspace opens a client",
}
# the command starts in a third of a second: each subcommand (cli.py, and every area's commands.py that
# COMMAND_MODULES lists) imports what it uses
CLI = {"processors/cli.py"}


def is_cli(path: str) -> bool:
    return path in CLI or path.endswith("/commands.py")


def modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        out[name] = ast.parse(path.read_text("utf-8"), str(path))
    return out


def _target(module: str, node: ast.ImportFrom | ast.Import, is_pkg: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = module.split(".") if is_pkg else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1] if node.level else []
    head = ".".join([*base, node.module] if node.module else base)
    return [head] + [f"{head}.{a.name}" for a in node.names]


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def graph() -> dict[str, set[str]]:
    mods = modules()
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for name, tree in mods.items():
        is_pkg = (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists()
        for node in tree.body:
            if _type_checking(node):
                continue
            if isinstance(node, ast.ImportFrom):
                head, *names = _target(name, node, is_pkg)
                modules_named = [t for t in names if t in mods]
                # `from . import x` loads module x (its package is loaded first by Python itself, not a cycle)
                edges[name] |= set(modules_named) if len(modules_named) == len(names) else {head, *modules_named}
            elif isinstance(node, ast.Import):
                edges[name] |= set(_target(name, node, is_pkg))
            edges[name] = {t for t in edges[name] if t in mods and t != name}
    return edges


def test_no_import_cycles() -> None:
    edges = graph()
    seen: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        seen[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if seen.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in seen:
                visit(nxt)
        stack.pop()
        seen[node] = 2

    for node in sorted(edges):
        if node not in seen:
            visit(node)
    assert not cycles, "\n".join(" → ".join(c) for c in cycles)


def _functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_no_imports_hidden_in_functions() -> None:
    hidden = []
    for name, tree in modules().items():
        path = name.replace(".", "/") + ".py"
        for fn in _functions(tree):
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom) and not is_cli(path):
                    targets = _target(name, node, False)
                    if not any(t.split(".")[0] in DEFERRED or t in DEFERRED for t in targets):
                        hidden.append(f"{path}:{node.lineno} {ast.unparse(node)}")
    assert not hidden, "\n".join(hidden)


def test_no_sql_outside_the_store() -> None:
    found = []
    for name, tree in modules().items():
        if name.startswith("processors.store"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("execute", "executemany", "executescript"):
                found.append(f"{name}:{node.lineno}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_function_over_sixty_lines(name: str) -> None:
    long = [f"{fn.name} ({fn.end_lineno - fn.lineno + 1} lines)" for fn in _functions(modules()[name])
            if (fn.end_lineno or fn.lineno) - fn.lineno + 1 > MAX_LINES]
    assert not long, f"{name}: " + ", ".join(long)
