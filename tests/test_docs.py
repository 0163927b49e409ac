"""The README is where users look; it must say what the code does."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

from decomkit.cli import build_parser
from decomkit.core.config import SECRET_ENV
from decomkit.inventory.schemas import tables_markdown

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


# ------------------------------------------------------------------ words a reader knows

ROOT = Path(__file__).resolve().parents[1]
# Internal names for the two source guides; readers know them as 停用指南 (the ten-stage guide to
# disabling software behind DingTalk OA approval) and 解除免费关联 (ending 进销存's free
# association). The demo's random --seed is not one of them.
JARGON = re.compile(r"seed ?`?0\d*|seed 00|`00[01]`|FAQ ?二|seeds? ?[一二三四五六七八九十]"
                    r"|the seeds\b|seed documents?|seed stages", re.IGNORECASE)


def user_facing_texts() -> dict[str, str]:
    """README, docs, every notebook cell (markdown and code), templates, and the library
    (docstrings, comments, CLI help)."""
    texts = {"README.md": README}
    for path in sorted((ROOT / "docs").glob("*.md")):
        texts[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
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
        elif anchor and linked.suffix == ".md" and anchor not in anchors(
                linked.read_text(encoding="utf-8")):
            problems.append(f"{target}: no such heading")
    return problems


def test_the_link_check_finds_broken_links():
    made_up = ("[guide](docs/no-such-guide.md) [notes](../shared/reference/dingtalk-openapi.md) "
               "[gone](#no-such-heading) [fine](docs/lifecycle.md) [web](https://example.com) "
               "[here](#two-commands)")
    assert broken_links(ROOT / "README.md", made_up) == [
        "docs/no-such-guide.md: no such file",
        "../shared/reference/dingtalk-openapi.md: outside the repository",
        "#no-such-heading: no such heading"]


def test_every_relative_link_resolves_inside_the_repository():
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    assert {"docs/dingtalk.md", "docs/lifecycle.md"} <= {
        target for d in documents[:1] for target in re.findall(r"\]\((docs/[^)#]+)", README)}
    problems = {str(d.relative_to(ROOT)): broken_links(d, d.read_text(encoding="utf-8"))
                for d in documents}
    assert {d: p for d, p in problems.items() if p} == {}


# ------------------------------------------------------------------ docs/lifecycle.md

def defined_names() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module → its top-level names, class → its members) for every module in lib/decomkit."""
    modules: dict[str, set[str]] = {}
    classes: dict[str, set[str]] = {}
    package = ROOT / "lib" / "decomkit"
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        dotted = ".".join(path.relative_to(package).with_suffix("").parts)
        names = modules.setdefault(dotted, set())
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
