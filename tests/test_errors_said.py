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


def test_every_error_raised_is_said_in_each_language():
    assert unsaid_raises() == []
    for name in SAYS_ITSELF:
        assert "in_language" in vars(getattr(errors, name)), name


def test_the_check_finds_an_english_only_error(tmp_path):  # positive control
    (tmp_path / "m.py").write_text("def f():\n    raise ConfigError('no such setting')\n"
                                   "def g():\n    raise said_error(ConfigError, 'k')\n")
    assert unsaid_raises(tmp_path) == ["m.py:2 ConfigError"]
