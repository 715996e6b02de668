"""Structured logs: request and integration ids on every record, secrets scrubbed, JSON output.

- ``RequestIdMiddleware`` takes the caller's ``X-Request-ID`` (when it is a sane token) or makes
  one, keeps it in a context variable for the request, and returns it on the response.
- ``log_context(integration_id=...)`` tags every record logged inside it (syncs, webhooks, tasks).
- ``ContextFilter`` copies both ids (and the Celery task id) onto each record, so the plain and the
  JSON formats can print them.
- ``ScrubSecretsFilter`` replaces secret values before anything is formatted: values of keys
  such as password/secret/token/api_key/authorization/signature in dict arguments and in
  ``key=value`` / ``key: value`` text (the message, its arguments, the traceback), and any
  configured secret (DJANGO_SECRET_KEY, FERNET_KEYS, the Mindbody keys, the email password)
  wherever it appears.
- ``JsonFormatter`` writes one JSON object a line: time, level, logger, message, request_id,
  integration_id, task_id, exception, and the record's simple ``extra`` fields.

Both filters belong on the handler (a handler filter sees every record, propagated ones
included); ``logging_config()`` builds the LOGGING dict with them.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

REDACTED = "[REDACTED]"
REQUEST_ID_HEADER = "X-Request-ID"

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "salonsync_request_id", default=None
)
integration_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "salonsync_integration_id", default=None
)

# A caller's request id is kept only when it is a plain token (no log injection, bounded).
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

# Key names whose values are secrets (matched anywhere in the key, case-insensitively).
_SECRET_WORDS = (
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "api-key",
    "authorization",
    "signature",
    "cookie",
    "sessionid",
    "credential",
)
_SECRET_KEY_RE = "|".join(re.escape(word) for word in _SECRET_WORDS)
# key=value, key: value, "key": "value", 'key': 'value', Authorization: Bearer xyz ...
_KEY_VALUE = re.compile(
    rf"""(?ix)
    (?P<key>[\w.-]{{0,40}}(?:{_SECRET_KEY_RE})[\w.-]{{0,40}})  # a key naming a secret (bounded)
    (?P<sep>["']?\s*[:=]\s*)                       # its closing quote and separator
    (?P<value>
        "(?:[^"\\]|\\.)*"                          # a double-quoted value
      | '(?:[^'\\]|\\.)*'                          # a single-quoted value
      | (?:bearer|basic|token|digest)\s+[^\s,;&'"}}\]]+   # an auth scheme and its credentials
      | [^\s,;&'"}}\]]+                            # a bare value
    )
    """
)
# Configured secrets shorter than this are not searched for (too many false hits).
_MIN_SECRET_LENGTH = 8
_SECRET_SETTINGS = (
    "SECRET_KEY",
    "FERNET_KEYS",
    "MINDBODY_API_KEY",
    "MINDBODY_WEBHOOK_SIGNATURE_KEY",
    "EMAIL_HOST_PASSWORD",
)


# -- context --------------------------------------------------------------------------------------
@contextlib.contextmanager
def log_context(*, integration_id: Any = None, request_id: str | None = None) -> Iterator[None]:
    """Tag every record logged inside the block with these ids (nesting restores the outer)."""
    tokens = []
    if integration_id is not None:
        tokens.append((integration_id_var, integration_id_var.set(str(integration_id))))
    if request_id is not None:
        tokens.append((request_id_var, request_id_var.set(request_id)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE: every response (redirects and errors included) carries the id."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else new_request_id()
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


def _task_id() -> str | None:
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover
        return None
    try:
        task = current_task._get_current_object() if current_task else None
        return getattr(task.request, "id", None) if task is not None else None
    except Exception:
        return None


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        record.integration_id = integration_id_var.get() or "-"
        record.task_id = _task_id() or "-"
        return True


# -- scrubbing ------------------------------------------------------------------------------------
def _is_secret_key(key: Any) -> bool:
    lowered = str(key).lower()
    return any(word in lowered for word in _SECRET_WORDS)


def _configured_secrets() -> list[str]:
    try:
        from django.conf import settings

        if not settings.configured:
            return []
        values: list[str] = []
        for name in _SECRET_SETTINGS:
            value = getattr(settings, name, None)
            items = value if isinstance(value, list | tuple) else [value]
            values.extend(str(v) for v in items if v and len(str(v)) >= _MIN_SECRET_LENGTH)
        return sorted(set(values), key=len, reverse=True)
    except Exception:
        return []


def _scrub_match(match: re.Match) -> str:
    value = match["value"]
    if value[:1] in "\"'":
        redacted = f"{value[0]}{REDACTED}{value[0]}"
    else:
        scheme = value.split(None, 1)
        redacted = f"{scheme[0]} {REDACTED}" if len(scheme) == 2 else REDACTED
    return f"{match['key']}{match['sep']}{redacted}"


# A client's signed link (selfbook/links.py) is a bearer secret: /r/<token>/ and
# /r/unsubscribe/<token>/ in request lines and messages keep only their shape.
_CLIENT_LINK = re.compile(r"(/r/(?:unsubscribe/)?)[A-Za-z0-9_:.\-]{16,}")


def scrub_text(text: str, secrets: list[str] | None = None) -> str:
    text = _KEY_VALUE.sub(_scrub_match, text)
    text = _CLIENT_LINK.sub(rf"\g<1>{REDACTED}", text)
    for secret in _configured_secrets() if secrets is None else secrets:
        text = text.replace(secret, REDACTED)
    return text


def scrub_value(value: Any, secrets: list[str] | None = None, _depth: int = 0) -> Any:
    """A copy of ``value`` with secret-named keys redacted (dicts, lists, tuples) and secret
    text scrubbed; other objects are left as they are (their str() is scrubbed later)."""
    if _depth > 6:
        return value
    if isinstance(value, Mapping):
        return {
            k: REDACTED if _is_secret_key(k) else scrub_value(v, secrets, _depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(scrub_value(v, secrets, _depth + 1) for v in value)
    if isinstance(value, str):
        return scrub_text(value, secrets)
    if isinstance(value, bytes):
        return scrub_text(value.decode("utf-8", errors="replace"), secrets)
    return value


class ScrubSecretsFilter(logging.Filter):
    """Renders the message with scrubbed arguments, then scrubs the rendered text."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = _configured_secrets()
        try:
            args = record.args
            if isinstance(args, Mapping):
                args = scrub_value(dict(args), secrets)
            elif isinstance(args, tuple):
                args = tuple(scrub_value(a, secrets) for a in args)
            message = str(record.msg) % args if args else str(record.msg)
        except Exception:
            message = record.getMessage()
        record.msg = scrub_text(message, secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            # Formatters print exc_text when it is set, so the traceback stays scrubbed.
            record.exc_text = scrub_text(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = scrub_text(record.stack_info, secrets)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRS and name not in _CONTEXT_ATTRS:
                setattr(
                    record,
                    name,
                    REDACTED if _is_secret_key(name) else scrub_value(value, secrets),
                )
        return True


# -- JSON -----------------------------------------------------------------------------------------
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 1, "x", None, None)).keys()
) | {"message", "asctime", "taskName"}
_CONTEXT_ATTRS = frozenset({"request_id", "integration_id", "task_id"})
_SIMPLE = (str, int, float, bool, type(None))


class JsonFormatter(logging.Formatter):
    """One JSON object a line; times in UTC ISO 8601 with milliseconds."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
            "request_id": _field(record, "request_id", request_id_var),
            "integration_id": _field(record, "integration_id", integration_id_var),
        }
        task_id = getattr(record, "task_id", None)
        if task_id and task_id != "-":
            entry["task_id"] = task_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        for name, value in vars(record).items():
            if name in _STANDARD_ATTRS or name in _CONTEXT_ATTRS or name in entry:
                continue
            if isinstance(value, _SIMPLE):
                entry[name] = value
        return json.dumps(entry, ensure_ascii=False, default=str)


def _field(record: logging.LogRecord, name: str, var: contextvars.ContextVar) -> str | None:
    value = getattr(record, name, None)
    if value in (None, "-"):
        value = var.get()
    return value


# -- settings -------------------------------------------------------------------------------------
PLAIN_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s integration=%(integration_id)s] "
    "%(message)s"
)


def logging_config(log_format: str = "plain", level: str = "INFO") -> dict[str, Any]:
    """The LOGGING setting: one console handler, ids added and secrets scrubbed on every record;
    ``log_format`` is "json" (production) or "plain" (development)."""
    if log_format not in ("json", "plain"):
        raise ValueError(f"LOG_FORMAT must be 'json' or 'plain', not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "salonsync.logging.ContextFilter"},
            "scrub": {"()": "salonsync.logging.ScrubSecretsFilter"},
        },
        "formatters": {
            "plain": {"format": PLAIN_FORMAT},
            "json": {"()": "salonsync.logging.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["context", "scrub"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"},
            # runserver's access log through the scrubbing handler: invitation links carry
            # ?token=… (Django's default handler for it would print the token as is).
            "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
