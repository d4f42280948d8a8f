"""Authentication of REST calls to a WooCommerce store.

Three modes, as WooCommerce's ``WC_REST_Authentication`` accepts them:

* ``basic``: HTTP Basic with the consumer key as user and the secret as password;
* ``query``: ``consumer_key`` / ``consumer_secret`` in the query string;
* ``oauth``: one-legged OAuth 1.0a (no token), HMAC-SHA256 or HMAC-SHA1, the
  ``oauth_*`` parameters in the query string, the body not signed.

WooCommerce only looks at the first two on HTTPS requests: a plain-HTTP store
answers them with 401 and needs the OAuth mode.
"""

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import requests
from requests.auth import AuthBase, HTTPBasicAuth

from . import const

_HASHES = {"HMAC-SHA256": hashlib.sha256, "HMAC-SHA1": hashlib.sha1}
_DEFAULT_PORTS = {"http": 80, "https": 443}


def percent_encode(value) -> str:
    """Encode like PHP's ``rawurlencode`` (RFC 3986: only ``A-Za-z0-9-._~`` kept)."""
    return quote(str(value), safe="")


def normalize_base_url(url: str) -> str:
    """Return the URL WooCommerce signs: scheme://host[:port]/path, no query.

    WooCommerce rebuilds it from its home URL, which never carries a default
    port or upper-case host, so those are normalized away here.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    if parts.port and parts.port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{parts.port}"
    return urlunsplit((scheme, netloc, parts.path or "/", "", ""))


def _ordered_params(params: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Order parameters the way PHP sees them once parsed into ``$_GET``.

    A repeated plain key keeps its last value (PHP overwrites), ``key[...]``
    entries stay grouped under ``key`` in their original order, and groups are
    sorted by key with a byte comparison (``uksort(..., 'strcmp')``).
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    for key, value in params:
        base = key.split("[", 1)[0]
        if base == key:
            groups[base] = [(key, value)]
        else:
            groups.setdefault(base, []).append((key, value))
    ordered = []
    for base in sorted(groups, key=lambda name: name.encode()):
        ordered.extend(groups[base])
    return ordered


def oauth_base_string(method: str, url: str, params) -> str:
    """Build the OAuth 1.0a signature base string exactly as WooCommerce does.

    ``params`` (a mapping or a sequence of pairs, ``oauth_signature`` excluded)
    holds every query parameter and every ``oauth_*`` parameter. Each pair is
    encoded, joined with ``=``, then encoded again, and the pairs are joined with
    ``%26``: ``METHOD&encoded(base url)&k1%3Dv1%26k2%3Dv2``.
    """
    pairs = params.items() if isinstance(params, Mapping) else params
    pairs = [(str(k), str(v)) for k, v in pairs if k != "oauth_signature"]
    joined = "%26".join(
        percent_encode(f"{percent_encode(k)}={percent_encode(v)}")
        for k, v in _ordered_params(pairs)
    )
    return f"{method.upper()}&{percent_encode(normalize_base_url(url))}&{joined}"


def oauth_signature(
    consumer_secret: str, base_string: str, signature_method: str
) -> str:
    """Return base64(HMAC(key=consumer_secret + "&", base_string))."""
    try:
        digest = _HASHES[signature_method]
    except KeyError:
        raise ValueError(
            f"Unsupported OAuth signature method {signature_method!r}; "
            f"use one of {', '.join(_HASHES)}."
        ) from None
    key = (consumer_secret + "&").encode()
    mac = hmac.new(key, base_string.encode(), digest).digest()
    return base64.b64encode(mac).decode("ascii")


def sign_oauth_params(
    method: str,
    url: str,
    params,
    consumer_key: str,
    consumer_secret: str,
    *,
    signature_method: str = const.DEFAULT_OAUTH_SIGNATURE_METHOD,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> list[tuple[str, str]]:
    """Return ``params`` plus the signed ``oauth_*`` parameters, ready for a query.

    ``url`` may carry a query string; its parameters are signed too (and kept
    in the result, before the explicit ``params``).
    """
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    extra = params.items() if isinstance(params, Mapping) else (params or ())
    pairs.extend((str(k), str(v)) for k, v in extra)
    pairs.extend(
        [
            ("oauth_consumer_key", consumer_key),
            (
                "oauth_timestamp",
                str(int(time.time()) if timestamp is None else timestamp),
            ),
            ("oauth_nonce", nonce or secrets.token_hex(16)),
            ("oauth_signature_method", signature_method),
        ]
    )
    base = oauth_base_string(method, url, pairs)
    pairs.append(
        ("oauth_signature", oauth_signature(consumer_secret, base, signature_method))
    )
    return pairs


class QueryStringAuth(AuthBase):
    """Adds ``consumer_key`` and ``consumer_secret`` to the query string (HTTPS)."""

    def __init__(self, consumer_key: str, consumer_secret: str):
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url)
        pairs = [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k not in ("consumer_key", "consumer_secret")
        ]
        pairs += [
            ("consumer_key", self.consumer_key),
            ("consumer_secret", self.consumer_secret),
        ]
        request.url = urlunsplit(
            parts._replace(query=urlencode(pairs, quote_via=quote))
        )
        return request


class OAuth1Auth(AuthBase):
    """One-legged OAuth 1.0a signing, parameters in the query string.

    Every call (every retry included) gets a fresh timestamp and nonce, since
    WooCommerce refuses a nonce it has seen within 15 minutes.
    """

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        signature_method: str = const.DEFAULT_OAUTH_SIGNATURE_METHOD,
        clock=time.time,
    ):
        if signature_method not in _HASHES:
            raise ValueError(
                f"Unsupported OAuth signature method {signature_method!r}; "
                f"use one of {', '.join(_HASHES)}."
            )
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.signature_method = signature_method
        self.clock = clock

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url)
        pairs = [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.startswith("oauth_")
        ]
        base_url = urlunsplit(parts._replace(query="", fragment=""))
        signed = sign_oauth_params(
            request.method,
            base_url,
            pairs,
            self.consumer_key,
            self.consumer_secret,
            signature_method=self.signature_method,
            timestamp=int(self.clock()),
        )
        request.url = urlunsplit(
            parts._replace(query=urlencode(signed, quote_via=quote))
        )
        return request


def make_auth(
    auth_mode: str,
    consumer_key: str,
    consumer_secret: str,
    *,
    signature_method: str = const.DEFAULT_OAUTH_SIGNATURE_METHOD,
) -> AuthBase:
    """Return the requests auth object for a connection's auth mode."""
    if not consumer_key or not consumer_secret:
        raise ValueError(
            "The WooCommerce consumer key and consumer secret are required."
        )
    if auth_mode == const.AUTH_BASIC:
        return HTTPBasicAuth(consumer_key, consumer_secret)
    if auth_mode == const.AUTH_QUERY:
        return QueryStringAuth(consumer_key, consumer_secret)
    if auth_mode == const.AUTH_OAUTH:
        return OAuth1Auth(consumer_key, consumer_secret, signature_method)
    raise ValueError(
        f"Unknown WooCommerce auth mode {auth_mode!r}; "
        f"use one of {', '.join(const.AUTH_MODES)}."
    )


def auth_mode_warning(store_url: str, auth_mode: str) -> str | None:
    """Explain a mode/scheme combination a real store would refuse, else None."""
    scheme = urlsplit(store_url).scheme.lower()
    if scheme == "http" and auth_mode in (const.AUTH_BASIC, const.AUTH_QUERY):
        return (
            "WooCommerce ignores Basic and query-string credentials on plain HTTP "
            "(every call answers 401). Use HTTPS or the OAuth 1.0a mode."
        )
    return None
