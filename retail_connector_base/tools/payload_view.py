"""A stored payload made readable: indented JSON, secrets and tokens removed.

What a person reads on an exchange goes through the same redaction as what
gets logged (``redact`` for credentials, ``log_redaction`` for webhook
tokens), so opening an exchange never shows a key or a signature.

Pure code: the standard library only, no Odoo.
"""

import json

from . import log_redaction, redact


def parse_payload(text):
    """The JSON value of `text`, or None when it is not JSON.

    A payload is kept exactly as received; a form-encoded or truncated one
    is not JSON, and callers show it as text.
    """
    if not text or not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _without_webhook_tokens(value):
    if isinstance(value, dict):
        return {key: _without_webhook_tokens(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_webhook_tokens(item) for item in value]
    return log_redaction.redact_webhook_tokens(value)


def redacted_value(value, extra_keys=()):
    """`value` (parsed JSON) with credentials and webhook tokens blanked."""
    return _without_webhook_tokens(redact.redact_mapping(value, extra_keys))


def readable_payload(text, extra_keys=()):
    """`text` as a person should read it: indented JSON, secrets redacted.

    `extra_keys` names more sensitive keys (any case): a channel's own
    signature or token names. A payload that is not JSON comes back as
    text, its ``key=value`` credentials and webhook tokens blanked all
    the same. Empty stays empty.
    """
    if not text:
        return ""
    value = parse_payload(text)
    if value is None:
        return log_redaction.redact_webhook_tokens(redact.redact_query_pairs(text))
    return json.dumps(
        redacted_value(value, extra_keys), indent=2, ensure_ascii=False, default=str
    )
