import io
import logging

import pytest

from odoo.addons.retail_connector_base.tools.log_redaction import (
    WebhookTokenFilter,
    install_filter,
    redact_record,
    redact_webhook_tokens,
)

TOKEN = "Zq3vK9-x_Lm2Pq8rT5uW7yA1bC4dE6fG8hJ0kN2mP4"


@pytest.mark.parametrize(
    "text, expected",
    [
        (f"/retail/webhook/{TOKEN}", "/retail/webhook/***"),
        (
            f'"POST /retail/webhook/{TOKEN} HTTP/1.1" 200 -',
            '"POST /retail/webhook/*** HTTP/1.1" 200 -',
        ),
        (
            f"https://shop.example/retail/webhook/{TOKEN}?x=1#top",
            "https://shop.example/retail/webhook/***?x=1#top",
        ),
        (
            f"/retail/webhook/{TOKEN}/extra",
            "/retail/webhook/***/extra",
        ),
        (f"'POST /retail/webhook/{TOKEN}'", "'POST /retail/webhook/***'"),
        (f"/retail%2Fwebhook%2f{TOKEN}", "/retail%2Fwebhook%2f***"),
        (f"/RETAIL/Webhook/{TOKEN}", "/RETAIL/Webhook/***"),
        # werkzeug colours the request line when logging to a terminal.
        (
            f"\x1b[33mPOST /retail/webhook/{TOKEN} HTTP/1.1\x1b[0m",
            "\x1b[33mPOST /retail/webhook/*** HTTP/1.1\x1b[0m",
        ),
        (
            f"/retail/webhook/a and /retail/webhook/{TOKEN}",
            "/retail/webhook/*** and /retail/webhook/***",
        ),
    ],
)
def test_the_token_of_every_webhook_address_is_replaced(text, expected):
    assert redact_webhook_tokens(text) == expected
    # Redacting twice changes nothing more.
    assert redact_webhook_tokens(expected) == expected


@pytest.mark.parametrize(
    "text",
    [
        "GET /web/login HTTP/1.1",
        "/retail/webhook/",
        "/retail/webhooks/abc",
        "/retail/hook/abc",
        "POST /jsonrpc HTTP/1.1",
        "",
    ],
)
def test_other_texts_are_left_alone(text):
    assert redact_webhook_tokens(text) == text


def test_non_strings_are_returned_unchanged():
    for value in (None, 200, b"/retail/webhook/abc", 1.5):
        assert redact_webhook_tokens(value) is value


def _record(msg, *args):
    return logging.LogRecord("werkzeug", logging.INFO, __file__, 1, msg, args, None)


def test_werkzeug_request_line_is_redacted_in_the_arguments():
    record = _record(
        '127.0.0.1 - - [01/Jan/2025 10:00:00] "%s" %s %s\n',
        f"POST /retail/webhook/{TOKEN} HTTP/1.1",
        "200",
        "-",
    )
    assert redact_record(record) is True
    message = record.getMessage()
    assert TOKEN not in message
    assert '"POST /retail/webhook/*** HTTP/1.1" 200 -' in message


def test_token_in_the_message_itself_is_redacted():
    record = _record(f"serving /retail/webhook/{TOKEN} for %s", "someone")
    assert redact_record(record) is True
    assert record.getMessage() == "serving /retail/webhook/*** for someone"


def test_placeholders_keep_their_meaning():
    record = _record(
        "%r took %d ms (%s)", f"/retail/webhook/{TOKEN}", 12, ["not", "a", "str"]
    )
    redact_record(record)
    assert (
        record.getMessage() == "'/retail/webhook/***' took 12 ms (['not', 'a', 'str'])"
    )


def test_a_mapping_argument_is_redacted():
    record = _record(
        "%(path)s answered %(status)d",
        {"path": f"/retail/webhook/{TOKEN}", "status": 503},
    )
    redact_record(record)
    assert record.getMessage() == "/retail/webhook/*** answered 503"


def test_records_without_a_webhook_address_are_untouched():
    record = _record('"%s" %s %s', "GET /web HTTP/1.1", "200", "-")
    args = record.args
    assert redact_record(record) is False
    assert record.args is args
    assert record.msg == '"%s" %s %s'


def test_filter_keeps_every_record_and_redacts_what_a_handler_writes():
    logger = logging.getLogger("retail_connector_test.log_redaction")
    logger.propagate = False
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        install_filter([logger.name])
        install_filter([logger.name])
        assert sum(isinstance(f, WebhookTokenFilter) for f in logger.filters) == 1
        logger.info('"%s" %s %s', f"POST /retail/webhook/{TOKEN} HTTP/1.1", 200, "-")
        logger.info("GET /web/health")
    finally:
        logger.removeHandler(handler)
        for item in list(logger.filters):
            logger.removeFilter(item)
    written = stream.getvalue()
    assert TOKEN not in written
    assert written.splitlines() == [
        '"POST /retail/webhook/*** HTTP/1.1" 200 -',
        "GET /web/health",
    ]
