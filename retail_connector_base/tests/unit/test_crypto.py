import pytest
from cryptography.fernet import Fernet

from odoo.addons.retail_connector_base.tools import crypto


def test_round_trip_keeps_unicode_text():
    key = crypto.resolve_key(crypto.generate_key(), None)
    secret = "cs_Zoë-東京-🔑-0123456789abcdef"

    token = crypto.encrypt(key, secret)

    assert secret not in token
    assert crypto.decrypt(key, token) == secret


def test_each_encryption_is_different_but_decrypts_the_same():
    key = crypto.resolve_key(crypto.generate_key(), None)

    first, second = crypto.encrypt(key, "s3cret"), crypto.encrypt(key, "s3cret")

    assert first != second
    assert crypto.decrypt(key, first) == crypto.decrypt(key, second) == "s3cret"


def test_token_is_a_standard_fernet_token():
    key = crypto.generate_key()

    token = crypto.encrypt(key.encode(), "s3cret")

    assert Fernet(key.encode()).decrypt(token.encode()) == b"s3cret"


def test_wrong_key_raises_a_readable_error():
    token = crypto.encrypt(crypto.generate_key().encode(), "s3cret")
    other_key = crypto.generate_key().encode()

    with pytest.raises(crypto.SecretDecryptError, match="was the key changed"):
        crypto.decrypt(other_key, token)


@pytest.mark.parametrize("token", ["", "not-a-token", "gAAAA" + "x" * 80, "€uro"])
def test_damaged_token_raises_secret_decrypt_error(token):
    key = crypto.generate_key().encode()

    with pytest.raises(crypto.SecretDecryptError):
        crypto.decrypt(key, token)


def test_config_value_takes_precedence_over_environment():
    config_key, env_key = crypto.generate_key(), crypto.generate_key()

    assert crypto.resolve_key(config_key, env_key) == config_key.encode()
    assert crypto.resolve_key(None, env_key) == env_key.encode()
    assert crypto.resolve_key("  ", env_key) == env_key.encode()
    assert crypto.resolve_key(f" {config_key}\n", None) == config_key.encode()


@pytest.mark.parametrize(("config", "env"), [(None, None), ("", ""), ("  ", None)])
def test_missing_key_says_how_to_configure_it(config, env):
    with pytest.raises(crypto.EncryptionKeyMissing) as info:
        crypto.resolve_key(config, env)

    message = str(info.value)
    assert "retail_connector_encryption_key" in message
    assert "RETAIL_CONNECTOR_ENCRYPTION_KEY" in message


@pytest.mark.parametrize(
    "value", ["too-short", "x" * 44, "aj17G0V-l4nAUEecPt691ZrAEaxNFpBvaLx5NAxFu_o"]
)
def test_invalid_key_is_rejected_without_echoing_it(value):
    with pytest.raises(ValueError) as info:
        crypto.resolve_key(value, None)

    assert str(info.value).startswith("invalid key")
    assert value not in str(info.value)


def test_cached_decryption_follows_a_new_secret_and_never_caches_failures():
    key = crypto.resolve_key(crypto.generate_key(), None)
    old, new = crypto.encrypt(key, "old-secret"), crypto.encrypt(key, "new-secret")
    other_key = crypto.generate_key().encode()

    assert crypto.decrypt_cached(key, old) == "old-secret"
    assert crypto.decrypt_cached(key, new) == "new-secret"
    assert crypto.decrypt_cached(key, old) == "old-secret"
    for _attempt in range(2):
        with pytest.raises(crypto.SecretDecryptError):
            crypto.decrypt_cached(other_key, new)
