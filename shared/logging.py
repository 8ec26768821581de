"""JSON logging for every service, with personal data redacted before anything is written."""

from __future__ import annotations

import logging.config
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from shared.redaction import redact_fields, redact_text


class RedactingJsonFormatter(JsonFormatter):
    """One JSON object per line; emails, phones, account numbers and sensitive fields masked."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return redact_fields(super().process_log_record(log_data))

    def format(self, record: logging.LogRecord) -> str:
        # Exceptions and pre-formatted messages are free text: mask them as a whole too.
        return redact_text(super().format(record))


def logging_config(service: str, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` document: redacted JSON lines on stdout.

    :param service: added to every line as ``service``.
    :param level: the root log level.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": RedactingJsonFormatter,
                "fmt": "{asctime}{levelname}{name}{message}",
                "style": "{",
                "rename_fields": {"levelname": "level", "asctime": "time", "name": "logger"},
                "static_fields": {"service": service},
            }
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"level": level, "handlers": ["stdout"]},
        # Kafka clients narrate every rebalance step at INFO.
        "loggers": {"aiokafka": {"level": "WARNING"}},
    }


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every log record to stdout as redacted JSON.

    :param service: added to every line as ``service``.
    :param level: the root log level.
    """
    logging.config.dictConfig(logging_config(service, level))
