"""Sending text messages: a pluggable backend chosen by the KUULO_SMS_BACKEND setting.

A production deployment points the setting at a class for its SMS gateway with the
same `send(phone, text)` method; the default prints messages to the log, like Django's
console e-mail backend does in development.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class ConsoleSmsBackend:
    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class MemorySmsBackend:
    """Keeps sent messages in `outbox` (for tests)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def send_sms(phone: str, text: str) -> None:
    backend = import_string(getattr(settings, "KUULO_SMS_BACKEND", "kuulo.feedback.sms.ConsoleSmsBackend"))
    backend().send(phone, text)
