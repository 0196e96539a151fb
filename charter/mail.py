"""Outgoing e-mail: through SMTP when MAIL_SERVER is set, to the log otherwise."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage

from flask import current_app


class DeliveryError(Exception):
    """The SMTP server could not be reached or refused the message."""


def send(to: str, subject: str, body: str, headers: Mapping[str, str] | None = None) -> None:
    """Send a plain-text message, with extra headers if given (e.g. List-Unsubscribe), or
    log it when no SMTP server is configured."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if not config.get("MAIL_SERVER"):
        current_app.logger.info("E-mail (no MAIL_SERVER set) to %s: %s\n%s", to, subject, body)
        return
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(str(error)) from error
