"""Where the kit's templates live, and rendering them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent


@cache
def templates_dir() -> Path:
    """``templates/``: inside the installed package (wheel) or at the repository root (editable)."""
    for candidate in (_HERE / "templates", _HERE.parents[1] / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("decomkit's templates folder is missing; reinstall decomkit")


@cache
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # these templates are TOML and plain text, not HTML
    )


def render_template(name: str, **values) -> str:
    return _environment().get_template(name).render(**values)
