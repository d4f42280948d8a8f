"""Authentication of REST calls: Basic, query string and one-legged OAuth 1.0a."""

import base64
import shutil
import subprocess
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from requests.auth import HTTPBasicAuth

from odoo.addons.retail_connector_woocommerce.tools import auth, const

URL = "http://127.0.0.1:8080/wp-json/wc/v3/orders"
PARAMS = [
    ("per_page", "100"),
    ("page", "2"),
    ("modified_after", "2024-05-14T09:00:00"),
    ("search", "oak desk+chair"),
]
OAUTH = [
    ("oauth_consumer_key", "ck_abc"),
    ("oauth_timestamp", "1715677200"),
    ("oauth_nonce", "n0nce"),
    ("oauth_signature_method", "HMAC-SHA256"),
]
# Written out by hand from WooCommerce's check_oauth_signature(): parameters
# sorted by key, "key=value" encoded, encoded again, joined with %26.
EXPECTED_BASE = (
    "GET&http%3A%2F%2F127.0.0.1%3A8080%2Fwp-json%2Fwc%2Fv3%2Forders&"
    "modified_after%3D2024-05-14T09%253A00%253A00%26"
    "oauth_consumer_key%3Dck_abc%26"
    "oauth_nonce%3Dn0nce%26"
    "oauth_signature_method%3DHMAC-SHA256%26"
    "oauth_timestamp%3D1715677200%26"
    "page%3D2%26"
    "per_page%3D100%26"
    "search%3Doak%2520desk%252Bchair"
)


def openssl_hmac_base64(digest: str, key: str, message: str) -> str:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    mac = subprocess.run(
        ["openssl", "dgst", f"-{digest}", "-hmac", key, "-binary"],
        input=message.encode(),
        capture_output=True,
        check=True,
    ).stdout
    return base64.b64encode(mac).decode()


def test_base_string_as_woocommerce_builds_it():
    assert auth.oauth_base_string("get", URL, PARAMS + OAUTH) == EXPECTED_BASE


def test_base_string_ignores_default_port_and_host_case():
    assert auth.normalize_base_url("HTTPS://Shop.Example.com:443/wp-json/x?a=1") == (
        "https://shop.example.com/wp-json/x"
    )
    assert auth.normalize_base_url("http://shop.example.com:8080/a") == (
        "http://shop.example.com:8080/a"
    )


@pytest.mark.parametrize(
    ("method", "digest"), [("HMAC-SHA256", "sha256"), ("HMAC-SHA1", "sha1")]
)
def test_signature_matches_openssl(method, digest):
    expected = openssl_hmac_base64(digest, "cs_secret&", EXPECTED_BASE)
    assert auth.oauth_signature("cs_secret", EXPECTED_BASE, method) == expected


def test_unknown_signature_method_refused():
    with pytest.raises(ValueError, match="HMAC-MD5"):
        auth.oauth_signature("cs", "base", "HMAC-MD5")


def test_sign_oauth_params_appends_a_verifiable_signature():
    signed = auth.sign_oauth_params(
        "GET",
        URL + "?per_page=100&page=2",
        [("modified_after", "2024-05-14T09:00:00"), ("search", "oak desk+chair")],
        "ck_abc",
        "cs_secret",
        timestamp=1715677200,
        nonce="n0nce",
    )
    params = dict(signed)
    assert params["oauth_signature"] == openssl_hmac_base64(
        "sha256", "cs_secret&", EXPECTED_BASE
    )
    assert list(params)[:2] == ["per_page", "page"]  # query parameters first


def prepare(auth_object, params=None, method="GET"):
    request = requests.Request(method, URL, params=params, auth=auth_object)
    return request.prepare()


def test_oauth_auth_puts_fresh_parameters_in_the_query():
    signer = auth.OAuth1Auth("ck_abc", "cs_secret", clock=lambda: 1715677200.9)
    first = prepare(signer, {"per_page": 100, "page": 2})
    second = prepare(signer, {"per_page": 100, "page": 2})

    pairs = parse_qsl(urlsplit(first.url).query)
    params = dict(pairs)
    assert params["oauth_consumer_key"] == "ck_abc"
    assert params["oauth_timestamp"] == "1715677200"
    assert params["oauth_signature_method"] == "HMAC-SHA256"
    assert len(params["oauth_nonce"]) == 32
    assert "Authorization" not in first.headers
    # A retry must not reuse a nonce: WooCommerce refuses it for 15 minutes.
    assert (
        dict(parse_qsl(urlsplit(second.url).query))["oauth_nonce"]
        != (params["oauth_nonce"])
    )
    # The signature covers what was sent, recomputed independently.
    unsigned = [(k, v) for k, v in pairs if k != "oauth_signature"]
    base = auth.oauth_base_string("GET", URL, unsigned)
    assert params["oauth_signature"] == openssl_hmac_base64(
        "sha256", "cs_secret&", base
    )


def test_oauth_body_is_not_signed():
    signer = auth.OAuth1Auth("ck_abc", "cs_secret", signature_method="HMAC-SHA1")
    request = requests.Request(
        "PUT", URL + "/727", json={"status": "completed"}, auth=signer
    ).prepare()
    params = dict(parse_qsl(urlsplit(request.url).query))
    assert params["oauth_signature_method"] == "HMAC-SHA1"
    assert request.body == b'{"status": "completed"}'


def test_query_string_auth():
    request = prepare(auth.QueryStringAuth("ck_abc", "cs_s3cret/+"), {"page": 1})
    assert parse_qsl(urlsplit(request.url).query) == [
        ("page", "1"),
        ("consumer_key", "ck_abc"),
        ("consumer_secret", "cs_s3cret/+"),
    ]


def test_make_auth_per_mode():
    assert isinstance(auth.make_auth(const.AUTH_BASIC, "ck", "cs"), HTTPBasicAuth)
    assert isinstance(
        auth.make_auth(const.AUTH_QUERY, "ck", "cs"), auth.QueryStringAuth
    )
    oauth = auth.make_auth(const.AUTH_OAUTH, "ck", "cs", signature_method="HMAC-SHA1")
    assert isinstance(oauth, auth.OAuth1Auth)
    assert oauth.signature_method == "HMAC-SHA1"
    with pytest.raises(ValueError, match="Unknown WooCommerce auth mode"):
        auth.make_auth("jwt", "ck", "cs")
    with pytest.raises(ValueError, match="required"):
        auth.make_auth(const.AUTH_BASIC, "ck", "")


def test_warning_for_credentials_a_plain_http_store_ignores():
    assert auth.auth_mode_warning("http://shop.example.com", const.AUTH_BASIC)
    assert auth.auth_mode_warning("http://shop.example.com", const.AUTH_QUERY)
    assert auth.auth_mode_warning("http://shop.example.com", const.AUTH_OAUTH) is None
    assert auth.auth_mode_warning("https://shop.example.com", const.AUTH_BASIC) is None
