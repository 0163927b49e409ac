"""The README and the documentation site are where users look; they must say what the code
does. The site (mkdocs.yml, docs/) builds with warnings as errors, and its reference pages are
generated from the code by docs/gen_reference.py."""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from decomkit.cli import build_parser
from decomkit.core.config import SECRET_ENV, settings_table
from decomkit.inventory.schemas import TABLES, tables_markdown
from decomkit.platforms.dingtalk_api import markdown as dingtalk_markdown

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _generator():
    spec = importlib.util.spec_from_file_location("gen_reference", DOCS / "gen_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


def doc_pages() -> dict[str, str]:
    """Every page of the site as it shows it (generated text filled in), by its path in docs/."""
    return {path.relative_to(DOCS).as_posix(): GEN.render(path.relative_to(DOCS).as_posix(),
                                                          path.read_text(encoding="utf-8"))
            for path in sorted(DOCS.rglob("*.md"))}


PAGES = doc_pages()
SITE = "\n".join(PAGES.values())


def nav_pages() -> list[str]:
    """The pages mkdocs.yml's nav lists, in order."""
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:", 1)[1]
    return re.findall(r":\s*([\w/.-]+\.md)\s*$", nav, re.MULTILINE)


# ------------------------------------------------------------------ the README

def test_readme_shows_the_two_commands_and_where_to_read_on():
    assert "make demo" in README and "make test" in README
    assert "make docs" in README and "mkdocs serve" in README and "mkdocs build" in README


def test_readme_is_at_most_200_lines():
    assert len(README.splitlines()) <= 200


def test_readme_links_every_page_of_the_site():
    linked = set(re.findall(r"\]\(docs/([^)#]+)", README))
    # index.md is the site's home page: the README's own text, on the site
    assert [page for page in nav_pages() if page not in linked | {"index.md"}] == []


# ------------------------------------------------------------------ the site

def test_every_page_is_in_the_navigation():
    assert sorted(nav_pages()) == sorted(PAGES)
    assert len(nav_pages()) == len(set(nav_pages()))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site, built as `make docs` builds it: --strict, so any warning fails the build."""
    out = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stderr[-4000:]
    assert "WARNING" not in built.stderr, built.stderr[-4000:]
    return out


def html(site: Path, page: str) -> str:
    return (site / page.removesuffix(".md").removesuffix("index") / "index.html").read_text(
        encoding="utf-8")


def test_the_site_builds_with_warnings_as_errors(site):
    for page in nav_pages():
        assert (site / page.removesuffix(".md").removesuffix("index") / "index.html").is_file()
    assert "generated:" not in "".join(html(site, page) for page in nav_pages())


def test_the_built_reference_pages_hold_the_generated_text(site):
    tables = html(site, "reference/tables.md")
    assert all(f"<code>{t.name}</code>" in tables for t in TABLES)
    assert all(f"<code>{c.name}</code>" in tables for t in TABLES for c in t.columns)
    settings = html(site, "reference/settings.md")
    keys = re.findall(r"^\| `([\w.]+)` \|", settings_table(), re.MULTILINE)
    assert len(keys) > 20 and all(f"<code>{key}</code>" in settings for key in keys)
    commands = html(site, "reference/cli.md")
    for name, _, _ in GEN.subcommands(build_parser()):
        assert f"<code>{name}</code>" in commands, name
    assert "<code>decomkit settle</code>" in commands and "--pdf" in commands
    endpoints = html(site, "dingtalk.md")
    assert "/v1.0/microApp/allApps" in endpoints


def test_a_generated_marker_with_an_unknown_name_is_refused():
    with pytest.raises(ValueError, match="unknown generated text 'nothing'"):
        GEN.expand("<!-- generated: nothing -->")
    assert GEN.expand("a\n<!-- generated: settings -->\nb") == f"a\n{settings_table().strip()}\nb"


# ------------------------------------------------------------------ generated from the code

def test_the_table_reference_is_the_schemas():
    page = PAGES["reference/tables.md"]
    assert GEN.tables_reference() in page, "the table reference must be generated from schemas.py"
    assert tables_markdown().replace("#### `", "## `") == GEN.tables_reference()


def test_the_settings_reference_is_the_config_models():
    page = PAGES["reference/settings.md"]
    assert settings_table() in page
    # A positive control: a changed description is caught.
    assert settings_table().replace("IANA time zone", "Time zone") not in page


def test_the_dingtalk_endpoints_page_is_the_table_of_calls():
    assert PAGES["dingtalk.md"] == dingtalk_markdown()


def parser_commands(parser: argparse.ArgumentParser, words=("decomkit",)) -> dict[str, set[str]]:
    """Every command the parser runs, with its arguments' names, walked here independently of
    the generator: ``{"decomkit record": {"target", "apps", "--as-of", "--pdf", …}}``."""
    found: dict[str, set[str]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.update(parser_commands(child, (*words, name)))
    if not found and len(words) > 1:
        found[" ".join(words)] = {
            option for a in parser._actions if not isinstance(a, argparse._HelpAction)
            for option in (a.option_strings or [a.metavar or a.dest])}
    return found


def documented_commands(page: str) -> dict[str, set[str]]:
    """The same read back from the command reference page."""
    found: dict[str, set[str]] = {}
    for section in re.split(r"^## ", page, flags=re.MULTILINE)[1:]:
        name = re.match(r"`([^`]+)`", section).group(1)
        names = re.findall(r"^\| `([^`]+)` \|", section, re.MULTILINE)
        found[name] = {option.split(" ")[0] for cell in names for option in cell.split(", ")}
    return found


def test_the_command_reference_equals_the_parsers():
    page = PAGES["reference/cli.md"]
    expected = parser_commands(build_parser())
    assert documented_commands(page) == expected
    assert "--pdf" in expected["decomkit record"] and "decomkit settle" in expected
    # the summary table lists every command with its synopsis
    for name in expected:
        assert re.search(rf"^\| `{re.escape(name)}( |`)", page, re.MULTILINE), name
    # A positive control: an option the page lost is caught.
    assert documented_commands(page.replace("`--pdf`", "`--pfd`")) != expected


def test_the_docs_document_every_secret_variable():
    for variable in SECRET_ENV.values():
        assert f"`{variable}`" in PAGES["reference/settings.md"], variable


def test_the_docs_document_every_command():
    commands = build_parser()._subparsers._group_actions[0].choices
    for name in commands:
        assert f"decomkit {name}" in SITE


# ------------------------------------------------------------------ words a reader knows

# Internal names for the two source guides; readers know them as 停用指南 (the ten-stage guide to
# disabling software behind DingTalk OA approval) and 解除免费关联 (ending 进销存's free
# association). The demo's random --seed is not one of them.
JARGON = re.compile(r"seed ?`?0\d*|seed 00|`00[01]`|FAQ ?二|seeds? ?[一二三四五六七八九十]"
                    r"|the seeds\b|seed documents?|seed stages", re.IGNORECASE)


def user_facing_texts() -> dict[str, str]:
    """README, the site (as built, generated text included), every notebook cell (markdown and
    code), templates, and the library (docstrings, comments, CLI help)."""
    texts = {"README.md": README, "mkdocs.yml": (ROOT / "mkdocs.yml").read_text("utf-8")}
    texts.update({f"docs/{page}": text for page, text in PAGES.items()})
    texts["docs/gen_reference.py"] = (DOCS / "gen_reference.py").read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for number, cell in enumerate(notebook.cells):
            texts[f"{path.relative_to(ROOT)} cell {number}"] = cell.source
    for folder in ("templates", "lib"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix != ".pyc":
                texts[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    return texts


def jargon_in(texts: dict[str, str]) -> list[str]:
    return [f"{where}: {match.group(0)!r}" for where, text in texts.items()
            for match in JARGON.finditer(text)]


def test_the_jargon_pattern_catches_internal_names_and_spares_the_random_seed():
    caught = ["see seed 000 stage 三", "Seed `001` (解除免费关联)", "FAQ 二 (停用后恢复)",
              "`001` unlink", "seed 四's table", "Seed 八 数据安全", "from the seeds (zh)",
              "| notebook | seed stages |"]
    assert [text for text in caught if not JARGON.search(text)] == []
    spared = ["decomkit demo DIR [--seed S]", "deterministic for a seed and date",
              "seeded from the inventory", "build_demo(root, seed=7)", "停用指南 FAQ 2"]
    assert [text for text in spared if JARGON.search(text)] == []


def test_no_user_facing_text_speaks_of_seeds():
    texts = user_facing_texts()
    assert any(name.startswith("notebooks/") for name in texts)  # the scan saw the notebooks
    assert any(name.startswith("templates/") for name in texts)
    assert jargon_in(texts) == []
    assert jargon_in({"planted": "stage 三 of seed 000"}) == ["planted: 'seed 000'"]


def test_the_cli_help_names_no_seed_guide():
    parser = build_parser()
    helps = {"decomkit": parser.format_help()}
    for name, sub in parser._subparsers._group_actions[0].choices.items():
        helps[f"decomkit {name}"] = sub.format_help()
    assert jargon_in(helps) == []


# ------------------------------------------------------------------ links stay inside

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")


def anchor_of(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    found: set[str] = set()
    for line in markdown.splitlines():
        if line.startswith("#"):
            base = anchor_of(line.lstrip("#"))
            name, n = base, 0
            while name in found:
                n += 1
                name = f"{base}-{n}"
            found.add(name)
    return found


def broken_links(path: Path, markdown: str) -> list[str]:
    """Each relative link of ``markdown`` (in file ``path``) that does not resolve to a file
    inside the repository, or to a heading of it."""
    problems = []
    for match in LINK.finditer(markdown):
        target = match.group(1) or match.group(2)
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path.resolve()
        if not linked.is_relative_to(ROOT):
            problems.append(f"{target}: outside the repository")
        elif not linked.is_file():
            problems.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(shown(linked)):
            problems.append(f"{target}: no such heading")
    return problems


def shown(path: Path) -> str:
    """A Markdown file as readers see it: a page of the site with its generated text."""
    if path.is_relative_to(DOCS):
        return PAGES.get(path.relative_to(DOCS).as_posix(), path.read_text(encoding="utf-8"))
    return path.read_text(encoding="utf-8")


def test_the_link_check_finds_broken_links():
    made_up = ("[guide](docs/no-such-guide.md) [notes](../shared/reference/dingtalk-openapi.md) "
               "[gone](#no-such-heading) [fine](docs/lifecycle.md) [web](https://example.com) "
               "[here](#two-commands)")
    assert broken_links(ROOT / "README.md", made_up) == [
        "docs/no-such-guide.md: no such file",
        "../shared/reference/dingtalk-openapi.md: outside the repository",
        "#no-such-heading: no such heading"]


def test_every_relative_link_resolves_inside_the_repository():
    documents = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
    assert {"docs/dingtalk.md", "docs/lifecycle.md"} <= set(
        re.findall(r"\]\((docs/[^)#]+)", README))
    problems = {str(d.relative_to(ROOT)): broken_links(d, shown(d)) for d in documents}
    assert {d: p for d, p in problems.items() if p} == {}
    # A page of the site links only inside the site (mkdocs cannot follow it out of docs/).
    outside = [f"{d.relative_to(ROOT)}: {target}" for d in documents[1:]
               for target in re.findall(r"\]\(([^)#:]+)", shown(d))
               if not (d.parent / target).resolve().is_relative_to(DOCS)]
    assert outside == []


# ------------------------------------------------------------------ docs/lifecycle.md

def defined_names() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module → its top-level names, class → its members) for every module in lib/decomkit."""
    modules: dict[str, set[str]] = {}
    classes: dict[str, set[str]] = {}
    package = ROOT / "lib" / "decomkit"
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parts = path.relative_to(package).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        # by its dotted path in the package, and by its own name as the docs write it
        names = modules.setdefault(".".join(parts), set())
        if parts:
            modules[parts[-1]] = names
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names.add(node.name)
            if isinstance(node, ast.ClassDef):
                members = classes.setdefault(node.name, set())
                for item in ast.walk(node):
                    if isinstance(item, ast.FunctionDef):
                        members.add(item.name)
                    elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                        members.add(item.target.id)
    return modules, classes


def unknown_names(markdown: str) -> list[str]:
    """``module.function()`` and ``Class.member`` references that lib/decomkit does not
    define."""
    modules, classes = defined_names()
    unknown = []
    for owner, name, call in re.findall(r"`([A-Za-z_][\w.]*)\.(\w+)(\(\))?`", markdown):
        if call and owner in modules:
            known = name in modules[owner]
        elif owner in classes:
            known = name in classes[owner]
        else:  # a setting such as `approval.due_days`, a file such as `decomkit.toml`
            known = not call
        if not known:
            unknown.append(f"{owner}.{name}{call}")
    return unknown


def test_lifecycle_names_only_functions_the_library_defines():
    lifecycle = (ROOT / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    assert len(re.findall(r"\(\)`", lifecycle)) > 40  # the table does name functions
    assert unknown_names(lifecycle) == []
    assert unknown_names("`backup.run_backups()` `Impact.row_count` `nowhere.thing()`") == [
        "backup.run_backups()", "Impact.row_count", "nowhere.thing()"]
    for guide_stage in "一二三四五六七八九十":
        assert f"\n| {guide_stage} " in lifecycle, guide_stage
    for faq in range(1, 5):
        assert f"\n| FAQ {faq} " in lifecycle, faq
