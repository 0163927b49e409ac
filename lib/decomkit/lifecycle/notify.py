"""Telling people: DingTalk work notifications, the DingTalk group robot, and email.

Texts come from ``templates/notify/<kind>.<language>.txt.j2``; the first line is the title.
Every send runs under an idempotency key in the ledger, so a rerun never sends twice; a failed
send is recorded and can be retried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from decomkit.context.stage import Stage
from decomkit.core.config import Config
from decomkit.core.mail import send_email
from decomkit.core.resources import render_template
from decomkit.platforms import Notification, Platform
from decomkit.platforms.base import Channel
from decomkit.proof.gates import Grant
from decomkit.proof.ledger import Ledger


def render(kind: str, language: str, **values) -> tuple[str, str]:
    """(title, text) of a notification."""
    text = render_template(f"notify/{kind}.{language}.txt.j2", **values).strip()
    title, _, body = text.partition("\n")
    return title.strip(), body.strip()


def send(platform: Platform, config: Config, channel: Channel, title: str, text: str,
         user_ids: list[str], emails: list[str], key: str,
         dept_ids: tuple[str, ...] = ()) -> str:
    """One notification on one channel; returns the delivery id."""
    if channel == "email":
        return send_email(config, emails, title, text, key)
    return platform.notify(Notification(channel, title, text, tuple(user_ids), tuple(dept_ids)),
                           key=key)


@dataclass(frozen=True)
class Message:
    """One rendered message and the people it goes to (``render`` gives title and text)."""

    title: str
    text: str
    user_ids: list[str]
    emails: list[str]
    dept_ids: tuple[str, ...] = field(default=())


def send_once(stage: Stage, ledger: Ledger, grant: Grant, app_id: str, channel: Channel,
              key: str, step: str, message: Message, record: dict | None = None) -> bool:
    """``message`` on ``channel`` at most once under the ledger key ``key`` (recorded as
    ``step``), with the gate's live ``grant``; the ledger keeps ``record`` and the delivery id.
    True when it went now, False when the key was done already. A send that did not finish is
    settled by asking the platform (None when it cannot tell: a person confirms), except the
    group robot's, which is tried again under the same key (the sandbox keeps the key;
    DingTalk, without an idempotency field for it, turns an unanswered robot send into a step a
    person confirms). Errors are the caller's: each stage decides whether a failed channel
    stops it."""
    platform, config = stage.platform, stage.workspace.config
    settle: Callable[[], tuple[bool, Any] | None] = (
        (lambda: (False, None)) if channel == "robot"
        else partial(platform.settled, "notify", key))

    def deliver() -> dict:
        return {**(record or {}),
                "delivery": send(platform, config, channel, message.title, message.text,
                                 message.user_ids, message.emails, key, message.dept_ids)}

    _, ran = ledger.run_once(key, app_id, step, stage.analyst, deliver, settle, grant=grant)
    return ran
