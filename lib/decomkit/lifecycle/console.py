"""Console steps as people meet them: a step to do, not an error.

On the manual platform (and for DingTalk's steps without an API) a changing call records a
pending step and raises ``ManualStepRequired``. A stage turns that into a **step card** — what
to click in the console, in the reader's language, the evidence to attach, the exact
``decomkit confirm`` command — and ends cleanly, *waiting for a console step*: the ledger notes
it, ``decomkit status`` and ``decomkit batch`` show it, and the stage continues when run again
after the confirmation. A step belongs to the app its key starts with (``<app_id>:…``).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from decomkit.context.stage import Stage
from decomkit.context.workspace import Workspace
from decomkit.core.errors import ManualStepRequired
from decomkit.core.i18n import TEXT, Language, t
from decomkit.platforms.manual import ManualPlatform, instructions

WAITING = "waiting_console"  # the state a waiting app is shown in (state.waiting_console)


@dataclass(frozen=True)
class StepCard:
    """One console step waiting for a person, as the reader of ``language`` reads it."""

    key: str
    app_id: str
    operation: str
    what: str  # the step, in a few words
    todo: tuple[str, ...]  # what to click, in order
    evidence: str  # what the evidence file must show
    command: str  # the exact command that records it
    language: Language

    def lines(self) -> list[str]:
        lang = self.language
        return [t("console.intro", lang, app=self.app_id),
                *(f"{i}. {step}" for i, step in enumerate(self.todo, 1)),
                f"{t('console.evidence', lang)}: {self.evidence}. {t('console.distinct', lang)}",
                f"{t('console.command', lang)}: {self.command}",
                t("console.notebook", lang, step=self.key)]


def _platform(workspace: Workspace) -> ManualPlatform:
    return ManualPlatform(workspace.root / "platform", language=workspace.config.language)


def step_app(key: str) -> str:
    """The app a step belongs to: its key's first part."""
    return key.split(":", 1)[0]


def what(operation: str, language: Language) -> str:
    name = f"console.op.{operation}"
    return t(name, language) if name in TEXT else operation


def card(workspace: Workspace, key: str, step: dict, language: Language) -> StepCard:
    """The step card of the recorded ``step``, in ``language``."""
    operation = step["operation"]
    name, details = step.get("name"), step.get("details")
    todo = (instructions(operation, language, name, details or "")
            if name is not None else step.get("instructions", []))
    proof = f"console.proof.{operation}"
    evidence = (t(proof, language, status=details or "") if proof in TEXT
                else t("console.proof.notify", language))
    command = " ".join(["decomkit", "confirm", shlex.quote(str(workspace.root)),
                        shlex.quote(key), "--as", t("console.name", language),
                        "--evidence", t("console.file", language)])
    return StepCard(key, step_app(key), operation, what(operation, language), tuple(todo),
                    evidence, command, language)


def waiting_steps(workspace: Workspace, app_id: str | None = None,
                  language: Language | None = None) -> list[StepCard]:
    """The console steps waiting for a person (those of ``app_id`` when given)."""
    lang: Language = language or ("en" if workspace.config.language == "en" else "zh")
    return [card(workspace, key, step, lang) for key, step in _platform(workspace).waiting().items()
            if app_id is None or step_app(key) == app_id]


def waiting_apps(workspace: Workspace) -> dict[str, list[str]]:
    """App id → the keys of its console steps waiting for a person."""
    apps: dict[str, list[str]] = {}
    for key in _platform(workspace).waiting():
        apps.setdefault(step_app(key), []).append(key)
    return apps


def now_waiting(stage: Stage, exc: ManualStepRequired) -> list[StepCard]:
    """A stage met a console step: the ledger notes that the app waits for it (once per step),
    and the cards of what waits are returned for the reader."""
    workspace = stage.workspace
    cards = waiting_steps(workspace, language=stage.language)
    mine = [c for c in cards if c.key == exc.key] or cards
    with workspace.ledger() as ledger:
        last: dict[tuple[str, str], str] = {}  # (app, step) → its last console note, one read
        for app_id in dict.fromkeys(c.app_id for c in mine):
            for e in ledger.events(app_id):
                if e.kind == "note" and str(e.data.get("event", "")).startswith("console_step_"):
                    last[app_id, str(e.data.get("key"))] = e.data["event"]
        for c in mine:
            if last.get((c.app_id, c.key)) != "console_step_waiting":
                ledger.note(c.app_id, stage.analyst, {"event": "console_step_waiting",
                                                       "key": c.key, "operation": c.operation})
    return mine


def confirm_step(workspace: Workspace, key: str, who: str, evidence: str | Path) -> dict:
    """Record that ``who`` did the console step ``key``, with an evidence file (refused when
    the same file already proved another step: nothing is recorded); the ledger notes it."""
    step = _platform(workspace).confirm(key, who, evidence)
    with workspace.ledger() as ledger:
        ledger.note(step_app(key), step["who"], {
            "event": "console_step_confirmed", "key": key, "operation": step["operation"],
            "evidence": step["evidence"], "evidence_sha256": step["evidence_sha256"]})
    return step


def confirmed_line(key: str, step: dict, language: Language) -> str:
    """What was recorded, for the reader."""
    return t("console.confirmed", language, what=what(step["operation"], language), step=key,
             who=step["who"], file=step["evidence"], digest=step["evidence_sha256"])
