"""Authentication as ``WC_REST_Authentication`` does it.

On an HTTPS store (here ``--assume-https``, as behind a TLS proxy): HTTP
Basic or ``consumer_key``/``consumer_secret`` in the query string, secrets
compared in constant time. On a plain-HTTP store those are ignored and
one-legged OAuth 1.0a (HMAC-SHA1/SHA256, timestamp within 15 minutes, nonce
never reused) is required. Keys are read, write or read_write.
"""

from __future__ import annotations

import base64
import hashlib
import re
import urllib.parse

from ..common import constant_time_equal, hmac_base64
from .const import OAUTH_WINDOW
from .errors import WooError
from .values import php_params

# ---------------------------------------------------------------------------
# OAuth 1.0a, one-legged, as WC_REST_Authentication verifies it
# ---------------------------------------------------------------------------


def _rawurlencode(value: str) -> str:
    return urllib.parse.quote(value, safe="-_.~")


def oauth_string_to_sign(method: str, base_url: str, params: dict) -> str:
    """``METHOD&rawurlencode(url)&k%3Dv%26...`` over params sorted by key.

    Each pair is encoded, joined with ``=`` and encoded again; a parameter
    given as a PHP array (``a[0]=x``) is flattened to ``a%5B0%5D``.
    """
    pieces = []
    for key in sorted(params, key=lambda name: name.encode()):
        value = params[key]
        if isinstance(value, list):
            for index, item in value:
                name = f"{_rawurlencode(key)}%5B{_rawurlencode(index)}%5D"
                pieces.append(_rawurlencode(f"{name}={_rawurlencode(item)}"))
        else:
            pair = f"{_rawurlencode(key)}={_rawurlencode(value)}"
            pieces.append(_rawurlencode(pair))
    return f"{method}&{_rawurlencode(base_url)}&{'%26'.join(pieces)}"


def oauth_expected_signature(secret: str, string_to_sign: str, method: str) -> str:
    """base64(HMAC-<method>(key=secret + "&", string_to_sign))."""
    digest = hashlib.sha256 if method == "HMAC-SHA256" else hashlib.sha1
    return hmac_base64(secret + "&", string_to_sign, digest)


_PERMISSION_ERRORS = {
    "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "view": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
    "create": (
        "woocommerce_rest_cannot_create",
        "Sorry, you are not allowed to create resources.",
    ),
    "edit": (
        "woocommerce_rest_cannot_edit",
        "Sorry, you are not allowed to edit this resource.",
    ),
    "delete": (
        "woocommerce_rest_cannot_delete",
        "Sorry, you are not allowed to delete this resource.",
    ),
    "batch": (
        "woocommerce_rest_cannot_batch",
        "Sorry, you are not allowed to batch manipulate this resource.",
    ),
}
_OAUTH_PARAMS = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)


class Authentication:
    """Handler mixin: who is calling, and may their key do this."""

    def _is_ssl(self) -> bool:
        return self.app.assume_https

    def authenticate(self, permission: str) -> str:
        """Return the auth method used, or raise WooCommerce's 401."""
        store = self.app
        params = self.params()
        user = None
        method = None
        error: WooError | None = None
        if self._is_ssl():
            key = secret = ""
            if params.get("consumer_key") and params.get("consumer_secret"):
                key, secret, method = (
                    str(params["consumer_key"]),
                    str(params["consumer_secret"]),
                    "query",
                )
            else:
                header = self.headers.get("Authorization", "")
                if header[:6].lower() == "basic ":
                    try:
                        decoded = base64.b64decode(header[6:].strip()).decode()
                        key, _, secret = decoded.partition(":")
                        method = "basic"
                    except (ValueError, UnicodeDecodeError):
                        key = secret = ""
            if key and secret:
                with store.lock:
                    entry = store.keys.get(key)
                if entry is not None:
                    if constant_time_equal(entry["consumer_secret"], secret):
                        user = entry
                    else:
                        error = WooError(
                            401,
                            "woocommerce_rest_authentication_error",
                            "Consumer secret is invalid.",
                            headers={
                                "WWW-Authenticate": 'Basic realm="WooCommerce API. '
                                "Use a consumer key in the username field and a "
                                'consumer secret in the password field."'
                            },
                        )
        if user is None:
            oauth_user, oauth_error = self._oauth(params)
            if oauth_user is not None:
                user, method, error = oauth_user, "oauth", None
            elif oauth_error is not None:
                error = oauth_error
        if error is not None:
            raise error
        if user is None:
            code, message = _PERMISSION_ERRORS[permission]
            raise WooError(401, code, message)
        self._check_key_permissions(user)
        return method

    def _check_key_permissions(self, user: dict) -> None:
        permissions = user["permissions"]
        if self.command in ("GET", "HEAD"):
            if permissions not in ("read", "read_write"):
                raise WooError(
                    401,
                    "woocommerce_rest_authentication_error",
                    "The API key provided does not have read permissions.",
                )
        elif permissions not in ("write", "read_write"):
            raise WooError(
                401,
                "woocommerce_rest_authentication_error",
                "The API key provided does not have write permissions.",
            )

    def _oauth(self, params: dict):
        """One-legged OAuth 1.0a; returns (user, error)."""
        store = self.app
        merged = dict(params)
        content_type = self.headers.get("Content-Type", "")
        if "application/x-www-form-urlencoded" in content_type:
            form = urllib.parse.parse_qsl(
                self.body.decode("utf-8", "replace"), keep_blank_values=True
            )
            merged.update(php_params(form))
        header = self.headers.get("Authorization", "").strip()
        if header.startswith("OAuth "):
            for name, quoted, bare in re.findall(
                r'(oauth_[a-z_-]*)=(?:"([^"]*)"|([^,]*))', header
            ):
                merged[name] = urllib.parse.unquote_plus(quoted or bare)
        present = [name for name in _OAUTH_PARAMS if merged.get(name)]
        if not present:
            return None, None
        missing = [name for name in _OAUTH_PARAMS if not merged.get(name)]
        if missing:
            noun = "parameter" if len(missing) == 1 else "parameters"
            return None, WooError(
                401,
                "woocommerce_rest_authentication_missing_parameter",
                f"Missing OAuth {noun} {', '.join(missing)}",
            )
        with store.lock:
            entry = store.keys.get(str(merged["oauth_consumer_key"]))
        if entry is None:
            return None, WooError(
                401, "woocommerce_rest_authentication_error", "Consumer key is invalid."
            )
        signature = urllib.parse.unquote(
            str(merged.pop("oauth_signature")).replace(" ", "+")
        )
        method = str(merged["oauth_signature_method"])
        if method not in ("HMAC-SHA1", "HMAC-SHA256"):
            return None, WooError(
                401,
                "woocommerce_rest_authentication_error",
                "Invalid signature - signature method is invalid.",
            )
        scheme = "https" if self._is_ssl() else "http"
        home = urllib.parse.urlsplit(store.site_url)
        base_url = f"{scheme}://{home.netloc}{self.route_path}"
        expected = oauth_expected_signature(
            entry["consumer_secret"],
            oauth_string_to_sign(self.command, base_url, merged),
            method,
        )
        if not constant_time_equal(expected, signature):
            return None, WooError(
                401,
                "woocommerce_rest_authentication_error",
                "Invalid signature - provided signature does not match.",
            )
        try:
            timestamp = int(str(merged["oauth_timestamp"]))
        except ValueError:
            timestamp = 0
        now = store.clock()
        if abs(now - timestamp) > OAUTH_WINDOW:
            return None, WooError(
                401, "woocommerce_rest_authentication_error", "Invalid timestamp."
            )
        nonce = str(merged["oauth_nonce"])
        with store.lock:
            nonces = entry["nonces"]
            for old, seen_at in list(nonces.items()):
                if seen_at < now - OAUTH_WINDOW:
                    del nonces[old]
            if nonce in nonces:
                return None, WooError(
                    401,
                    "woocommerce_rest_authentication_error",
                    "Invalid nonce - nonce has already been used.",
                )
            nonces[nonce] = now
        return entry, None
