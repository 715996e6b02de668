"""Structured logs: JSON lines with request and integration ids; secrets never written."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
import socket

import pytest

from salonsync.logging import (
    REDACTED,
    ContextFilter,
    JsonFormatter,
    ScrubSecretsFilter,
    log_context,
    logging_config,
    request_id_var,
)

PASSWORD = "hunter2-Pa55word-9c1"
TOKEN = "eyJhbGciOi.tok3n-Value.42"
API_KEY = "ak_live_5f0e9d8c7b6a"
SIGNATURE = "sha256=0a1b2c3d4e5f60718293"
FERNET_KEY = "fernet-key-for-the-logging-test-1234567890"


@pytest.fixture
def capture(settings):
    settings.FERNET_KEYS = [FERNET_KEY, "an-old-fernet-key-still-decrypting"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.addFilter(ScrubSecretsFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.health.structured")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logger.propagate = True


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_time_level_logger_message_and_ids(capture):
    logger, stream = capture
    logger.info("plain %s", "message")
    token = request_id_var.set("req-123")
    try:
        with log_context(integration_id="4f1c-aa"):
            logger.warning("syncing page %d", 3, extra={"page": 3, "obj": object()})
    finally:
        request_id_var.reset(token)

    first, second = lines(stream)
    assert first["message"] == "plain message"
    assert first["level"] == "INFO"
    assert first["logger"] == "tests.health.structured"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", first["time"])
    assert (first["request_id"], first["integration_id"]) == (None, None)  # JSON null
    assert second["message"] == "syncing page 3"
    assert (second["request_id"], second["integration_id"]) == ("req-123", "4f1c-aa")
    assert second["page"] == 3
    assert "obj" not in second  # only simple extra values are written


def test_log_context_nests_and_restores(capture):
    logger, stream = capture
    with log_context(integration_id="outer"):
        with log_context(integration_id="inner"):
            logger.info("a")
        logger.info("b")
    logger.info("c")
    assert [line["integration_id"] for line in lines(stream)] == ["inner", "outer", None]


def test_secrets_logged_on_purpose_never_reach_the_output(capture, settings):
    logger, stream = capture
    logger.info(
        "login %s",
        {
            "username": "olivia",
            "password": PASSWORD,
            "nested": {"client_secret": PASSWORD, "ok": "visible"},
        },
    )
    logger.info("%(user)s with %(api_key)s", {"user": "olivia", "api_key": API_KEY})
    logger.info(f"GET /v1/appointments?access_token={TOKEN}&page=2")
    logger.info(f"headers: Authorization: Bearer {TOKEN}, X-Signature: {SIGNATURE}")
    logger.info("payload " + json.dumps({"password": PASSWORD, "token": TOKEN}))
    logger.info("keys %s %s", settings.SECRET_KEY, FERNET_KEY)
    logger.info("signature=%s api-key: %s", SIGNATURE, API_KEY, extra={"token": TOKEN})
    try:
        raise ValueError(f"upstream said password={PASSWORD}")
    except ValueError:
        logger.exception("call failed")

    output = stream.getvalue()
    records = lines(stream)  # every line is JSON
    assert len(records) == 8
    for secret in (PASSWORD, TOKEN, API_KEY, SIGNATURE, FERNET_KEY, settings.SECRET_KEY):
        assert secret not in output
    assert records[0]["message"] == (
        "login {'username': 'olivia', 'password': '[REDACTED]', "
        "'nested': {'client_secret': '[REDACTED]', 'ok': 'visible'}}"
    )
    assert records[1]["message"] == f"olivia with {REDACTED}"
    assert records[2]["message"] == f"GET /v1/appointments?access_token={REDACTED}&page=2"
    assert records[3]["message"] == (
        f"headers: Authorization: Bearer {REDACTED}, X-Signature: {REDACTED}"
    )
    assert records[4]["message"] == f'payload {{"password": "{REDACTED}", "token": "{REDACTED}"}}'
    assert records[5]["message"] == f"keys {REDACTED} {REDACTED}"
    assert records[6]["token"] == REDACTED
    assert "ValueError: upstream said password=[REDACTED]" in records[7]["exception"]


def test_logging_config_builds_json_and_plain_handlers(settings):
    for log_format in ("json", "plain"):
        config = logging_config(log_format, "INFO")
        assert config["handlers"]["console"]["formatter"] == log_format
        logging.config.dictConfig(config)  # valid: the factories import and build
        handler = logging.getLogger().handlers[0]
        assert [type(f).__name__ for f in handler.filters] == [
            "ContextFilter",
            "ScrubSecretsFilter",
        ]
    logging.config.dictConfig(settings.LOGGING)  # back to the test settings
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config("xml")


# -- the request id middleware --------------------------------------------------------------------
@pytest.fixture
def with_middleware(settings):
    settings.MIDDLEWARE = ["salonsync.logging.RequestIdMiddleware", *settings.MIDDLEWARE]


def test_request_id_is_taken_from_the_caller_and_returned(client, with_middleware):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123.xyz")
    assert response["X-Request-ID"] == "abc-123.xyz"


@pytest.mark.parametrize("incoming", [None, "", "has space", "x" * 129, "new\nline"])
def test_request_id_is_made_when_missing_or_unsafe(client, with_middleware, incoming):
    extra = {} if incoming is None else {"HTTP_X_REQUEST_ID": incoming}
    response = client.get("/healthz", **extra)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_redirects_carry_the_request_id_too(client, with_middleware):
    response = client.get("/salons/alpha/integrations/", HTTP_X_REQUEST_ID="r-1")
    assert response.status_code == 302
    assert response["X-Request-ID"] == "r-1"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_records_logged_during_a_request_carry_its_id(
    client, db, settings, with_middleware, capture
):
    _, stream = capture
    handler = logging.getLogger("tests.health.structured").handlers[0]
    health_logger = logging.getLogger("salonsync.health")
    health_logger.addHandler(handler)
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    try:
        response = client.get("/readyz", HTTP_X_REQUEST_ID="ready-1")
    finally:
        health_logger.removeHandler(handler)

    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    (record,) = lines(stream)
    assert record["message"] == "readiness: broker unreachable"
    assert record["request_id"] == "ready-1"
    assert request_id_var.get() is None  # reset after the request


def test_a_long_run_of_word_characters_is_scrubbed_without_backtracking():
    """A log argument holding a 100,000-character identifier once held a test for minutes in
    the secret-key pattern (an unbounded key prefix backtracked over the whole run); the key
    is bounded now, and what follows it is still redacted."""
    from salonsync.logging import scrub_text

    text = "['2dd9', ['" + "x" * 100_000 + "']] client_secret=zzz"
    scrubbed = scrub_text(text, secrets=[])
    assert scrubbed.endswith("client_secret=[REDACTED]")
    assert scrubbed.count("x") >= 100_000
