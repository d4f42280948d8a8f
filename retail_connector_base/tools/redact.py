"""Removal of credentials from anything that gets logged or stored.

Headers, URLs, payloads and error texts pass through here before they reach a
log line or a ``retail.exchange``. WooCommerce, for one, echoes the consumer
key and secret in the ``Link`` header when query-string auth is used.
"""

import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

# Headers that carry credentials whatever the channel. A channel adds its own
# (its signature header, say) through ``retail.backend._channel_sensitive_headers``.
SENSITIVE_HEADERS = {
    "authorization",
    "cookie",
    "set-cookie",
    "proxy-authorization",
}
SENSITIVE_KEYS = {
    "consumer_key",
    "consumer_secret",
    "oauth_signature",
    "oauth_consumer_key",
    "secret",
    "password",
    "api_key",
    "token",
    "access_token",
    "webhook_secret",
}
REDACTED = "***"

# Secrets shorter than this would blank out ordinary words and digits.
_MIN_SECRET_LENGTH = 4

# key=value pairs inside a query string, wherever it appears in a text.
_QUERY_PAIR = re.compile(r"(?P<key>[^?&#=\s;<>\"',]+)=(?P<value>[^&#\s;<>\"',]*)")


def _is_sensitive_key(key, extra=frozenset()):
    return isinstance(key, str) and (
        key.lower() in SENSITIVE_KEYS or key.lower() in extra
    )


def _redact_pair(match):
    """Blank the value of one ``key=value`` pair whose key is sensitive."""
    if _is_sensitive_key(unquote_plus(match["key"])) and match["value"]:
        return f"{match['key']}={REDACTED}"
    return match[0]


def redact_query_pairs(text: str) -> str:
    """Blank sensitive ``key=value`` pairs anywhere in a free text.

    Used on error messages and Link headers, where the URL carrying the pairs
    is embedded in other text.
    """
    return _QUERY_PAIR.sub(_redact_pair, text)


def redact_url(url: str) -> str:
    """Blank sensitive query parameters and drop user:password from a URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_query_pairs(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            parts.path,
            redact_query_pairs(parts.query),
            parts.fragment,
        )
    )


def redact_headers(
    headers: Mapping[str, str], extra: Iterable[str] = ()
) -> dict[str, str]:
    """Copy headers with credentials and signatures replaced by ``***``.

    ``extra`` names more sensitive headers (case-insensitive): a channel's own.
    """
    sensitive = SENSITIVE_HEADERS | {name.lower() for name in extra}
    result = {}
    for name, value in headers.items():
        if name.lower() in sensitive:
            result[name] = REDACTED
        elif isinstance(value, str):
            # Link and Location headers can carry query-string credentials.
            result[name] = redact_query_pairs(value)
        else:
            result[name] = value
    return result


def redact_mapping(data, extra_keys=()):
    """Return ``data`` with the values of sensitive keys replaced, recursively.

    Dicts, lists and tuples keep their shape; strings are scanned for
    ``key=value`` query pairs. Empty values stay as they are, so a missing
    credential remains visible as missing.
    """
    extra = frozenset(key.lower() for key in extra_keys)
    sensitive_names = SENSITIVE_HEADERS | extra
    if isinstance(data, Mapping):
        return {
            key: (
                REDACTED
                if (_is_sensitive_key(key, sensitive_names) and value not in (None, ""))
                else redact_mapping(value, extra_keys)
            )
            for key, value in data.items()
        }
    if isinstance(data, list | tuple):
        return type(data)(redact_mapping(item, extra_keys) for item in data)
    if isinstance(data, str):
        return redact_query_pairs(data)
    return data


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of the given secret values by ``***``.

    URL-encoded forms are replaced as well, since secrets end up in query
    strings; values shorter than 4 characters are left alone.
    """
    variants = set()
    for secret in secrets:
        if isinstance(secret, bytes):
            secret = secret.decode("utf-8", "replace")
        if not isinstance(secret, str) or len(secret) < _MIN_SECRET_LENGTH:
            continue
        variants.update({secret, quote(secret, safe=""), quote_plus(secret)})
    # Longest first, so that a secret containing another is replaced whole.
    for variant in sorted(variants, key=len, reverse=True):
        text = text.replace(variant, REDACTED)
    return text
