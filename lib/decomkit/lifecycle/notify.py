"""Telling people: DingTalk work notifications, the DingTalk group robot, and email.

Texts come from ``templates/notify/<kind>.<language>.txt.j2``; the first line is the title.
Every send runs under an idempotency key in the ledger, so a rerun never sends twice; a failed
send is recorded and can be retried.
"""

from __future__ import annotations

from decomkit.core.config import Config
from decomkit.core.mail import send_email
from decomkit.core.resources import render_template
from decomkit.platforms import Notification, Platform
from decomkit.platforms.base import Channel


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
