"""Where the kit's templates live, and rendering them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # decomkit/, above core/


@cache
def resource_dir(name: str) -> Path:
    """``templates/`` or ``notebooks/``: inside the installed package (wheel) or at the
    repository root (editable install)."""
    for candidate in (_PACKAGE / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"decomkit's {name} folder is missing; reinstall decomkit")


def templates_dir() -> Path:
    return resource_dir("templates")


def notebooks_dir() -> Path:
    return resource_dir("notebooks")


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
