"""``decomkit``: a thin command line over the library.

Each command imports the library inside its own function: ``decomkit --help`` and a mistyped
command answer at once, without loading pandas, matplotlib or Jupyter. This is the one module
allowed function-level imports of the package (tests/test_layers.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from decomkit.core import registry
from decomkit.core.errors import DecomkitError

if TYPE_CHECKING:  # for annotations only: the command's own import loads it
    from decomkit.context.workspace import Workspace
    from decomkit.core.i18n import Language


def _cells(*values) -> list[str]:
    """Table cells for the terminal: secrets masked, rich markup shown as the text it is."""
    from rich.markup import escape

    from decomkit.core.sinks import scrub

    return [escape(scrub(str(v))) for v in values]


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number of seconds") from None
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError("must be 0 (no limit) or more seconds")
    return value


def _language(args: argparse.Namespace, workspace: Workspace | None = None) -> Language:
    """Who reads this command's lines: the ``--language`` the command was given, else the
    workspace's language, else the ``language`` written in its decomkit.toml (a file that
    does not load otherwise), else Chinese (the kit's default)."""
    flag = getattr(args, "language", None)
    if flag in ("en", "zh"):
        return flag
    if workspace is not None:
        return "en" if workspace.config.language == "en" else "zh"
    import tomllib

    from decomkit.core.config import CONFIG_NAME

    root = (getattr(args, "dir", None) or getattr(args, "workspace", None)
            or (getattr(args, "target", None) if getattr(args, "target", "") != "verify"
                else None))
    if not root:
        return "zh"
    try:
        text = (Path(root) / CONFIG_NAME).read_text(encoding="utf-8", errors="replace")
    except OSError:  # no settings there: the default reader
        return "zh"
    try:
        written = tomllib.loads(text).get("language")
    except tomllib.TOMLDecodeError:  # broken elsewhere: the language line as written
        line = re.search(r"""(?m)^\s*language\s*=\s*["']([a-z]+)["']""", text)
        written = line.group(1) if line else None
    return "en" if written == "en" else "zh"


def _print_status(workspace: Workspace) -> None:
    from rich.console import Console
    from rich.table import Table

    from decomkit.context.workspace import status_table
    from decomkit.core.i18n import t
    from decomkit.core.present import label, term
    from decomkit.lifecycle.console import WAITING, waiting_apps

    frame = status_table(workspace)
    waiting = waiting_apps(workspace)
    lang: Language = "en" if workspace.config.language == "en" else "zh"
    comma = ", " if lang == "en" else "、"
    table = Table(title=t("cli.status_title", lang, root=workspace.root))
    for column in ("app_id", "name", "state", "decision"):
        table.add_column(label(column, lang))
    for row in frame.itertuples(index=False):
        state = term("state", row.state, lang)
        if row.app_id in waiting:
            state += ("; " if lang == "en" else ";") + t("cli.count", lang, what=t(
                "state." + WAITING, lang), n=comma.join(waiting[row.app_id]))
        table.add_row(*_cells(row.app_id, row.name, state, term(
            "decision", row.decision, lang) if isinstance(row.decision, str) else ""))
    console = Console()
    console.print(table)
    counts = frame["state"].value_counts()
    if waiting:  # not failed, not done: a person does a step in the console first
        console.print(_cells(t("cli.waiting_apps", lang, what=t("state." + WAITING, lang),
                               apps=comma.join(waiting)))[0])
    console.print(_cells((", " if lang == "en" else ",").join(
        t("cli.count", lang, what=term("state", state, lang), n=n)
        for state, n in counts.items()))[0])


def _print_key(root: Path, lang: Language) -> None:
    from decomkit.core.i18n import t
    from decomkit.proof.keys import load_keyring, private_key_location

    ring = load_keyring(root)
    current = ring.keys[ring.current]
    print(t("cli.key", lang, key_id=current.key_id, fingerprint=current.fingerprint,
            private=private_key_location(current.key_id),
            public=root / "keys" / (current.key_id + ".pub.pem")))
    print(t("cli.key_profile", lang, path=root / "keys" / "trust-profile.json"))


def cmd_init(args: argparse.Namespace) -> int:
    from decomkit.context.workspace import init_workspace
    from decomkit.core.i18n import t

    workspace = init_workspace(args.dir, platform=args.platform, language=args.language)
    lang = _language(args, workspace)
    print(t("cli.created", lang, root=workspace.root))
    _print_key(workspace.root, lang)
    print(t("cli.next", lang, data=workspace.path("data"), root=workspace.root))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from decomkit.running.demo import build_demo, remove_demo

    root = Path(args.dir).expanduser().resolve()
    if args.replace and root.exists():
        remove_demo(root)
    sized = {"apps": args.apps} if args.apps else {}
    workspace = build_demo(root, events=args.events, seed=args.seed, as_of=args.as_of,
                           language=args.language, anchor_folder=args.anchor, **sized)
    from decomkit.core.i18n import t

    lang = _language(args, workspace)
    print(t("cli.demo", lang, root=workspace.root))
    _print_key(workspace.root, lang)
    if args.anchor:
        print(t("cli.anchored_to", lang, folder=Path(args.anchor).resolve()))
    _print_status(workspace)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from decomkit.context.workspace import Workspace

    _print_status(Workspace.open(args.dir))
    return 0


def _public_keys(paths: list[str] | None) -> tuple:
    from decomkit.proof.keys import read_public_key_file

    return tuple(read_public_key_file(p) for p in paths or ())


UNPINNED = 3  # verified, but only against the workspace's own claims (docs/security.md)


def _trust(path: str | None):
    from decomkit.proof.trust import load_profile

    return load_profile(path) if path else None


def _unpinned(what: str, lang: Language) -> int:
    """Say (in the reader's language) why this is not a verification; exit code 3."""
    from decomkit.core.i18n import t

    print("  " + t("verify.unpinned", lang, what=t(what, lang), code=UNPINNED))
    return UNPINNED


def cmd_ledger_verify(args: argparse.Namespace) -> int:
    from decomkit.context.workspace import Workspace
    from decomkit.core.i18n import t
    from decomkit.proof.checkpoints import verify_ledger

    workspace = Workspace.open(args.dir)
    lang: Language = "en" if workspace.config.language == "en" else "zh"
    report = verify_ledger(workspace, public_keys=_public_keys(args.public_key),
                           checkpoint_texts=tuple(args.checkpoint or ()),
                           trust=_trust(args.trust))
    print(t("cli.ledger_verified", lang, rows=report.rows, head=report.head,
            checkpoints=report.checkpoints))
    if report.latest != "-":
        print("  " + t("cli.latest_checkpoint", lang, line=report.latest))
    for anchor, count in report.anchored.items():
        print("  " + t("cli.anchor_holds", lang, anchor=anchor, n=count))
    for anchor, count in report.unanchored.items():
        print("  " + t("cli.anchor_behind", lang, anchor=anchor, n=count))
    for note in report.notes:  # each said in every language: t() fills the reader's form
        print("  " + t("cli.note", lang, note=note))
    if not report.anchored:
        print("  " + t("verify.no_anchor", lang))
    if not report.pinned:
        return _unpinned("verify.what_ledger", lang)
    if not (report.anchored or args.checkpoint):  # pinned keys, but nothing outside was read
        print("  " + t("verify.no_outside", lang, code=UNPINNED))
        return UNPINNED
    return 0


def cmd_ledger_anchor(args: argparse.Namespace) -> int:
    from decomkit.context.workspace import Workspace
    from decomkit.core.i18n import t
    from decomkit.proof.checkpoints import anchor_now

    workspace = Workspace.open(args.dir)
    lang = _language(args, workspace)
    left = anchor_now(workspace, adopt=args.adopt_unsigned or "")
    for anchor, rows in left.items():
        print(t("cli.anchor_left", lang, anchor=anchor, n=len(rows)))
    print(t("cli.anchor_all" if not left else "cli.anchor_again", lang))
    return 1 if left else 0


def cmd_keys(args: argparse.Namespace) -> int:
    from decomkit.context.workspace import Workspace
    from decomkit.core.i18n import t
    from decomkit.proof.keys import init_keys, load_keyring, private_key_location, rotate_keys

    workspace = Workspace.open(args.dir)
    lang = _language(args, workspace)
    if args.keys_command == "profile":
        from decomkit.proof.trust import write_profile

        path = write_profile(workspace.root, workspace.config)
        print(path.read_text(encoding="utf-8"), end="")  # the file itself, as signed
        print(t("cli.profile_written", lang, path=path))
        return 0
    if args.keys_command == "show":
        ring = load_keyring(workspace.root)
        print(t("cli.workspace_id", lang, id=ring.workspace_id))
        for k in ring.keys.values():
            state = t("cli.key_current", lang) if k.key_id == ring.current else t(
                "cli.key_retired", lang, when=k.retired)
            print("  " + t("cli.key_line", lang, key_id=k.key_id, fingerprint=k.fingerprint,
                           created=k.created, state=state))
        print(t("cli.key_looked", lang, path=private_key_location(ring.current)))
        return 0
    info = init_keys(workspace.root) if args.keys_command == "init" else rotate_keys(
        workspace.root, lost=args.lost)
    with workspace.ledger() as ledger:
        ledger.checkpoint()  # the chain so far, signed with the new key
    from decomkit.proof.trust import write_profile

    profile = write_profile(workspace.root, workspace.config)
    print(t("cli.key_new", lang, key_id=info.key_id, fingerprint=info.fingerprint))
    print("  " + t("cli.key_new_profile", lang, path=profile))
    print("  " + t("cli.key_private", lang, path=info.private_key))
    print("  " + t("cli.key_public", lang, path=info.public_key))
    for note in info.notes:  # each said in every language: t() fills the reader's form
        print("  " + t("cli.note", lang, note=note))
    return 0


def _print_batch(summary, lang: Language) -> None:
    from rich.console import Console
    from rich.table import Table

    from decomkit.core.i18n import TEXT, t
    from decomkit.core.said import in_language

    def stage(name: str) -> str:
        return t(f"cli.stage.{name}", lang) if f"cli.stage.{name}" in TEXT else name

    comma = ", " if lang == "en" else "、"
    table = Table(title=t("cli.batch_title", lang))
    for column in ("app", "stage", "result", "seconds", "detail"):
        table.add_column(t(f"cli.batch.{column}", lang), overflow="fold")
    rows = [(t("cli.batch.portfolio", lang), summary.portfolio)] if summary.portfolio else []
    rows += [(a.app_id, s) for a in summary.apps for s in a.stages]
    for app, s in rows:
        table.add_row(*_cells(app, stage(s.stage), t(f"cli.batch.{s.status}", lang),
                              f"{s.seconds:.1f}" if s.seconds else "",
                              in_language(getattr(s, "shown", "") or s.detail, lang)
                              + (t("cli.batch.attempt", lang, n=s.attempts)
                                 if s.attempts > 1 else "")))
    for a in summary.apps:
        if a.error:
            table.add_row(*_cells(a.app_id, "", t("cli.batch.failed", lang), "",
                                  in_language(a.error, lang)))
    console = Console(width=160)
    console.print(table)
    console.print(_cells(t("cli.batch.summary", lang, apps=len(summary.apps),
                           failed=len(summary.failed), names=t(
                               "cli.batch.names", lang, names=comma.join(
                                   t("cli.batch.portfolio", lang) if a == "(portfolio)" else a
                                   for a in summary.failed))
                           if summary.failed else "")
                         + (t("cli.batch.waiting_apps", lang, n=len(summary.waiting),
                              apps=comma.join(summary.waiting)) if summary.waiting else ""))[0])
    # On a line of its own, never wrapped or styled, for scripts: this batch's own summary.
    print(f"summary: {summary.path}", flush=True)


def cmd_batch(args: argparse.Namespace) -> int:
    from decomkit.context.workspace import Workspace
    from decomkit.running.batch import run_batch

    workspace = Workspace.open(args.dir)
    summary = run_batch(workspace, args.stages.split(","), args.apps,
                        dict(args.parameter or []), workers=args.workers,
                        timeout=args.timeout or None, force=args.force,
                        executor=args.executor, scheduler=args.scheduler, quiet=args.quiet)
    _print_batch(summary, _language(args, workspace))
    return 1 if summary.failed else 0


def cmd_tick(args: argparse.Namespace) -> int:
    import datetime as dt

    from decomkit.context.workspace import Workspace
    from decomkit.core.errors import WorkspaceError
    from decomkit.core.said import said
    from decomkit.running.tick import run_tick

    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        why = said("cli.as_of")
        raise WorkspaceError(str(why)).saying(why) from None
    workspace = Workspace.open(args.dir)
    report = run_tick(workspace, as_of, dry_run=args.dry_run, language=args.language)
    print(report.text(workspace.config.timezone), flush=True)
    return 1 if report.failed else 0


def cmd_approve(args: argparse.Namespace) -> int:
    from decomkit.core.i18n import t
    from decomkit.core.present import term
    from decomkit.lifecycle.approval import record_outside_decision

    tracking = record_outside_decision(args.dir, args.app, args.user, args.decision,
                                       args.comment, args.evidence)
    lang = _language(args)
    status = tracking.status
    print(t("cli.approved", lang, app=args.app, instance=status.instance_id,
            status=term("status", status.status, lang),
            result=t("cli.approval_result", lang, result=term(status.result, lang))
            if status.result else "", state=term("state", tracking.state, lang)))
    return 0


def cmd_approval_answer(args: argparse.Namespace) -> int:
    from decomkit.context.stage import open_stage
    from decomkit.core.i18n import t
    from decomkit.lifecycle.questions import answer_approvers

    with open_stage(args.dir, tables=["users"]) as stage:
        event = answer_approvers(stage, args.app, args.text, args.attach)
        print(t("answer.done", stage.language, app=args.app,
                instance_id=event.data["instance_id"]))
    return 0


def cmd_confirm(args: argparse.Namespace) -> int:
    from decomkit.context.workspace import Workspace
    from decomkit.lifecycle.console import confirm_step, confirmed_line

    workspace = Workspace.open(args.dir)
    step = confirm_step(workspace, args.key, args.user, args.evidence)
    print(confirmed_line(args.key, step, "en" if workspace.config.language == "en" else "zh"))
    return 0


def cmd_vendor(args: argparse.Namespace) -> int:
    from decomkit.context.workspace import Workspace
    from decomkit.core.i18n import t
    from decomkit.inventory.usage import parse_as_of
    from decomkit.lifecycle.vendor import record_vendor_notified, write_termination_notice

    workspace = Workspace.open(args.dir)
    lang = _language(args, workspace)
    if args.vendor_command == "notice":
        notice = write_termination_notice(
            workspace, args.app, actor=args.user or workspace.config.operator,
            notice_date=args.date or parse_as_of("", workspace.config.timezone),
            language=args.language or workspace.config.language, option=args.option)
        print(t("cli.vendor_notice", lang, app=args.app, contract=notice.contract_id,
                customer=notice.customer, vendor=notice.vendor, date=notice.notice_date,
                ends=notice.effective_date, path=notice.path, dir=args.dir))
        return 0
    event = record_vendor_notified(
        workspace, args.app, who=args.user, evidence=args.evidence, notice=args.notice,
        notified_on=args.on or parse_as_of("", workspace.config.timezone))
    told = event.data
    print(t("cli.vendor_told", lang, app=args.app, contract=told["contract_id"],
            on=told["notified_on"], ends=told["effective_date"], who=told["who"],
            evidence=told["evidence"], sha=told["evidence_sha256"], seq=event.seq))
    return 0


def cmd_settle(args: argparse.Namespace) -> int:
    from decomkit.context.workspace import Workspace
    from decomkit.core.i18n import t
    from decomkit.core.present import operation, term
    from decomkit.platforms.dingtalk_sends import settle_sends

    workspace = Workspace.open(args.dir)
    lang = _language(args, workspace)
    finding = t("cli.settle.happened" if args.happened else "cli.settle.not_happened", lang)
    if not args.apply:  # a dry run: say what would be recorded, record nothing
        with workspace.ledger() as ledger:  # refused as --apply would be
            action = ledger.settleable(args.key, args.happened, args.result)
        print(t("cli.settle_dry", lang, action_key=args.key, operation=operation(
            action.operation, lang), finding=finding, user=args.user))
        return 0
    with workspace.ledger() as ledger:
        action = ledger.settle(args.key, args.happened, args.user, args.result)
    settle_sends(workspace.root / "platform", args.key, args.happened, args.user, args.result)
    print(t("cli.settled", lang, action_key=args.key, operation=operation(action.operation, lang),
            status=term("status", action.status, lang)))
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    from decomkit.context.workspace import Workspace
    from decomkit.core.i18n import t
    from decomkit.records.dossier import check_records, render_records

    if args.target == "verify":
        if len(args.apps) != 1:
            raise SystemExit("usage: decomkit record verify PATH [--trust FILE] "
                             "[--public-key FILE] [--workspace DIR]")
        workspace = Workspace.open(args.workspace) if args.workspace else None
        # The workspace's language; English for a copied records folder read on its own.
        lang: Language = _language(args, workspace) if workspace is not None else "en"
        result = check_records(args.apps[0], _public_keys(args.public_key), workspace,
                               trust=_trust(args.trust))
        print(t("cli.records_verified", lang, files=result.files, key_id=result.key_id,
                fingerprint=result.fingerprint))
        if result.checkpoint:
            print("  " + t("cli.records_checkpoint", lang, seq=result.checkpoint["seq"],
                           head=result.checkpoint["head"]))
        if args.workspace:
            print("  " + t("cli.records_in_ledger", lang))
        if result.trust in ("embedded", "workspace"):
            return _unpinned("verify.what_records", lang)
        return 0
    as_of = args.as_of.isoformat() if args.as_of else ""
    workspace = Workspace.open(args.target)
    lang = _language(args, workspace)
    index = render_records(workspace, args.apps or None, as_of, pdf=args.pdf)
    print(t("cli.records", lang, path=index))
    print(t("cli.calendar", lang, path=index.parent / "deadlines.ics"))
    if args.pdf:
        print(t("cli.pdfs", lang, folder=index.parent))
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    from decomkit.context.workspace import Workspace
    from decomkit.core.i18n import t
    from decomkit.running.dashboard import serve_dashboard

    workspace = Workspace.open(args.dir)  # a wrong folder is said before any address
    print(t("cli.dashboard", _language(args, workspace), port=args.port), flush=True)
    return serve_dashboard(workspace, args.port, not args.no_browser, args.language or "")


def cmd_dingtalk_create_template(args: argparse.Namespace) -> int:
    from decomkit.context.workspace import Workspace
    from decomkit.core.i18n import t
    from decomkit.platforms.dingtalk import create_template
    from decomkit.platforms.dingtalk_form import TEMPLATE_NAME

    workspace = Workspace.open(args.dir)
    code = create_template(workspace)
    print(t("cli.template", _language(args, workspace), name=TEMPLATE_NAME, code=code,
            path=workspace.root / "decomkit.toml"))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from decomkit.context.workspace import Workspace

    workspace = Workspace.open(args.dir)
    if args.source == "file":
        from decomkit.inventory.importers import import_file

        result = import_file(workspace, args.table, args.map, args.file, dry_run=args.dry_run)
    else:
        from decomkit.platforms.dingtalk_import import import_dingtalk

        result = import_dingtalk(workspace, args.tables.split(","), dry_run=args.dry_run,
                                 quiet=args.quiet, qps=args.qps)
    from decomkit.core.i18n import t

    lang = _language(args, workspace)
    print("\n".join(result.lines(lang)))
    if result.written:
        print(t("cli.written", lang, files=", ".join(str(p) for p in result.written)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="decomkit", description="Retire enterprise apps safely, with a verifiable trail.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create an empty workspace")
    p.add_argument("dir")
    p.add_argument("--platform", choices=registry.names(registry.PLATFORMS), default="sandbox",
                   help="where actions go (the registered platforms; default: sandbox)")
    p.add_argument("--language", choices=("en", "zh"), default="zh")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="create the demo organisation's workspace")
    p.add_argument("dir")
    p.add_argument("--apps", type=int, default=None, help="number of apps (default: all 32)")
    p.add_argument("--events", type=int, default=200_000, help="usage events (default 200000)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                   help="the demo's 'today' (YYYY-MM-DD; default: today)")
    p.add_argument("--language", choices=("en", "zh"), default="zh")
    p.add_argument("--replace", action="store_true",
                   help="delete the demo workspace at DIR first (only a folder 'decomkit "
                        "demo' made; never other files)")
    p.add_argument("--anchor", default=None, metavar="FOLDER",
                   help="anchor the ledger's checkpoints to this local folder (a sandbox "
                        "anchor: weak, see docs/security.md)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("status", help="apps by lifecycle stage")
    p.add_argument("dir")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("batch", help="run stage notebooks per app into runs/<app>/, apps in "
                                     "parallel, resumable")
    p.add_argument("dir")
    p.add_argument("--stages", default="portfolio,assess,backup",
                   help="comma-separated, run in this order per app: portfolio (once, first), "
                        "assess, backup, approval, disable (a dry run unless an --apps file "
                        "says dry_run false and confirm ID for that app), review; default: "
                        "portfolio,assess,backup. A stage whose gate is closed is skipped, "
                        "with the reason")
    p.add_argument("--apps", default="candidates",
                   help="all, candidates (from the portfolio stage), ids separated by commas, "
                        "or a CSV/XLSX file with an app_id column and parameter columns")
    p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   help="a notebook parameter for every app, as for papermill -p")
    p.add_argument("--workers", type=_at_least_one, default=2,
                   help="apps run at once (default 2)")
    p.add_argument("--timeout", type=_non_negative, default=1800,
                   help="seconds one notebook may run before it is stopped (default 1800; 0: "
                        "no limit)")
    p.add_argument("--force", action="store_true",
                   help="run stages again that finished in an earlier batch")
    p.add_argument("--executor", choices=("local", "dask"), default="local")
    p.add_argument("--scheduler", default="", help="dask scheduler address (tcp://HOST:PORT)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("tick", help="do what is due today for every app (advance notices, "
                       "reminders, backup re-verification, contract deadlines, the watch, "
                       "review prompts, the weekly portfolio page); for cron, systemd, schtasks")
    p.add_argument("dir")
    p.add_argument("--as-of", default="", help="the day to act for, YYYY-MM-DD (default: "
                   "today in the workspace's time zone)")
    p.add_argument("--dry-run", action="store_true", help="say what is due and whether its "
                   "gate holds; do nothing, write nothing")
    p.add_argument("--language", default="", choices=["", "en", "zh"],
                   help="language of the table and the messages (default: the workspace's)")
    p.set_defaults(func=cmd_tick)

    p = sub.add_parser("approve", help="an approver agrees or refuses (sandbox), or an "
                                       "approval given outside the kit is recorded (manual)")
    p.add_argument("dir")
    p.add_argument("app")
    p.add_argument("--as", dest="user", required=True, help="the approver's user id")
    p.add_argument("--decision", choices=("agree", "refuse"), required=True)
    p.add_argument("--comment", default="")
    p.add_argument("--evidence", default=None,
                   help="manual platform: a file proving the approval (its SHA-256 is kept)")
    p.set_defaults(func=cmd_approve)

    p = sub.add_parser("approval", help="the approval request: answer its approvers")
    approval_sub = p.add_subparsers(dest="approval_command", required=True)
    a = approval_sub.add_parser("answer", help="add the answer to approvers' questions (and a "
                                "file) to the pending request, on the platform and in the "
                                "ledger")
    a.add_argument("dir", help="the workspace")
    a.add_argument("app")
    a.add_argument("--text", required=True, help="the answer")
    a.add_argument("--attach", default=None, help="a file to attach (its SHA-256 is kept)")
    a.set_defaults(func=cmd_approval_answer)

    p = sub.add_parser("confirm", help="record that a person did a console step (manual "
                                       "platform, or DingTalk steps without an API)")
    p.add_argument("dir")
    p.add_argument("key", help="the step's key, as the stage printed it")
    p.add_argument("--as", dest="user", required=True, help="who did it")
    p.add_argument("--evidence", required=True, help="a screenshot or export proving it")
    p.set_defaults(func=cmd_confirm)

    p = sub.add_parser("vendor", help="leaving a licence's vendor: write the termination "
                                      "notice, record that the vendor was told")
    vendor_sub = p.add_subparsers(dest="vendor_command", required=True)
    v = vendor_sub.add_parser("notice", help="write the termination notice to the vendor "
                                             "(vendor/<app>/ in the workspace)")
    v.add_argument("dir")
    v.add_argument("app")
    v.add_argument("--date", type=dt.date.fromisoformat, default=None,
                   help="the notice's date (YYYY-MM-DD; default: today)")
    v.add_argument("--language", choices=("en", "zh"), default=None,
                   help="default: the workspace's language")
    v.add_argument("--option", default="",
                   choices=("", "at_renewal", "next_renewal", "any_time", "early_termination"),
                   help="how the contract ends (default: the first way out without a fee)")
    v.add_argument("--as", dest="user", default="", help="who writes it (default: the "
                                                        "workspace's operator)")
    v.set_defaults(func=cmd_vendor)
    v = vendor_sub.add_parser("notified", help="record that the vendor was sent the notice, "
                                               "with evidence (the ledger keeps it)")
    v.add_argument("dir")
    v.add_argument("app")
    v.add_argument("--as", dest="user", required=True, help="who told the vendor")
    v.add_argument("--evidence", required=True,
                   help="the sent mail or the vendor's receipt (its SHA-256 is kept)")
    v.add_argument("--notice", default=None,
                   help="the notice sent (default: the latest the kit wrote for the contract)")
    v.add_argument("--on", type=dt.date.fromisoformat, default=None,
                   help="the day it was sent (YYYY-MM-DD; default: today)")
    v.set_defaults(func=cmd_vendor)

    p = sub.add_parser("settle", help="record whether a platform action that a crashed run "
                                      "left unfinished took effect (the kit never repeats it "
                                      "blindly)")
    p.add_argument("dir")
    p.add_argument("key", help="the action's key, as the stage printed it")
    outcome = p.add_mutually_exclusive_group(required=True)
    outcome.add_argument("--happened", dest="happened", action="store_true",
                         help="it took effect (the next run skips it)")
    outcome.add_argument("--did-not-happen", dest="happened", action="store_false",
                         help="it did not (the next run performs it)")
    p.add_argument("--as", dest="user", required=True, help="who checked")
    p.add_argument("--result", default=None, help="what the platform returned, if anything "
                                                  "(e.g. the approval instance id)")
    p.add_argument("--apply", action="store_true",
                   help="record the finding (without it: a dry run that records nothing)")
    p.set_defaults(func=cmd_settle)

    p = sub.add_parser("record", help="render decommission records (decomkit record DIR "
                                      "[APP ...]) or check them (decomkit record verify PATH)")
    p.add_argument("target", help="the workspace, or 'verify'")
    p.add_argument("apps", nargs="*", help="apps to render (default: every app with runs or a "
                                           "decision), or the records folder to verify")
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                   help="date of the savings and deadlines on the portfolio page "
                        "(default: today)")
    p.add_argument("--pdf", action="store_true",
                   help="also print each dossier to records/<app>/<app>.pdf (needs Chromium)")
    p.add_argument("--public-key", action="append", metavar="FILE",
                   help="verify: the public key (PEM) the records must be signed with")
    p.add_argument("--trust", metavar="FILE",
                   help="verify: the trust profile you were given (keys/trust-profile.json); "
                        "without it or --public-key the exit code is 3 (unpinned)")
    p.add_argument("--workspace", metavar="DIR",
                   help="verify: also check the records' checkpoint against this workspace's "
                        "ledger and anchors")
    p.set_defaults(func=cmd_record)

    p = sub.add_parser("dashboard", help="serve the portfolio as a read-only Voila dashboard")
    p.add_argument("dir")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--language", choices=("en", "zh"), default=None)
    p.set_defaults(func=cmd_dashboard)

    p = sub.add_parser("dingtalk", help="DingTalk set-up commands")
    dingtalk_sub = p.add_subparsers(dest="dingtalk_command", required=True)
    t = dingtalk_sub.add_parser("create-template", help="create (or update) the 软件停用申请 "
                                "approval template with the kit's form fields; writes its "
                                "processCode to decomkit.toml")
    t.add_argument("dir", help="the workspace")
    t.set_defaults(func=cmd_dingtalk_create_template)

    from decomkit.inventory.schemas import TABLES_BY_NAME

    p = sub.add_parser("import", help="fill the inventory: from DingTalk, or from an export "
                                      "through a column map (merges; never clobbers)")
    import_sub = p.add_subparsers(dest="source", required=True)
    i = import_sub.add_parser("dingtalk", help="apps, visible scopes, app admins, users and "
                                               "departments from DingTalk's Open API")
    i.add_argument("dir")
    i.add_argument("--tables", default="apps,users,scopes,admins",
                   help="any of apps, users, scopes, admins (default: all)")
    i.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    i.add_argument("--quiet", action="store_true", help="no progress bars")
    i.add_argument("--qps", type=float, default=15.0,
                   help="calls a second at most (default 15, under DingTalk's 20 per API; "
                        "0: no pacing, for a local test server)")
    i.set_defaults(func=cmd_import)
    i = import_sub.add_parser("file", help="a CSV/XLSX export through a column map "
                                           "(templates/import/NAME.yaml or maps/NAME.yaml)")
    i.add_argument("dir")
    i.add_argument("file", help="the exported CSV (UTF-8 or GBK) or XLSX file")
    i.add_argument("--table", required=True, choices=list(TABLES_BY_NAME), metavar="TABLE",
                   help="the table to fill: " + ", ".join(TABLES_BY_NAME))
    i.add_argument("--map", required=True, help="the column map's name or a .yaml path")
    i.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    i.set_defaults(func=cmd_import)

    p = sub.add_parser("ledger", help="ledger commands")
    ledger_sub = p.add_subparsers(dest="ledger_command", required=True)
    v = ledger_sub.add_parser("verify", help="check the hash chain, every signed checkpoint, "
                                             "and every checkpoint held by the anchors")
    v.add_argument("dir")
    v.add_argument("--public-key", action="append", metavar="FILE",
                   help="trust only this public key (PEM; repeat for rotated keys)")
    v.add_argument("--checkpoint", action="append", metavar="LINE",
                   help="a 'decomkit-checkpoint/1 …' line from an email, robot message or "
                        "approval form, checked like an anchored one")
    v.add_argument("--trust", metavar="FILE",
                   help="the trust profile you were given (keys/trust-profile.json): its keys, "
                        "workspace id and anchors are trusted instead of the workspace's; "
                        "without it the exit code is 3 (checked against its own claims), "
                        "and so it is when no anchor the kit reads back nor --checkpoint line "
                        "was checked")
    v.set_defaults(func=cmd_ledger_verify)
    a = ledger_sub.add_parser("anchor", help="publish checkpoints the anchors do not hold yet")
    a.add_argument("dir")
    a.add_argument("--adopt-unsigned", metavar="NAME",
                   help="rows added after the last signed checkpoint (without the key) are "
                        "refused; after reading them, adopt them under your name")
    a.set_defaults(func=cmd_ledger_anchor)

    p = sub.add_parser("keys", help="signing keys: init (a key pair, private key outside the "
                                    "workspace), rotate, show")
    keys_sub = p.add_subparsers(dest="keys_command", required=True)
    for name, text in (("init", "create the workspace's key pair (or move an old one's shared "
                                "key out)"),
                       ("rotate", "a new key; old public keys still verify what they signed"),
                       ("show", "key ids, fingerprints, where the private key is looked for"),
                       ("profile", "write and print keys/trust-profile.json, what auditors keep "
                                   "(--trust FILE)")):
        k = keys_sub.add_parser(name, help=text)
        k.add_argument("dir")
        if name == "rotate":
            k.add_argument("--lost", action="store_true",
                           help="the old private key is lost: rotate without its endorsement")
        k.set_defaults(func=cmd_keys)
    return parser


def _reader_language(args, opened: str) -> str:
    """Who reads this command's message: the ``--language`` it was given, else the
    workspace's language when it names one (even in settings that do not load otherwise; a
    command that opened no stage did not set the audience), else the audience's."""
    from decomkit.core.config import CONFIG_NAME

    flag = getattr(args, "language", None)
    root = (getattr(args, "dir", None) or getattr(args, "workspace", None)
            or (getattr(args, "target", None) if getattr(args, "target", "") != "verify"
                else None))
    if flag in ("en", "zh") or (root and (Path(root) / CONFIG_NAME).is_file()):
        return _language(args)
    if getattr(args, "func", None) is cmd_record and args.target == "verify":
        return "en"  # a copied records folder read on its own: as its lines (cmd_record)
    return opened


def _warnings_said(args: argparse.Namespace):
    """A warning the kit said in each language is shown as its reader reads it, on a line of
    its own (not as Python's "file:line: Category: …"); any other warning as Python shows it."""
    import warnings

    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        text = message.args[0] if isinstance(message, Warning) and message.args else message
        if not hasattr(text, "in_language"):
            return shown(message, category, filename, lineno, file, line)
        from decomkit.core.present import audience
        from decomkit.core.sinks import scrub

        said = text.in_language(_reader_language(args, audience().language))
        print(f"decomkit: {scrub(said)}", file=file or sys.stderr)

    return show


def main(argv: Sequence[str] | None = None) -> int:
    import warnings

    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _warnings_said(args)
            return args.func(args)
    except DecomkitError as exc:
        from decomkit.core.present import audience
        from decomkit.core.sinks import scrub

        said = exc.in_language(_reader_language(args, audience().language))
        print(f"decomkit: {scrub(said)}", file=sys.stderr)
        return 1
    except Exception:  # a defect: show where, as any traceback, but with secrets masked
        import traceback

        from decomkit.core.sinks import scrub

        print(scrub(traceback.format_exc()), file=sys.stderr, end="")
        return 2


if __name__ == "__main__":
    sys.exit(main())
