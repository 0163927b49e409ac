"""Console steps in a stage notebook: a step card as normal output, never a traceback.

``with console:`` around a block that may meet a console step (the manual platform, DingTalk
without an API): the block stops there, the card says what to click, what evidence to attach
and the exact ``decomkit confirm`` command, and the cell ends cleanly; ``console.waiting`` tells
the cells after it not to go on. The stage continues when run again after the confirmation.
"""

from __future__ import annotations

import html
from pathlib import Path

from decomkit.context.stage import Stage
from decomkit.core.errors import ManualStepRequired
from decomkit.core.i18n import t
from decomkit.lifecycle.console import StepCard, confirm_step, confirmed_line, now_waiting
from decomkit.records.display import show_markdown


def show_card(card: StepCard) -> None:
    """One step card: the step, what to click, the evidence, the command (escaped)."""
    lang = card.language
    intro = card.lines()[0]
    steps = "\n".join(f"{i}. {html.escape(s)}" for i, s in enumerate(card.todo, 1))
    show_markdown(
        f"### {html.escape(t('console.title', lang, what=card.what))}\n\n"
        f"{html.escape(intro)}\n\n"
        f"**{html.escape(t('console.do', lang))}**\n\n{steps}\n\n"
        f"**{html.escape(t('console.evidence', lang))}**: {html.escape(card.evidence)}. "
        f"{html.escape(t('console.distinct', lang))}\n\n"
        f"**{html.escape(t('console.command', lang))}**:\n\n```\n{card.command}\n```\n\n"
        f"{html.escape(t('console.notebook', lang, step=card.key))}")


class ConsoleSteps:
    """A stage's console steps in its notebook (see the module)."""

    def __init__(self, stage: Stage, app_id: str):
        self.stage, self.app_id = stage, app_id
        self.cards: list[StepCard] = []

    @property
    def waiting(self) -> bool:
        """Whether this run stopped at a console step (the cells after it do not go on)."""
        return bool(self.cards)

    def __enter__(self) -> ConsoleSteps:
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        if not isinstance(exc, ManualStepRequired):
            return False
        cards = now_waiting(self.stage, exc)
        if not cards:  # a step nobody can confirm (no record kept): the error stands
            return False
        self.cards = cards
        for card in cards:
            show_card(card)
        return True

    def confirm(self, key: str, who: str, evidence: str | Path) -> None:
        """Record a console step a person did (``step_done``), and say what was recorded."""
        step = confirm_step(self.stage.workspace, key, who, evidence)
        show_markdown(html.escape(confirmed_line(key, step, self.stage.language)))


def console_steps(stage: Stage, app_id: str) -> ConsoleSteps:
    return ConsoleSteps(stage, app_id)
