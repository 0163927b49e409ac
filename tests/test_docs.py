"""The README is where users look; it must say what the code does."""

from __future__ import annotations

from pathlib import Path

from decomkit.cli import build_parser
from decomkit.config import SECRET_ENV
from decomkit.schemas import tables_markdown

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_shows_the_two_commands():
    assert "make demo" in README and "make test" in README


def test_readme_holds_the_current_table_reference():
    assert tables_markdown() in README, "regenerate the table reference from schemas.py"


def test_readme_documents_every_secret_variable():
    for variable in SECRET_ENV.values():
        assert f"`{variable}`" in README


def test_readme_documents_every_command():
    commands = build_parser()._subparsers._group_actions[0].choices
    for name in commands:
        assert f"decomkit {name}" in README
