import base64
import hashlib
import hmac

import pytest

from odoo.addons.retail_connector_base.tools import signatures
from odoo.addons.retail_connector_base.tools.signatures import SignatureError

SECRET = "whsec_test_0123456789"
BODY = b'{"id":"evt-1","topic":"order.created","data":{"price":"\\u20ac10"}}'
NOW = 1_764_064_800  # 2025-11-25T10:00:00Z


def test_hex_hmac_matches_githubs_published_test_vector():
    digest = signatures.hmac_sha256_hex("It's a Secret to Everybody", b"Hello, World!")

    assert digest == "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_base64_hmac_matches_an_independent_computation():
    expected = base64.b64encode(
        hmac.new(b"woo-secret", BODY, hashlib.sha256).digest()
    ).decode()

    assert signatures.hmac_sha256_base64("woo-secret", BODY) == expected
    assert signatures.hmac_sha256_base64(b"woo-secret", BODY) == expected


def test_generic_header_has_the_stripe_layout():
    header = signatures.sign_generic(SECRET, BODY, NOW)

    digest = hmac.new(
        SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256
    ).hexdigest()
    assert header == f"t={NOW},v1={digest}"


def test_valid_generic_signature_returns_its_timestamp():
    header = signatures.sign_generic(SECRET, BODY, NOW)

    assert signatures.verify_generic(SECRET, BODY, header, now=NOW + 10) == NOW


def test_timestamp_within_tolerance_on_both_sides_is_accepted():
    header = signatures.sign_generic(SECRET, BODY, NOW)

    assert signatures.verify_generic(SECRET, BODY, header, now=NOW + 300) == NOW
    assert signatures.verify_generic(SECRET, BODY, header, now=NOW - 300) == NOW


def reason(secret=SECRET, body=BODY, header="", now=NOW, **kwargs):
    with pytest.raises(SignatureError) as info:
        signatures.verify_generic(secret, body, header, now=now, **kwargs)
    return str(info.value)


def test_tampered_body_is_a_mismatch():
    header = signatures.sign_generic(SECRET, BODY, NOW)

    assert reason(body=BODY.replace(b"10", b"1"), header=header) == (
        "signature mismatch"
    )


def test_re_serialised_json_does_not_verify():
    # Same JSON document, different bytes: only the raw body is signed.
    header = signatures.sign_generic(SECRET, BODY, NOW)

    assert reason(body=BODY.replace(b"\\u20ac", "€".encode()), header=header) == (
        "signature mismatch"
    )


def test_wrong_secret_is_a_mismatch():
    header = signatures.sign_generic("another-secret", BODY, NOW)

    assert reason(header=header) == "signature mismatch"


def test_old_timestamp_is_rejected_even_with_a_valid_signature():
    header = signatures.sign_generic(SECRET, BODY, NOW - 301)

    assert reason(header=header) == "timestamp outside the tolerance window"


def test_future_timestamp_is_rejected():
    header = signatures.sign_generic(SECRET, BODY, NOW + 301)

    assert reason(header=header) == "timestamp outside the tolerance window"


def test_tolerance_is_configurable():
    header = signatures.sign_generic(SECRET, BODY, NOW - 60)

    assert reason(header=header, tolerance=30) == (
        "timestamp outside the tolerance window"
    )


def test_replaying_a_signature_with_a_fresh_timestamp_fails():
    old = signatures.sign_generic(SECRET, BODY, NOW - 3600)
    replayed = old.replace(f"t={NOW - 3600}", f"t={NOW}")

    assert reason(header=replayed) == "signature mismatch"


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header(header):
    assert reason(header=header) == "missing signature header"


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        "v1=abc",  # no timestamp
        f"t={NOW}",  # no signature
        f"t={NOW},t={NOW},v1=abc",  # two timestamps
        "t=yesterday,v1=abc",
        "t=-5,v1=abc",
        "t=１７６４０６４８００,v1=abc",  # full-width digits
        "t=99999999999999999999999,v1=abc",
        f"t={NOW};v1=abc",
        f"t={NOW},v1=" + "a" * 5000,
    ],
)
def test_malformed_header(header):
    assert reason(header=header) == "malformed signature header"


def test_several_v1_entries_support_secret_rotation():
    new = signatures.sign_generic(SECRET, BODY, NOW).split(",")[1]
    old = signatures.sign_generic("old-secret", BODY, NOW).split(",")[1]

    for header in (f"t={NOW},{old},{new}", f"t={NOW}, {new}, {old}"):
        assert signatures.verify_generic(SECRET, BODY, header, now=NOW) == NOW
    assert reason(header=f"t={NOW},{old},{old}") == "signature mismatch"


def test_unknown_schemes_are_ignored():
    header = signatures.sign_generic(SECRET, BODY, NOW) + ",v0=deadbeef"

    assert signatures.verify_generic(SECRET, BODY, header, now=NOW) == NOW


def test_non_ascii_signature_is_a_plain_mismatch():
    assert reason(header=f"t={NOW},v1=é") == "signature mismatch"


@pytest.mark.parametrize("secret", ["", None, b""])
def test_empty_secret_never_verifies(secret):
    # Signed with the empty key, which an attacker can compute.
    header = "t={},v1={}".format(
        NOW, hmac.new(b"", f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    )

    assert reason(secret=secret, header=header) == "no webhook secret configured"


def test_error_never_reveals_the_expected_signature():
    expected = signatures.sign_generic(SECRET, BODY, NOW).split("v1=")[1]

    message = reason(header=f"t={NOW},v1={'0' * 64}")

    assert expected not in message


def test_base64_signature_valid():
    signature = signatures.hmac_sha256_base64("woo-secret", BODY)

    assert signatures.verify_base64_hmac("woo-secret", BODY, signature) is None
    # Surrounding blanks added by proxies are tolerated.
    assert signatures.verify_base64_hmac("woo-secret", BODY, f" {signature} ") is None


def valid_woo_signature():
    return signatures.hmac_sha256_base64("woo-secret", BODY)


@pytest.mark.parametrize(
    ("secret", "body", "signature", "expected"),
    [
        ("woo-secret", BODY + b" ", valid_woo_signature(), "signature mismatch"),
        ("other", BODY, valid_woo_signature(), "signature mismatch"),
        ("woo-secret", BODY, valid_woo_signature()[:-4], "signature mismatch"),
        ("woo-secret", BODY, "not base64 at all €", "signature mismatch"),
        ("woo-secret", BODY, "A" * 5000, "malformed signature header"),
        ("woo-secret", BODY, None, "missing signature header"),
        ("woo-secret", BODY, "", "missing signature header"),
        ("", BODY, valid_woo_signature(), "no webhook secret configured"),
        (None, BODY, valid_woo_signature(), "no webhook secret configured"),
    ],
)
def test_base64_signature_rejections(secret, body, signature, expected):
    with pytest.raises(SignatureError) as info:
        signatures.verify_base64_hmac(secret, body, signature)

    assert str(info.value) == expected


def test_square_style_signature_covers_url_and_body():
    url = "https://odoo.example.com/retail/webhook/abc"
    signature = signatures.hmac_sha256_base64("sq-key", url.encode() + BODY)

    signatures.verify_base64_hmac("sq-key", url.encode() + BODY, signature)
    with pytest.raises(SignatureError, match="signature mismatch"):
        signatures.verify_base64_hmac(
            "sq-key", b"https://evil.example.com/" + BODY, signature
        )
