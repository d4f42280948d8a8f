from odoo.addons.retail_connector_base.tools import redact
from odoo.addons.retail_connector_base.tools.redact import REDACTED

CK = "ck_0123456789abcdef"
CS = "cs_fedcba9876543210"


def test_sensitive_headers_are_redacted_whatever_their_case():
    headers = {
        "Authorization": "Basic Y2s6Y3M=",
        "X-WC-Webhook-Signature": "abc=",
        "x-retail-signature": "t=1,v1=abc",
        "Cookie": "session=1",
        "Content-Type": "application/json",
        "X-WC-Webhook-Topic": "order.created",
    }

    extra = ("x-wc-webhook-signature", "X-Retail-Signature")
    assert redact.redact_headers(headers, extra) == {
        "Authorization": REDACTED,
        "X-WC-Webhook-Signature": REDACTED,
        "x-retail-signature": REDACTED,
        "Cookie": REDACTED,
        "Content-Type": "application/json",
        "X-WC-Webhook-Topic": "order.created",
    }


def test_a_channel_header_is_kept_unless_the_channel_declares_it():
    headers = {"X-Loop-Signature": "abc=", "Authorization": "Bearer x"}

    assert redact.redact_headers(headers) == {
        "X-Loop-Signature": "abc=",
        "Authorization": REDACTED,
    }
    assert redact.redact_headers(headers, ["x-loop-signature"]) == {
        "X-Loop-Signature": REDACTED,
        "Authorization": REDACTED,
    }


def test_woocommerce_link_header_loses_the_credentials():
    link = (
        f"<https://shop.test/wp-json/wc/v3/orders?consumer_key={CK}"
        f'&consumer_secret={CS}&status%5B0%5D=any&page=2>; rel="next"'
    )

    result = redact.redact_headers({"Link": link})["Link"]

    assert CK not in result
    assert CS not in result
    assert result == (
        "<https://shop.test/wp-json/wc/v3/orders?consumer_key=***"
        '&consumer_secret=***&status%5B0%5D=any&page=2>; rel="next"'
    )


def test_url_query_credentials_are_redacted_and_the_rest_kept():
    url = (
        f"https://shop.test/wp-json/wc/v3/products?per_page=100&consumer_key={CK}"
        f"&consumer_secret={CS}&oauth_signature=abc%2B%3D#frag"
    )

    assert redact.redact_url(url) == (
        "https://shop.test/wp-json/wc/v3/products?per_page=100&consumer_key=***"
        "&consumer_secret=***&oauth_signature=***#frag"
    )


def test_url_keys_match_case_insensitively_and_percent_encoded():
    url = "https://x.test/a?Consumer_Secret=abc&api%5Fkey=def&token=&page=1"

    assert redact.redact_url(url) == (
        "https://x.test/a?Consumer_Secret=***&api%5Fkey=***&token=&page=1"
    )


def test_url_userinfo_is_removed():
    assert redact.redact_url("https://user:p4ss@shop.test:8443/x?a=1") == (
        "https://shop.test:8443/x?a=1"
    )


def test_url_that_cannot_be_parsed_is_still_redacted():
    assert redact.redact_url("http://[::1/x?secret=abc") == "http://[::1/x?secret=***"


def test_nested_mapping_keeps_its_shape():
    data = {
        "name": "Store",
        "secret": "whsec_1",
        "auth": {"Consumer_Key": CK, "consumer_secret": CS, "mode": "basic"},
        "webhooks": [
            {"id": 1, "secret": "s1", "delivery_url": "https://o.test/h?token=t0k3n"},
            ("tuple", {"password": "hunter22"}),
        ],
        "empty_token": {"token": ""},
        "unset": {"api_key": None},
        "count": 3,
    }

    assert redact.redact_mapping(data) == {
        "name": "Store",
        "secret": REDACTED,
        "auth": {
            "Consumer_Key": REDACTED,
            "consumer_secret": REDACTED,
            "mode": "basic",
        },
        "webhooks": [
            {"id": 1, "secret": REDACTED, "delivery_url": "https://o.test/h?token=***"},
            ("tuple", {"password": REDACTED}),
        ],
        "empty_token": {"token": ""},
        "unset": {"api_key": None},
        "count": 3,
    }
    # The input is left untouched.
    assert data["secret"] == "whsec_1"


def test_mapping_extra_keys_and_header_names():
    data = {"shop_pin": "1234", "Authorization": "Bearer x", "other": "y"}

    assert redact.redact_mapping(data, extra_keys=("Shop_PIN",)) == {
        "shop_pin": REDACTED,
        "Authorization": REDACTED,
        "other": "y",
    }


def test_text_loses_literal_and_url_encoded_secrets():
    secret = "cs_a+b/c=d"
    text = f"failed with {secret} and again cs_a%2Bb%2Fc%3Dd in the URL"

    assert redact.redact_text(text, [secret]) == (
        "failed with *** and again *** in the URL"
    )


def test_text_ignores_short_and_empty_secrets():
    assert redact.redact_text("abc 1 ab", ["", "1", "abc", None]) == "abc 1 ab"


def test_text_replaces_the_longest_secret_first():
    assert redact.redact_text("key=abcdef123", ["abcd", "abcdef123"]) == "key=***"
