"""Every error the kit raises on purpose is said in each reader's language: a ``raise`` of a
:class:`~decomkit.core.errors.DecomkitError` is built by ``said_error``, ``platform_error`` or
``refused``, or carries ``.saying(...)``, or is a class that says itself (input problems, gate
refusals). Read from the source, so a new English-only refusal fails here, naming its line."""

from __future__ import annotations

import ast
from pathlib import Path

import decomkit
from decomkit.core import errors

LIB = Path(decomkit.__file__).parent
SAID_BY = {"said_error", "platform_error", "refused"}
# Classes whose message is built from parts that are said themselves.
SAYS_ITSELF = {"InputError", "WorkspaceBusy", "ActionUnsettled"}
ERRORS = {name for name, value in vars(errors).items()
          if isinstance(value, type) and issubclass(value, errors.DecomkitError)}


def _called(node: ast.expr) -> str:
    func = node.func if isinstance(node, ast.Call) else None
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def unsaid_raises(root: Path = LIB) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            name = _called(node.exc)
            if name == "saying" or name in SAID_BY or name in SAYS_ITSELF:
                continue
            if name in ERRORS:
                if name == "TransitionError" and len(node.exc.args) + len(node.exc.keywords) > 3:
                    continue  # given its said form
                found.append(f"{path.relative_to(root)}:{node.lineno} {name}")
    return found


def _plain_text(node: ast.expr) -> bool:
    """A string written in the code (a literal, an f-string, or one joined with +)."""
    if isinstance(node, ast.BinOp):
        return _plain_text(node.left) or _plain_text(node.right)
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant)
                                               and isinstance(node.value, str))


def unsaid_problems(root: Path = LIB) -> list[str]:
    """Input problems whose ``what`` or ``fix`` is plain English (the whole list is then shown
    in English: a problem is said in Chinese only when every problem is)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _called(node) == "Problem":
                texts = node.args[3:5] + [k.value for k in node.keywords
                                          if k.arg in ("what", "fix")]
                if any(_plain_text(x) for x in texts):
                    found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_every_input_problem_is_said_in_each_language():
    assert unsaid_problems() == []


def test_every_error_raised_is_said_in_each_language():
    assert unsaid_raises() == []
    for name in SAYS_ITSELF:
        assert "in_language" in vars(getattr(errors, name)), name


def test_the_check_finds_an_english_only_error(tmp_path):  # positive control
    (tmp_path / "m.py").write_text("def f():\n    raise ConfigError('no such setting')\n"
                                   "def g():\n    raise said_error(ConfigError, 'k')\n"
                                   "p = Problem('f', 1, 'c', 'is empty', said('table.fill_in'))\n"
                                   "q = Problem('f', 1, 'c', said('k'), said('table.fill_in'))\n")
    assert unsaid_raises(tmp_path) == ["m.py:2 ConfigError"]
    assert unsaid_problems(tmp_path) == ["m.py:5"]
