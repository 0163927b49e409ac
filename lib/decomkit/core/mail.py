"""Email over SMTP: the kit's one way to write to people by mail (notices, anchors)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from decomkit.core.config import Config, secret
from decomkit.core.said import platform_error
from decomkit.core.text import body_text, header_text


def send_email(config: Config, to: list[str], title: str, text: str, key: str) -> str:
    """Send over SMTP (``notify.smtp_*``; credentials from the environment)."""
    if not to:
        raise platform_error("email", "core.mail.nobody")
    message = EmailMessage()
    message["From"] = header_text(config.notify.email_from)
    message["To"] = header_text(", ".join(to))
    message["Subject"] = header_text(title)
    message["Message-ID"] = make_msgid(idstring=key.replace(":", "."), domain="decomkit")
    message.set_content(body_text(text), charset="utf-8")
    try:
        with smtplib.SMTP(config.notify.smtp_host, config.notify.smtp_port, timeout=30) as smtp:
            if (user := secret("smtp_user")) and (password := secret("smtp_password")):
                smtp.starttls()
                smtp.login(user, password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise platform_error("email", "core.mail.failed", retryable=True,
                             kind=type(exc).__name__, detail=str(exc)) from None
    return message["Message-ID"]
