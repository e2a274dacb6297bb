"""Logging for `serve`: readable text by default, one JSON object a line with
`LOG_FORMAT=json` (python-json-logger), each line carrying the request, workspace and delivery
it is about (`bot.logcontext`), and every configured secret masked, whatever a library logs.

Nothing here decides what is logged: call sites log ids and counts, never an answer or a
comment; the mask is a second line of defence for credentials only.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from pydantic import SecretStr
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.engine import make_url

from adapters.settings import AppSettings
from bot.logcontext import FIELDS, ContextFilter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "[redacted]"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger", "message": "event"}


class Redact(logging.Filter):
    """Masks the deployment's secrets in the message and the traceback of every record."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self._mask(record.getMessage()), None
        if record.exc_info:
            record.exc_text = self._mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def secret_values(settings: AppSettings) -> list[str]:
    """Every credential the settings hold: each SecretStr field, and each key of a
    CROSSPULSE_SECRET rotation list."""
    values = [make_url(settings.database_url).password or ""]
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            values.extend(value.get_secret_value().split(","))
            values.append(value.get_secret_value())
    return values


def json_formatter() -> JsonFormatter:
    return JsonFormatter(
        ["asctime", "levelname", "name", "message", *FIELDS],
        rename_fields=RENAMED,
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )


def configure_logging(
    settings: AppSettings, *, level: int = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """One handler on the root logger, replacing any: text or JSON as LOG_FORMAT says."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.addFilter(Redact(secret_values(settings)))
    if settings.log_format == "json":
        handler.setFormatter(json_formatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return handler
