"""#23: the command line speaks the reader's language. Every command the parser has is run
in-process (``decomkit.cli.main``), on its success path and at least one refusal, in a Chinese
and in an English workspace; what it printed (stdout and stderr) is read with the reader test's
checker (words of the other language, Python literals, raw enumerated values and column names).

One workspace per language is built once (the demo, 进销存 decided 'retire', backed up and
verified, its request pending; one action left unsettled) and copied for each command."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from decomkit.cli import main
from decomkit.context.stage import open_stage
from decomkit.context.workspace import Workspace
from decomkit.core.errors import ManualStepRequired, PlatformTimeout
from decomkit.core.i18n import t
from decomkit.custody.verify import verify_backup
from decomkit.lifecycle.approval import submit_approval
from decomkit.lifecycle.backup import run_backup
from decomkit.platforms.manual import ManualPlatform
from decomkit.proof.gates import Grant
from decomkit.running.demo import build_demo
from helpers import replacement_reachable, set_config
from test_import import PEOPLE, console_csv
from test_reader_language import Text, faults
from test_vendor_exit import add_contract

AS_OF = dt.date(2026, 11, 23)
APP = "jxc"
UNSETTLED = "jxc:test-notice:1"  # an action a crashed run left unsettled


def _unsettled(ws: Workspace) -> None:
    def timeout():
        raise PlatformTimeout("notify")

    with ws.ledger() as ledger, pytest.raises(PlatformTimeout):
        ledger.run_once(UNSETTLED, APP, "notify", "it-admin", timeout,
                        grant=Grant(APP, "notify_in_advance", {}, live=True))


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for language in ("zh", "en"):
        root = tmp_path_factory.mktemp(f"cli-{language}") / "ws"
        ws = build_demo(root, events=3000, as_of=AS_OF, language=language)
        set_config(ws, "auto_agree_after_seconds = 2", "auto_agree_after_seconds = -1")
        replacement_reachable(ws)
        with ws.ledger() as ledger:
            ledger.transition(APP, "assessed", "analyst")
            ledger.transition(APP, "decided", "analyst", {"decision": "retire"})
        run_backup(ws, APP, actor="analyst")
        assert verify_backup(ws, APP, actor="analyst").ok
        with open_stage(str(root), analyst="it-admin") as stage:
            submit_approval(stage, APP)
        _unsettled(ws)
        add_contract(ws, "old-expense", AS_OF + dt.timedelta(days=200))
        out[language] = root
    return out


@dataclass
class Case:
    name: str
    argv: Callable[[Path, Path, str], list[str]]  # (workspace, a scratch folder, language)
    codes: tuple[int, ...] = (0,)
    patch: Callable[[pytest.MonkeyPatch], None] | None = None


def _in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch's apps run here rather than in spawned workers (the same code, in seconds)."""
    from concurrent.futures import Future

    import decomkit.running.batch as batch

    def submit(fn, *args):
        done: Future = Future()
        done.set_result(fn(*args))
        return done

    monkeypatch.setattr(batch, "_submit_local", lambda workers: (submit, lambda: None))


def _every_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch whose summary holds every kind of result (the table the command prints)."""
    import decomkit.running.batch as batch

    def run_batch(workspace, *args, **kwargs):
        one = [batch.StageOutcome("assess", "ok", seconds=3.2, attempts=2),
               batch.StageOutcome("backup", "earlier", shown=t(
                   "cli.batch.earlier_detail", workspace.config.language)),
               batch.StageOutcome("approval", "waiting"),
               batch.StageOutcome("disable", "skipped")]
        return batch.BatchSummary(
            [batch.AppOutcome(APP, one), batch.AppOutcome("crm", [
                batch.StageOutcome("review", "failed")])],
            workspace.root / "runs" / "batch.json",
            batch.StageOutcome("portfolio", "failed"))

    monkeypatch.setattr(batch, "run_batch", run_batch)


def _file(folder: Path, name: str, data: bytes = b"evidence") -> str:
    path = folder / name
    path.write_bytes(data + name.encode())
    return str(path)


def _approver(ws: Path) -> str:
    with Workspace.open(ws).ledger() as ledger:
        return ledger.last(APP, "approval_pending").data["approvers"][0]


def _manual_step(ws: Path) -> str:
    config = ws / "decomkit.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'platform = "sandbox"', 'platform = "manual"'), encoding="utf-8")
    with pytest.raises(ManualStepRequired):
        ManualPlatform(ws / "platform").disable(APP, key=f"{APP}:k1")
    return f"{APP}:k1"


def _tampered(ws: Path) -> Path:
    import sqlite3

    db = sqlite3.connect(ws / "ledger.sqlite")
    db.execute("UPDATE events SET actor = 'mallory' WHERE seq = 1")
    db.commit()
    db.close()
    return ws


def _bad_language(ws: Path) -> Path:
    config = ws / "decomkit.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Base"'),
                      encoding="utf-8")
    return ws


def _anchor_down(ws: Path) -> Path:
    """A folder anchor the kit cannot write (its path is a file)."""
    blocked = ws.parent / "anchor-is-a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    set_config(Workspace.open(ws), "\nanchors = []\n",
               f'\n[[anchors]]\nkind = "folder"\npath = "{blocked.as_posix()}"\n')
    return ws


def _notice(ws: Path) -> Path:
    assert main(["vendor", "notice", str(ws), "old-expense", "--date", str(AS_OF)]) == 0
    return ws


def _records(ws: Path) -> str:
    assert main(["record", str(ws), APP, "--as-of", str(AS_OF)]) == 0
    return str(ws / "records")


CASES = [
    Case("init", lambda ws, tmp, lang: ["init", str(tmp / "new"), "--language", lang]),
    Case("init refused", lambda ws, tmp, lang: ["init", str(ws), "--language", lang], (1,)),
    Case("demo", lambda ws, tmp, lang: ["demo", str(tmp / "d"), "--events", "500", "--apps",
                                        "3", "--as-of", str(AS_OF), "--language", lang]),
    Case("demo refused", lambda ws, tmp, lang: ["demo", str(ws), "--language", lang], (1,)),
    Case("status", lambda ws, tmp, lang: ["status", str(ws)]),
    Case("status bad config", lambda ws, tmp, lang: ["status", str(_bad_language(ws))], (1,)),
    Case("ledger verify", lambda ws, tmp, lang: ["ledger", "verify", str(ws)], (3,)),
    Case("ledger verify trusted", lambda ws, tmp, lang: [
        "ledger", "verify", str(ws), "--trust", str(ws / "keys" / "trust-profile.json")], (3,)),
    Case("ledger verify refused", lambda ws, tmp, lang: ["ledger", "verify", str(_tampered(ws))],
         (1,)),
    Case("ledger anchor", lambda ws, tmp, lang: ["ledger", "anchor", str(ws)]),
    Case("ledger anchor refused", lambda ws, tmp, lang: [
        "ledger", "anchor", str(_anchor_down(ws))], (1,)),
    Case("keys show", lambda ws, tmp, lang: ["keys", "show", str(ws)]),
    Case("keys profile", lambda ws, tmp, lang: ["keys", "profile", str(ws)]),
    Case("keys rotate", lambda ws, tmp, lang: ["keys", "rotate", str(ws)]),
    Case("keys refused", lambda ws, tmp, lang: ["keys", "init", str(ws)], (1,)),
    Case("record", lambda ws, tmp, lang: ["record", str(ws), APP, "--as-of", str(AS_OF)]),
    Case("record refused", lambda ws, tmp, lang: ["record", str(ws), "nope"], (1,)),
    Case("record verify", lambda ws, tmp, lang: [
        "record", "verify", _records(ws), "--workspace", str(ws)], (3,)),
    Case("record verify refused", lambda ws, tmp, lang: [
        "record", "verify", str(tmp), "--workspace", str(ws)], (1,)),
    Case("vendor notice", lambda ws, tmp, lang: [
        "vendor", "notice", str(ws), "old-expense", "--date", str(AS_OF)]),
    Case("vendor notice refused", lambda ws, tmp, lang: ["vendor", "notice", str(ws), "wms"],
         (1,)),
    Case("vendor notified", lambda ws, tmp, lang: [
        "vendor", "notified", str(_notice(ws)), "old-expense", "--as", "张三", "--evidence",
        _file(tmp, "sent.eml"), "--on", str(AS_OF)]),
    Case("vendor notified refused", lambda ws, tmp, lang: [
        "vendor", "notified", str(ws), "old-expense", "--as", "张三", "--evidence",
        str(tmp / "missing.eml")], (1,)),
    Case("settle dry run", lambda ws, tmp, lang: [
        "settle", str(ws), UNSETTLED, "--did-not-happen", "--as", "王伟"]),
    Case("settle", lambda ws, tmp, lang: [
        "settle", str(ws), UNSETTLED, "--did-not-happen", "--as", "王伟", "--apply"]),
    Case("settle refused", lambda ws, tmp, lang: [
        "settle", str(ws), "nope", "--happened", "--as", "王伟", "--apply"], (1,)),
    Case("approve", lambda ws, tmp, lang: [
        "approve", str(ws), APP, "--as", _approver(ws), "--decision", "agree"]),
    Case("approve refused", lambda ws, tmp, lang: [
        "approve", str(ws), "crm", "--as", "u0001", "--decision", "agree"], (1,)),
    Case("approval answer", lambda ws, tmp, lang: [
        "approval", "answer", str(ws), APP, "--text", "已迁入 WMS", "--attach",
        _file(tmp, "说明.pdf")]),
    Case("approval answer refused", lambda ws, tmp, lang: [
        "approval", "answer", str(ws), "crm", "--text", "答复"], (1,)),
    Case("confirm", lambda ws, tmp, lang: [
        "confirm", str(ws), _manual_step(ws), "--as", "王伟", "--evidence",
        _file(tmp, "shot.png")]),
    Case("confirm refused", lambda ws, tmp, lang: [
        "confirm", str(ws), "nope", "--as", "王伟", "--evidence", _file(tmp, "shot.png")], (1,)),
    Case("tick dry run", lambda ws, tmp, lang: ["tick", str(ws), "--as-of", str(AS_OF),
                                                "--dry-run"]),
    Case("tick", lambda ws, tmp, lang: ["tick", str(ws), "--as-of", str(AS_OF)], (0, 1)),
    Case("tick refused", lambda ws, tmp, lang: ["tick", str(ws), "--as-of", "tomorrow"], (1,)),
    Case("import file", lambda ws, tmp, lang: [
        "import", "file", str(ws), str(console_csv(tmp / "通讯录.csv", PEOPLE)), "--table",
        "users", "--map", "dingtalk_contacts", "--dry-run"]),
    Case("import file refused", lambda ws, tmp, lang: [
        "import", "file", str(ws), str(tmp / "missing.csv"), "--table", "users", "--map",
        "dingtalk_contacts"], (1,)),
    Case("import dingtalk refused", lambda ws, tmp, lang: [
        "import", "dingtalk", str(ws), "--quiet"], (1,)),
    Case("dingtalk create-template refused", lambda ws, tmp, lang: [
        "dingtalk", "create-template", str(ws)], (1,)),
    Case("batch", lambda ws, tmp, lang: [
        "batch", str(ws), "--stages", "backup", "--apps", "doc-editor,jxc", "--workers", "1",
        "--quiet"], patch=_in_process),
    Case("batch every result", lambda ws, tmp, lang: ["batch", str(ws)], (1,),
         patch=_every_outcome),
    Case("batch refused", lambda ws, tmp, lang: ["batch", str(ws), "--apps", "jxc,nope"], (1,)),
    Case("dashboard", lambda ws, tmp, lang: ["dashboard", str(ws), "--no-browser"]),
    Case("dashboard refused", lambda ws, tmp, lang: [  # no workspace: the flag says who reads
        "dashboard", str(tmp / "nothing"), "--no-browser", "--language", lang], (1,)),
]


# A command a person types ("decomkit vendor notified …") is not prose; nor is an error the
# operating system gave, quoted by its class ("NotADirectoryError: Not a directory").
COMMAND = re.compile(r"decomkit(?: [a-z][a-z-]*){1,2}")
SYSTEM_ERROR = re.compile(r"\b[A-Z][A-Za-z]*Error: [^);\n]*")


# Beyond the reader test's word lists: three English words in a row in a Chinese reader's
# line (paths, file names, commands and ids aside), and the CLI's own Chinese words in an
# English reader's line.
ENGLISH_RUN = re.compile(r"(?i)(?<![\w\-:])[a-z]{2,}(?:[,;']? +[a-z]{2,}){2,}(?![\w\-])")
RAW_STATUS = re.compile(r"\b(?:COMPLETED|RUNNING|TERMINATED)\b")  # the platforms' own words
NOT_PROSE = re.compile(r"\S*[/\\.=]\S*")
CLI_CHINESE = ("工作区", "台账", "签名密钥", "信任配置", "锚点", "档案", "演练", "看板", "请用",
               "请在", "请先")


def read(printed: str, argv: list[str], language: str) -> list[str]:
    """The faults in what a command printed. A name the person typed (an app id, a column map)
    is echoed as typed; the trust profile is printed as the signed file it is."""
    text = re.sub(r"(?ms)^\{\n.*?^\}\n", "", printed)
    text = SYSTEM_ERROR.sub(" ", COMMAND.sub(" ", text))
    typed = {word for arg in argv for word in re.split(r"[\s,]", arg)}
    found = [f for f in faults(Text("", text), language)
             if f.removeprefix("raw name: ") not in typed]
    if language == "zh":
        found += [f"English: {m}" for m in ENGLISH_RUN.findall(NOT_PROSE.sub(" ", text))]
    else:
        found += [f"Chinese: {w}" for w in CLI_CHINESE if w in text]
        found += [f"raw value: {m}" for m in RAW_STATUS.findall(text)]
    return found


def test_the_check_catches_a_line_in_the_other_language():
    """Positive controls: the lines the CLI printed before #23 are caught; its lines now pass."""
    english = ("decomkit: /tmp/w already holds a workspace; choose another folder",
               "new: 29, verified_disabled: 2, approval_pending: 1",
               "jxc: request sbx-00001 is RUNNING; ledger state approval_pending",
               "every checkpoint is anchored")
    for line in english:
        assert read(line, [], "zh"), line
    assert read("已创建工作区:/tmp/w", [], "en")
    assert read("jxc: request sbx-00001 is RUNNING", [], "en")  # a raw enum in English too
    assert not read("未评估:29,已确认停用:2,审批中:1", [], "zh")
    assert not read("请发给供应商,然后运行:decomkit vendor notified /tmp/w old-expense --as 姓名",
                    [], "zh")
    assert not read("decomkit: 无法读取 /tmp/w/manifest.json(FileNotFoundError: No such file)",
                    [], "zh")
    assert not read("workspace created: /tmp/w", [], "en")


def run(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_command_speaks_the_readers_language(templates, tmp_path, capsys, monkeypatch,
                                                 case, language):
    import decomkit.running.dashboard as dashboard

    monkeypatch.setattr(dashboard, "serve_dashboard", lambda *args: 0)  # no server here
    monkeypatch.setenv("COLUMNS", "200")
    if case.patch:
        case.patch(monkeypatch)
    ws = tmp_path / "ws"
    shutil.copytree(templates[language], ws)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    argv = case.argv(ws, scratch, language)
    capsys.readouterr()
    code, printed = run(argv, capsys)
    assert code in case.codes, printed
    assert "Traceback" not in printed
    problems = read(printed, argv, language)
    assert not problems, f"{problems}\n{printed}"
