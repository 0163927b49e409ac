"""The reference pages, generated from the code each time the site is built.

An MkDocs hook (``hooks:`` in mkdocs.yml): a page line ``<!-- generated: NAME -->`` is replaced by
the text of ``GENERATORS[NAME]``, and ``dingtalk.md`` is rendered from the table of DingTalk
calls, so the site never shows a copy that drifted from the code. ``tests/test_docs.py`` builds
the site and checks each generated page against the code.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterator

from decomkit.cli import build_parser
from decomkit.core.config import settings_table
from decomkit.inventory.schemas import tables_markdown
from decomkit.platforms.dingtalk_api import markdown as dingtalk_markdown

MARKER = re.compile(r"^<!-- generated: ([\w-]+) -->$", re.MULTILINE)


def tables_reference() -> str:
    """Every inventory table and its columns (``schemas.tables_markdown``), one section each."""
    return re.sub(r"^#### ", "## ", tables_markdown(), flags=re.MULTILINE)


# ------------------------------------------------------------------ the command line

def subcommands(parser: argparse.ArgumentParser, words: tuple[str, ...] = ("decomkit",)
                ) -> Iterator[tuple[str, str, argparse.ArgumentParser]]:
    """(``decomkit import file``, its help, its parser) for every command that runs something,
    in the parser's order; a command with sub-commands (``decomkit ledger``) gives its leaves."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
        for name, child in action.choices.items():
            path = (*words, name)
            if any(isinstance(a, argparse._SubParsersAction) for a in child._actions):
                yield from subcommands(child, path)
            else:
                yield " ".join(path), helps.get(name, ""), child


def synopsis(parser: argparse.ArgumentParser) -> str:
    """The parser's usage line on one line, without ``[-h]``."""
    formatter = argparse.HelpFormatter(prog=parser.prog, width=10_000)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups,
                        prefix="")
    return formatter.format_help().strip().replace(" [-h]", "")


def _text(text: str) -> str:
    """Plain text for a Markdown table cell (a code span needs no escapes)."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


# Positional arguments the parser leaves without help.
PLAIN_MEANINGS = {"dir": "the workspace folder"}


def argument_rows(parser: argparse.ArgumentParser) -> Iterator[str]:
    """One Markdown table row per argument: name and value, default, meaning."""
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        metavar = action.metavar
        if isinstance(metavar, tuple):
            metavar = " ".join(metavar)
        if action.option_strings:
            value = "" if action.nargs == 0 else " " + (
                metavar or (f"{{{','.join(map(str, action.choices))}}}" if action.choices
                            else action.dest.upper()))
            name = ", ".join(f"{option}{value}" for option in action.option_strings)
        else:
            name = metavar or action.dest
            if action.choices:
                name += f" {{{','.join(map(str, action.choices))}}}"
        notes = []
        if action.required and action.option_strings:
            notes.append("required")
        if action.choices and action.option_strings and metavar:
            notes.append("one of " + ", ".join(map(str, action.choices)))
        default = action.default
        if action.nargs != 0 and default not in (None, argparse.SUPPRESS, "", []):
            notes.append(f"default {default}")
        meaning = (action.help or PLAIN_MEANINGS.get(action.dest, "")).strip()
        if "default" in meaning:  # the help says it already
            notes = [note for note in notes if not note.startswith("default")]
        yield f"| `{name}` | {_text('; '.join(notes))} | {_text(meaning)} |"


def command_reference(parser: argparse.ArgumentParser | None = None) -> str:
    """Every ``decomkit`` command with its arguments, from the CLI's argparse parser: a table
    of synopses, then one section per command."""
    parser = parser or build_parser()
    commands = list(subcommands(parser))
    lines = ["| command | what it does |", "|---|---|"]
    lines += [f"| `{synopsis(p)}` | {_text(help_)} |" for _, help_, p in commands]
    for name, help_, p in commands:
        lines += ["", f"## `{name}`", "", _text(f"{help_[:1].upper()}{help_[1:]}."), "",
                  "```text", synopsis(p), "```", ""]
        rows = list(argument_rows(p))
        if rows:
            lines += ["| argument | rules | meaning |", "|---|---|---|", *rows]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ the hook

GENERATORS: dict[str, Callable[[], str]] = {
    "tables": tables_reference,
    "settings": settings_table,
    "commands": command_reference,
}
GENERATED_PAGES = {"dingtalk.md": dingtalk_markdown}  # whole pages


def expand(markdown: str) -> str:
    """``markdown`` with every generated-text marker replaced by its text."""
    def generated(match: re.Match) -> str:
        name = match.group(1)
        if name not in GENERATORS:
            raise ValueError(f"unknown generated text {name!r}; known: {', '.join(GENERATORS)}")
        return GENERATORS[name]().strip("\n")

    return MARKER.sub(generated, markdown)


def render(path: str, markdown: str) -> str:
    """The Markdown the site shows for the page at ``path`` (relative to docs/)."""
    if path in GENERATED_PAGES:
        return GENERATED_PAGES[path]()
    return expand(markdown)


def on_page_markdown(markdown: str, page, config, files) -> str:  # MkDocs calls it so
    return render(page.file.src_uri, markdown)
