"""The package's shape: layers that import only downwards, and no import cycle anywhere.

The contracts live in pyproject.toml (``[tool.importlinter]``); docs/architecture.md draws them.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib" / "decomkit"


def test_the_layer_contracts_hold():
    done = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def _cycle(graph) -> list[str]:
    """One import cycle among the package's modules, or []."""
    modules = sorted(graph.modules)
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = 1
        path.append(module)
        for target in sorted(graph.find_modules_directly_imported_by(module)):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state and (found := visit(target)):
                return found
        state[module] = 2
        path.pop()
        return []

    for module in modules:
        if module not in state and (found := visit(module)):
            return found
    return []


def test_no_module_imports_itself_back():
    graph = grimp.build_graph("decomkit")
    assert _cycle(graph) == []


def test_the_cycle_check_finds_a_cycle():
    """Positive control: a graph with a loop is caught."""

    class Loop:
        modules = frozenset("abc")

        @staticmethod
        def find_modules_directly_imported_by(module):
            return {"a": {"b"}, "b": {"c"}, "c": {"a"}}[module]

    assert _cycle(Loop) == ["a", "b", "c", "a"]


def _local_imports(path: Path) -> list[tuple[int, str]]:
    """Imports of decomkit inside a function body, with their line numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                module = inner.module if isinstance(inner, ast.ImportFrom) else ""
                if (module or "").startswith("decomkit"):
                    found.append((inner.lineno, module))
    return found


def test_the_library_imports_its_own_modules_at_the_top():
    """Function-level imports of the package hid the import loops; only the CLI keeps them, so
    that ``decomkit --help`` starts without loading pandas (its module docstring says so)."""
    offenders = {str(p.relative_to(LIB)): found for p in sorted(LIB.rglob("*.py"))
                 if p.name != "cli.py" and (found := _local_imports(p))}
    assert offenders == {}


def test_the_architecture_page_names_every_layer_and_module():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    layers = sorted(p.name for p in LIB.iterdir() if (p / "__init__.py").exists())
    modules = sorted({p.stem for layer in layers for p in (LIB / layer).glob("*.py")
                      if p.stem != "__init__"} | {"importers/"})
    # the drawing's module rows: a name counts only as a whole word there, not inside prose
    drawing = page.split("```text", 1)[1].split("```", 1)[0]
    missing = [name for name in [*(f"{layer}/" for layer in layers), *modules]
               if not re.search(rf"(?<![\w/]){re.escape(name)}(?![\w])", drawing)]
    assert missing == []
