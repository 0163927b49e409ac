"""Telling people: DingTalk work notifications, the DingTalk group robot, and email.

Texts come from ``templates/notify/<kind>.<language>.txt.j2``; the first line is the title.
Every send runs under an idempotency key in the ledger, so a rerun never sends twice; a failed
send is recorded and can be retried.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from decomkit.config import Config, secret
from decomkit.errors import PlatformError
from decomkit.platforms import Notification, Platform
from decomkit.resources import render_template


def render(kind: str, language: str, **values) -> tuple[str, str]:
    """(title, text) of a notification."""
    text = render_template(f"notify/{kind}.{language}.txt.j2", **values).strip()
    title, _, body = text.partition("\n")
    return title.strip(), body.strip()


def send_email(config: Config, to: list[str], title: str, text: str, key: str) -> str:
    """Send over SMTP (``notify.smtp_*``; credentials from the environment)."""
    if not to:
        raise PlatformError("email", "nobody to write to: the users table has no email "
                            "addresses for the affected people")
    message = EmailMessage()
    message["From"] = config.notify.email_from
    message["To"] = ", ".join(to)
    message["Subject"] = title
    message["Message-ID"] = make_msgid(idstring=key.replace(":", "."), domain="decomkit")
    message.set_content(text, charset="utf-8")
    try:
        with smtplib.SMTP(config.notify.smtp_host, config.notify.smtp_port, timeout=30) as smtp:
            if (user := secret("smtp_user")) and (password := secret("smtp_password")):
                smtp.starttls()
                smtp.login(user, password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise PlatformError("email", f"{type(exc).__name__}: {exc}", retryable=True) from None
    return message["Message-ID"]


def send(platform: Platform, config: Config, channel: str, title: str, text: str,
         user_ids: list[str], emails: list[str], key: str,
         dept_ids: tuple[str, ...] = ()) -> str:
    """One notification on one channel; returns the delivery id."""
    if channel == "email":
        return send_email(config, emails, title, text, key)
    return platform.notify(Notification(channel, title, text, tuple(user_ids), tuple(dept_ids)),
                           key=key)
